package pipeline

import (
	"encoding/json"
	"errors"
	"sort"

	"github.com/eddy-iot/eddy/windows"
)

// ErrNoView: Rows was asked for a view the pipeline does not run.
var ErrNoView = errors.New("pipeline: no such view")

// Rows returns the current rows of a view (or of a sink's query) as a JSON
// array: the latest revision of each group and window the view table keeps.
func (p *Pipeline) Rows(name string) ([]byte, error) {
	p.mu.Lock()
	v := p.viewByName[name]
	var tv tableView
	if v != nil {
		tv = v.table.view() // the store is read without the lock
	}
	p.mu.Unlock()
	if v == nil {
		return nil, ErrNoView
	}
	rows, err := tv.snapshot()
	if err != nil {
		return nil, err
	}
	out := []byte{'['}
	for i, r := range rows {
		if i > 0 {
			out = append(out, ',')
		}
		out = append(out, r...)
	}
	return append(out, ']'), nil
}

// Views returns the names of the views Rows serves, sorted.
func (p *Pipeline) Views() []string {
	names := make([]string, 0, len(p.viewByName))
	for n := range p.viewByName {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// Status is the pipeline's state for /v1/status.
type Status struct {
	Messages     uint64       `json:"messages_in"`
	Rows         uint64       `json:"rows_in"`
	Duplicates   uint64       `json:"duplicates_dropped"`
	Redelivered  uint64       `json:"redeliveries_dropped"`
	Unrouted     uint64       `json:"unrouted"`
	Late         uint64       `json:"late_dropped"`
	DeadLetters  uint64       `json:"dead_letters"`
	Results      uint64       `json:"results"`
	Commits      uint64       `json:"commits"`
	CommitErrors uint64       `json:"commit_errors"`
	LastCommitMS int64        `json:"last_commit_ms"`
	Views        []ViewStatus `json:"views"`
	Sinks        []SinkStatus `json:"sinks"`
}

// ViewStatus describes one view.
type ViewStatus struct {
	Name        string `json:"name"`
	Watermark   *int64 `json:"watermark_ms,omitempty"`
	Keys        int    `json:"keys"`
	Windows     int    `json:"open_windows"`
	Partitions  int    `json:"partitions"`
	Idle        int    `json:"idle_partitions"`
	Events      uint64 `json:"events"`
	LateUpdated uint64 `json:"late_accepted"`
	LateDropped uint64 `json:"late_dropped"`
	Results     uint64 `json:"results"`
	TableRows   int    `json:"table_rows"`
}

// SinkStatus describes one sink.
type SinkStatus struct {
	Name    string `json:"name"`
	Rows    uint64 `json:"rows_written"`
	Errors  uint64 `json:"write_errors"`
	Pending uint64 `json:"entries_pending"`
}

// Status returns the pipeline's counters and per-view state.
func (p *Pipeline) Status() Status {
	s := Status{
		Messages: p.stats.messages.Load(), Rows: p.stats.rows.Load(), Duplicates: p.stats.duplicates.Load(),
		Redelivered: p.stats.redelivered.Load(), Unrouted: p.stats.unrouted.Load(), Late: p.stats.late.Load(),
		DeadLetters: p.stats.deadLetters.Load(), Results: p.stats.results.Load(), Commits: p.stats.commits.Load(),
		CommitErrors: p.stats.commitErrors.Load(), LastCommitMS: p.stats.lastCommit.Load(),
	}
	p.mu.Lock()
	for _, v := range p.views {
		vs := ViewStatus{Name: v.name, TableRows: v.table.rows()}
		if v.op != nil {
			st := v.op.Stats()
			vs.Keys, vs.Windows, vs.Partitions, vs.Idle = st.Keys, st.Windows, st.Partitions, st.IdlePartitions
			vs.Events, vs.LateUpdated, vs.LateDropped, vs.Results = st.Events, st.LateAccepted, st.LateDropped, st.Results
			if wm := v.op.Watermark(); wm > windows.MinTime {
				vs.Watermark = &wm
			}
		}
		s.Views = append(s.Views, vs)
	}
	for _, q := range p.queues {
		w := q.written.Load()
		var pend uint64
		if q.next-1 > w {
			pend = q.next - 1 - w
		}
		s.Sinks = append(s.Sinks, SinkStatus{Name: q.name, Rows: q.rows.Load(), Errors: q.errs.Load(), Pending: pend})
	}
	p.mu.Unlock()
	return s
}

// JSON encodes the status for /v1/status.
func (s Status) JSON() []byte {
	b, _ := json.Marshal(s)
	return b
}
