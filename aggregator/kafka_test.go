package aggregator

import (
	"math"
	"net/http"
	"testing"
	"time"

	"github.com/eddy-iot/eddy/aggregator/internal/fleettest"
	"github.com/eddy-iot/eddy/internal/testenv"
)

// Agents → real Kafka → aggregator: the fleet view equals the same view
// computed directly on the raw events, with early results replaced by
// their final revision, re-sent rows and stale copies in the stream.
func TestFleetViewEqualsDirectOnKafka(t *testing.T) {
	addr := testenv.Kafka(t)
	results, checkpoints, group := topics(t, addr, 4)
	events := fleettest.Events(11, 3, 10, 30000, 3)
	msgs := fleettest.Rows(events, fleettest.Options{EarlyEvery: 5, ResendEvery: 13, StaleEvery: 2})
	produce(t, addr, results, msgs)
	produce(t, addr, checkpoints, checkpointMsgs(events))

	a, api := startInProcess(t, testConfig(t, addr, results, checkpoints, group, t.TempDir(), "127.0.0.1:0"))
	want := fleettest.Identities(events)
	testenv.WaitFor(t, 60*time.Second, func() bool {
		s := a.Status().Counters
		return s["rows"] >= int64(len(msgs)) && s["checkpoints"] >= 3
	}, "the aggregator consumes every row and checkpoint")
	if n := stored(a); n != want {
		t.Fatalf("stored %d result identities, want %d", n, want)
	}
	s := a.Status().Counters
	if s["replaced"] == 0 || s["duplicates"] == 0 || s["stale"] == 0 || s["bad"] != 0 {
		t.Fatalf("counters: %v", s)
	}

	var rows rowsAnswer
	if code := get(t, api, "/v1/views/site_hourly", &rows); code != 200 {
		t.Fatalf("GET /v1/views/site_hourly: %d", code)
	}
	compareRows(t, rows.Rows, fleettest.Direct(events))

	// A time range selects the windows that start in it.
	from := fleettest.Base + fleettest.Hour
	var one rowsAnswer
	get(t, api, "/v1/views/site_hourly?from="+itoa(from)+"&to="+itoa(from+fleettest.Hour), &one)
	if one.Count != 3 {
		t.Fatalf("one hour: %d rows, want 3 sites", one.Count)
	}
	var edge rowsAnswer
	if code := get(t, api, "/v1/views/telemetry_stats?limit=10", &edge); code != 200 || edge.Count != 10 {
		t.Fatalf("edge view rows: %d, %d", code, edge.Count)
	}

	var agents []Agent
	get(t, api, "/v1/agents", &agents)
	if len(agents) != 3 || !agents[0].Online || agents[0].OutboxDepth != 2 || agents[0].WatermarkLag == nil {
		t.Fatalf("agents: %+v", agents)
	}
	resp, err := http.Get("http://" + api + "/v1/agents")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("without the token: %d", resp.StatusCode)
	}
}

// A Kafka restart in the middle of the stream: consumption resumes by
// itself and every result arrives.
func TestResumesAfterKafkaRestart(t *testing.T) {
	b := testenv.PrivateKafka(t)
	addr := b.Addr()
	results, checkpoints, group := topics(t, addr, 2)
	events := fleettest.Events(12, 3, 6, 12000, 2)
	msgs := fleettest.Rows(events, fleettest.Options{EarlyEvery: 4})
	half := len(msgs) / 2
	produce(t, addr, results, msgs[:half])
	a, _ := startInProcess(t, testConfig(t, addr, results, checkpoints, group, t.TempDir(), ""))
	testenv.WaitFor(t, 60*time.Second, func() bool { return a.Status().Counters["rows"] >= int64(half) }, "first half consumed")

	b.Restart(t)
	produce(t, addr, results, msgs[half:])
	want := len(latest(t, msgs))
	testenv.WaitFor(t, 3*time.Minute, func() bool { return stored(a) == want }, "every result stored after the restart")
	t.Logf("after the restart: %v", a.Status().Counters)
	_ = math.MaxInt64
}

func itoa(i int64) string { return formatInt(i) }
