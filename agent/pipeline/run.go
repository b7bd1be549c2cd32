package pipeline

import (
	"context"
	"encoding/binary"
	"errors"
	"strconv"
	"sync"
	"time"

	"github.com/eddy-iot/eddy/edge/ingest"
	"github.com/eddy-iot/eddy/edge/store"
	"github.com/eddy-iot/eddy/windows"
)

// Run is the batch loop: it reads messages from in until ctx ends or in is
// closed, and advances the operators on a ticker when nothing comes. It
// returns nil on a clean stop; state not yet committed is simply not
// acknowledged, so the broker (or the stored Kafka offsets) replays it.
//
// Commits are pipelined: while batch n is committed (and then acknowledged)
// on another goroutine, the messages that arrive are handled into a second
// store.Batch, which becomes batch n+1 when commit n returns (or when it is
// full). So a batch is what arrived during the previous commit, as without
// pipelining, but handling it overlaps the fsync and bbolt's page writes.
// At most one commit is in flight and commits happen in batch order, so
// the store only ever holds a prefix of the batches and acks keep their
// order; the in-memory state is at most one batch ahead of the store, which
// a crash simply forgets along with that batch's unacknowledged messages.
func (p *Pipeline) Run(ctx context.Context, in <-chan ingest.Message) error {
	var wg sync.WaitGroup
	sctx, stop := context.WithCancel(context.Background())
	for _, q := range p.queues {
		wg.Add(1)
		go func() { defer wg.Done(); q.run(sctx, p.st) }()
	}
	var inflight chan error // the commit in flight, nil if none
	var spare *job          // the buffers of the last commit, free once it returned
	// wait waits for the commit in flight.
	wait := func() error {
		if inflight == nil {
			return nil
		}
		err := <-inflight
		inflight = nil
		return err
	}
	defer func() {
		_ = wait()
		stop()
		wg.Wait()
		p.closeSinks()
	}()
	// commit seals the handled messages p.msgs into a job and starts its
	// commit; no commit may be in flight.
	commit := func() {
		p.mu.Lock()
		defer p.mu.Unlock()
		j, ok := p.seal(p.msgs)
		if !ok {
			return
		}
		if spare == nil {
			spare = &job{b: p.st.NewBatch()}
		}
		p.batch, p.msgs = spare.b, spare.msgs[:0]
		done := make(chan error, 1)
		inflight, spare = done, j
		go func() { done <- p.finish(ctx, j) }()
	}
	tick := time.NewTicker(p.opts.Tick)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case m, ok := <-in:
			if !ok {
				if wait() == nil {
					commit()
				}
				return nil
			}
			from := len(p.msgs)
			msgs := append(p.msgs, m)
		drain:
			for len(msgs) < p.opts.BatchMaxEvents {
				select {
				case m, ok := <-in:
					if !ok {
						break drain
					}
					msgs = append(msgs, m)
				default:
					break drain
				}
			}
			p.mu.Lock()
			p.msgs = msgs
			p.handleAll(msgs[from:])
			p.mu.Unlock()
			if inflight != nil && len(msgs) < p.opts.BatchMaxEvents {
				continue // more may come while the commit runs
			}
			if wait() != nil {
				return nil // ctx ended while committing
			}
			commit()
		case err := <-inflight:
			inflight = nil
			if err != nil {
				return nil
			}
			if len(p.msgs) > 0 {
				commit()
			}
		case <-tick.C:
			if inflight == nil {
				commit()
			}
		}
	}
}

// job is a prepared batch: its store changes, the messages to acknowledge
// once they are committed and the counts to publish then.
type job struct {
	b      *store.Batch
	msgs   []ingest.Message
	counts counts
	sinks  []*sinkQueue // queues that got an entry in b
}

// step processes one batch of messages (possibly none), advances the
// operators, commits and acknowledges, all before it returns.
func (p *Pipeline) step(ctx context.Context, msgs []ingest.Message) error {
	p.mu.Lock()
	p.handleAll(msgs)
	j, ok := p.seal(msgs)
	p.mu.Unlock()
	if !ok {
		return nil
	}
	return p.finish(ctx, j)
}

// handleAll handles messages into p.batch. The caller holds p.mu.
func (p *Pipeline) handleAll(msgs []ingest.Message) {
	now := p.now()
	for i := range msgs {
		p.handle(&msgs[i], now)
	}
}

// seal advances the operators and flushes every change into p.batch, which
// becomes the job of the handled msgs. ok is false for an idle tick with
// nothing worth an fsync. The caller holds p.mu.
func (p *Pipeline) seal(msgs []ingest.Message) (j *job, ok bool) {
	now := p.now()
	p.stallMu.Lock()
	from, to := p.stallFrom, p.stallTo
	p.stallFrom, p.stallTo = 0, 0
	p.stallMu.Unlock()
	for _, v := range p.views {
		if v.op != nil {
			if to > from {
				v.op.Stalled(from, to)
			}
			v.op.Advance(now)
		}
		v.table.prune()
	}
	if len(msgs) == 0 && !p.dirty && p.pend.results == 0 && !p.sinkWork() {
		return nil, false // idle tick: changes stay tracked for the next batch
	}
	j = &job{b: p.batch, msgs: msgs}
	j.sinks = p.flush(j.b, j.sinks)
	j.counts = p.pend
	j.counts.named = nil // already in the batch
	p.pend = counts{named: p.pend.named}
	p.dirty = false
	return j, true
}

// finish commits a prepared batch, then acknowledges its messages and
// publishes its counts. It does not need p.mu.
func (p *Pipeline) finish(ctx context.Context, j *job) error {
	if err := p.commit(ctx, j.b); err != nil {
		return err
	}
	for i := range j.msgs {
		j.msgs[i].Ack()
	}
	clear(j.msgs) // drop payload references
	j.counts.publish(&p.stats)
	for _, q := range j.sinks {
		select {
		case q.notify <- struct{}{}:
		default:
		}
	}
	return nil
}

// sinkWork reports whether a sink has written entries to delete.
func (p *Pipeline) sinkWork() bool {
	for _, q := range p.queues {
		q.mu.Lock()
		n := len(q.done)
		q.mu.Unlock()
		if n > 0 {
			return true
		}
	}
	return false
}

// handle processes one message.
func (p *Pipeline) handle(m *ingest.Message, now int64) {
	p.pend.messages++
	p.pend.add("messages_in", 1)
	p.dirty = true
	if m.Partition < 0 && m.QoS > 0 {
		f := ingest.FingerprintOf(m)
		if m.Dup && p.ring.Seen(f) {
			p.pend.redelivered++
			p.pend.add("redelivered_dropped", 1)
			return
		}
		p.ring.Add(f)
	}
	if m.Partition >= 0 {
		srcs := p.kafkaByTopic[m.Topic]
		for _, s := range srcs {
			p.kafkaNext[s.name][m.Partition] = m.Offset + 1
			p.kafkaDirty[s.name][m.Partition] = true
			p.handleSource(s, m, nil, now)
		}
		if len(srcs) == 0 {
			p.unrouted(m)
		}
		return
	}
	p.hits, p.caps = p.router.Route(p.hits[:0], p.caps[:0], m.Topic)
	if len(p.hits) == 0 {
		p.unrouted(m)
		return
	}
	for _, h := range p.hits {
		p.handleSource(h.Value, m, h.Captures, now)
	}
}

func (p *Pipeline) unrouted(m *ingest.Message) {
	p.pend.unrouted++
	p.pend.add("unrouted", 1)
}

// handleSource decodes a message for one source and feeds its rows to the
// source's views.
func (p *Pipeline) handleSource(s *source, m *ingest.Message, caps []string, now int64) {
	res := s.dec.Decode(m.Payload, caps, now)
	for _, e := range res.Errors {
		p.deadLetter(m, e.Reason.String(), s.name+": "+e.Error())
	}
	for _, r := range res.Rows {
		for j, at := range s.decoded {
			s.row[at] = r.Values[j]
		}
		if err := s.fillRow(m, now); err != nil {
			p.deadLetter(m, "computed_column", s.name+": row "+strconv.Itoa(r.Index)+": "+err.Error())
			continue
		}
		if s.tracker != nil {
			seq := s.row[s.seqCol]
			if seq.IsNull() || seq.I < 0 {
				p.deadLetter(m, "missing_sequence", s.name+": row "+strconv.Itoa(r.Index)+": the sequence column "+
					s.bound.Columns[s.seqCol].Name+" is missing or negative; devices must send it with every reading")
				continue
			}
			dev := ""
			if s.deviceCol >= 0 {
				if d := s.row[s.deviceCol]; d.Kind == windows.KindString {
					dev = d.S
				} else {
					dev = d.String()
				}
			}
			if !s.tracker.Observe(dev, 0, uint64(seq.I)).Keep() {
				p.pend.duplicates++
				p.pend.add(s.dupCounter, 1)
				continue
			}
		}
		p.pend.rows++
		p.pend.add(s.rowsCounter, 1)
		part := s.partition(m)
		for _, v := range s.views {
			if err := v.process(s, part, now); err != nil {
				p.deadLetter(m, "rejected_by_view", v.name+": row "+strconv.Itoa(r.Index)+": "+err.Error())
			}
		}
	}
}

func (p *Pipeline) deadLetter(m *ingest.Message, reason, msg string) {
	p.pend.deadLetters++
	p.batch.AddDeadLetter(store.DeadLetter{Time: time.UnixMilli(m.Received), Topic: m.Topic, Reason: reason,
		Payload: m.Payload, Message: msg})
}

func (p *Pipeline) countError(view, reason string, err error) {
	p.pend.add("errors."+reason, 1)
	p.log.Debug("view output error", "view", view, "err", err)
}

// flush moves everything the batch changed into b and appends to sinks
// the queues that got an entry.
func (p *Pipeline) flush(b *store.Batch, sinks []*sinkQueue) []*sinkQueue {
	for _, v := range p.views {
		if v.op != nil {
			_ = v.op.Changes(func(k, val []byte) error {
				if val == nil {
					b.Delete(v.store, k)
				} else {
					b.Put(v.store, k, val)
				}
				return nil
			})
		}
		v.table.flush(b)
	}
	for _, s := range p.sources {
		if s.tracker != nil && s.tracker.DirtyCount() > 0 {
			s.tracker.EachDirty(func(dev string, state []byte) { b.PutDedupe(s.name, dev, state) })
			s.tracker.ClearDirty()
		}
		if s.kafka {
			for part := range p.kafkaDirty[s.name] {
				b.PutPipelineMeta("source:"+s.name, "offset/"+strconv.Itoa(part),
					binary.BigEndian.AppendUint64(nil, uint64(p.kafkaNext[s.name][part])))
			}
			clear(p.kafkaDirty[s.name])
		}
	}
	p.ring.Changed(func(k, v []byte) { b.PutPipelineMeta(ingestMeta, "ring/"+string(k), v) })
	p.pend.flush(b)
	if p.outbox.Rows() > 0 {
		b.Enqueue(store.Routine, p.outbox.Encode())
		p.outbox.Reset()
	}
	for _, q := range p.queues {
		if q.flush(b) {
			sinks = append(sinks, q)
		}
	}
	return sinks
}

// noteStall records that input was held back from from to to.
func (p *Pipeline) noteStall(from, to int64) {
	p.stallMu.Lock()
	defer p.stallMu.Unlock()
	if p.stallTo <= p.stallFrom {
		p.stallFrom = from
	}
	p.stallTo = max(p.stallTo, to)
}

// addOutboxRow adds a wire row to the outbox entry being built, first
// sealing that entry into p.batch when the row would take it past
// MaxEntryBytes. The caller holds p.mu.
func (p *Pipeline) addOutboxRow(row []byte) {
	if p.outbox.Rows() > 0 && p.outbox.RawBytes()+len(row) > p.opts.MaxEntryBytes {
		p.batch.Enqueue(store.Routine, p.outbox.Encode())
		p.outbox.Reset()
	}
	p.outbox.Add(row)
}

// commit commits b, retrying with a capped backoff until it succeeds or ctx
// ends. A failed commit wrote nothing and b is intact, so retrying it is
// exact. It runs without p.mu: handling the next batch goes on meanwhile.
func (p *Pipeline) commit(ctx context.Context, b *store.Batch) error {
	outbox := b.OutboxBytes() > 0
	var backoff time.Duration
	var stalledAt int64
	for attempt := 0; ; attempt++ {
		err := p.st.Commit(b)
		if err == nil {
			if attempt > 0 {
				p.noteStall(stalledAt, p.now())
			}
			break
		}
		if attempt == 0 {
			stalledAt = p.now()
		}
		p.stats.commitErrors.Add(1)
		if attempt == 0 || attempt%20 == 0 {
			p.log.Warn("commit failed; input is held back and the batch retried", "err", err, "attempt", attempt+1)
		}
		if errors.Is(err, store.ErrOutboxFull) {
			if werr := p.st.WaitOutboxSpace(ctx, b.OutboxBytes()); werr != nil {
				return werr
			}
			continue
		}
		backoff = min(max(2*backoff, 50*time.Millisecond), 5*time.Second)
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(backoff):
		}
	}
	p.stats.commits.Add(1)
	p.stats.lastCommit.Store(p.now())
	b.Reset()
	if outbox && p.opts.OnCommit != nil {
		p.opts.OnCommit()
	}
	return nil
}
