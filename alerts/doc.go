// Package alerts is Eddy's alert engine: rules written in YAML with SQL
// conditions, evaluated over the rows of materialized views, with a
// pending → firing → resolved lifecycle, acknowledgements, silences,
// deduplicated notifications and a history. The central aggregator runs it
// over fleet views and the agent registry; an agent can run it over its own
// views to keep alerting with the uplink down.
//
// # Contract
//
// The engine is pure computation: no I/O, no goroutines, no clock. Time is
// passed in as Unix milliseconds (now) to every call that depends on it, so
// tests drive the lifecycle with an injected clock and no sleeps. It is not
// safe for concurrent use; its owner serialises calls, typically
//
//	e.Observe(view, cols, row, now)   // for each row of a batch
//	ns := e.Tick(now)                 // after the batch, and periodically
//	deliver(ns); persist(e.TakeHistory()); save(e.Snapshot())
//
// Observe changes state; only Tick returns notifications, so a batch of rows
// gives at most one notification per transition. Tick must also run
// periodically without rows (every few seconds): For durations, absence and
// silences end on Tick.
//
// # Rules
//
// ParseRules reads a rule file (docs/ALERTS.md is the user reference); New
// binds each rule's expressions (where, condition, clear, value, time)
// against the columns of its view with package sql and compiles them with
// sql/eval, so they have PostgreSQL semantics and the dialect's functions.
// Package sql binds expressions only inside statements: the engine declares
// the view as a source in a private catalog and binds each expression as the
// one output column of a view over it (bind.go). Errors are rendered at
// their place in the rule file, file:line:col.
//
// Kinds: threshold (condition, for, clear), absence (no row of a group for
// `for`), rate (condition over the column rate: the change of value per
// second between consecutive rows of a group), and two thresholds preset on
// AgentsView, agent_offline and outbox.
//
// # Instances and lifecycle
//
// group_by identifies an alert instance; its id is rule{col="value",...}
// and its labels are the rule's labels plus the group columns. A threshold
// instance exists from the row whose condition holds until it is resolved
// and KeepResolved has passed, or its pending condition fails; absence and
// rate rules keep one small record per group seen (last row time, previous
// value). A pending alert fires when its condition has held for For:
// on the next row that still satisfies it, or on Tick (the view's last row
// is its current state). A NULL condition does not hold; a NULL clear does
// not clear. A row on which an expression fails (a bad CAST) is skipped by
// that rule and counted in Stats.EvalErrors.
//
// # Notifications, acknowledgements, silences
//
// Tick emits a Notification for each transition to firing and each
// resolution of an alert that was notified firing, once; DedupKey is stable
// per transition. renotify repeats the firing notification of an
// unacknowledged alert. Ack records who acknowledged; it stops
// re-notification until the episode ends. A Silence holds the notifications
// of the alerts it matches until its end; Tick then sends what is still
// owed: firing if the alert still fires, resolved if it had been notified
// firing. An alert that fired and resolved entirely within a silence says
// nothing.
//
// # History and snapshots
//
// Every transition (and every ack) is appended to a history that the caller
// takes with TakeHistory and persists; AppendHistory/DecodeHistory are its
// compact, versioned encoding (FuzzDecodeHistory). Snapshot encodes the
// whole state, untaken history included, deterministically; Restore on a
// new engine continues where the old one stopped, and does not re-notify.
//
// # Caveats
//
//   - A firing threshold alert whose group stops sending rows keeps firing:
//     pair it with an absence rule on the same view.
//   - Absence only knows groups it has seen: a device that never reported
//     once cannot be missing.
//   - If an alert fires, resolves and starts pending again between two
//     Ticks, that episode is not notified (run Tick after every batch).
//   - Times are processing times given by the caller; rate rules can take
//     the rows' event time from a column (time:).
package alerts
