package alerts

import "github.com/eddy-iot/eddy/sql"

// AgentsView is the virtual view of the agent registry. The aggregator feeds
// one row per agent to Observe each time the registry changes or is
// re-evaluated for heartbeats (at least once per heartbeat timeout), with the
// columns of AgentsColumns:
//
//	agent             VARCHAR    agent id (the checkpoint's key)
//	last_seen_ms      TIMESTAMP  when its last checkpoint arrived, Unix ms
//	online            BOOLEAN    false once last_seen_ms is older than the heartbeat timeout
//	outbox_depth      BIGINT     entries waiting in the agent's outbox
//	outbox_bytes      BIGINT     bytes waiting in the agent's outbox
//	watermark_lag_ms  BIGINT     checkpoint time minus its oldest source watermark
//	dropped           BIGINT     events dropped, all reasons summed
//	config_version    BIGINT     the agent's config version
//
// The agent_offline and outbox rule kinds read these columns; any rule may.
const AgentsView = "agents"

// AgentsColumns are the columns of AgentsView, in the order above. A row may
// name them in any order (Observe maps by name).
var AgentsColumns = []sql.Column{
	{Name: "agent", Type: sql.TypeString},
	{Name: "last_seen_ms", Type: sql.TypeTimestamp},
	{Name: "online", Type: sql.TypeBool},
	{Name: "outbox_depth", Type: sql.TypeInt},
	{Name: "outbox_bytes", Type: sql.TypeInt},
	{Name: "watermark_lag_ms", Type: sql.TypeInt},
	{Name: "dropped", Type: sql.TypeInt},
	{Name: "config_version", Type: sql.TypeInt},
}
