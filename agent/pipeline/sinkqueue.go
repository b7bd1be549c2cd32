package pipeline

import (
	"context"
	"encoding/binary"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/eddy-iot/eddy/edge/store"
	"github.com/eddy-iot/eddy/sinks"
	"github.com/eddy-iot/eddy/sync/wire"
)

// sinkQueue is the durable queue in front of one local sink. The batch
// loop appends the rows of a batch as one entry (a snappy wire batch) in the
// same commit as the state that produced them; a worker goroutine writes
// committed entries to the sink and reports them done; the batch loop
// deletes done entries in its next commit. A crash between the write and
// the delete writes the entry again: at-least-once, and rows carry their
// window and revision for upserting consumers.
type sinkQueue struct {
	name  string
	store string
	sink  sinks.Sink
	log   *slog.Logger

	enc  wire.BatchEncoder // rows of the batch being built (batch loop)
	next uint64            // sequence of the next entry (batch loop)

	notify chan struct{}
	mu     sync.Mutex
	done   []uint64 // entries written, to delete

	written atomic.Uint64 // highest entry written (worker)
	rows    atomic.Uint64 // rows written since start
	errs    atomic.Uint64 // failed writes since start
}

func newSinkQueue(name string, s sinks.Sink, log *slog.Logger) *sinkQueue {
	return &sinkQueue{name: name, store: "sink:" + name, sink: s, log: log, next: 1, notify: make(chan struct{}, 1)}
}

func seqKey(seq uint64) []byte { return binary.BigEndian.AppendUint64(nil, seq) }

// load finds the next sequence after the entries left by an earlier run.
func (q *sinkQueue) load(st *store.Store) error {
	err := st.LoadPipeline(q.store, func(k, _ []byte) error {
		if len(k) == 8 {
			if s := binary.BigEndian.Uint64(k); s >= q.next {
				q.next = s + 1
			}
		}
		return nil
	})
	return err
}

func (q *sinkQueue) add(row []byte) { q.enc.Add(row) }

// flush puts the batch's rows and the deletions of written entries into b.
func (q *sinkQueue) flush(b *store.Batch) (added bool) {
	q.mu.Lock()
	for _, s := range q.done {
		b.Delete(q.store, seqKey(s))
	}
	q.done = q.done[:0]
	q.mu.Unlock()
	if q.enc.Rows() == 0 {
		return false
	}
	b.Put(q.store, seqKey(q.next), q.enc.Encode())
	q.next++
	q.enc.Reset()
	return true
}

// run writes committed entries to the sink until ctx ends.
func (q *sinkQueue) run(ctx context.Context, st *store.Store) {
	type entry struct {
		seq  uint64
		rows [][]byte
	}
	var scratch []byte
	backoff := time.Duration(0)
	q.notify <- struct{}{} // entries left by an earlier run
	for {
		select {
		case <-ctx.Done():
			return
		case <-q.notify:
		}
		var todo []entry
		after := q.written.Load()
		err := st.LoadPipeline(q.store, func(k, v []byte) error {
			if len(k) != 8 {
				return nil
			}
			seq := binary.BigEndian.Uint64(k)
			if seq <= after {
				return nil
			}
			var rows [][]byte
			var err error
			scratch, err = wire.DecodeBatch(v, scratch[:0], func(row []byte) error {
				rows = append(rows, append([]byte(nil), row...))
				return nil
			})
			if err != nil {
				q.log.Error("sink queue entry unreadable; skipped", "sink", q.name, "seq", seq, "err", err)
				rows = nil
			}
			todo = append(todo, entry{seq, rows})
			return nil
		})
		if err != nil {
			q.log.Error("sink queue: reading the store failed", "sink", q.name, "err", err)
			continue
		}
		for _, e := range todo {
			for len(e.rows) > 0 {
				err := q.sink.Write(ctx, e.rows)
				if err == nil {
					q.rows.Add(uint64(len(e.rows)))
					backoff = 0
					break
				}
				q.errs.Add(1)
				if ctx.Err() != nil {
					return
				}
				backoff = min(max(2*backoff, 200*time.Millisecond), 30*time.Second)
				if backoff >= 30*time.Second || q.errs.Load()%10 == 1 {
					q.log.Warn("sink write failed; retrying", "sink", q.name, "err", err, "retry_in", backoff)
				}
				select {
				case <-ctx.Done():
					return
				case <-time.After(backoff):
				}
			}
			q.written.Store(e.seq)
			q.mu.Lock()
			q.done = append(q.done, e.seq)
			q.mu.Unlock()
		}
	}
}
