package windows

import (
	"fmt"
	"math"
)

// Operator is one windowed aggregation: it assigns events to windows per
// key, tracks watermarks per partition, emits results and late events, and
// records what changed for the next incremental snapshot.
//
// An Operator is single-threaded: the caller (the runner) owns locking, time
// (Advance) and checkpointing (Changes). It performs no I/O and reads no
// clock.
type Operator struct {
	spec     Spec
	fp       string // fingerprint of the spec, in the meta entry
	kind     Windowing
	merger   Merging // non-nil for session windows
	out      Output
	nagg     int
	ooo      int64
	lateness int64
	procTime bool
	early    bool // emit early results (EmitEvery > 0, or Unbounded)
	track    bool // track changes for Changes (not Spec.NoChanges)

	layout  windowLayout // allocates windows with their states
	keys    keyTable
	parts   []*partition
	partIdx map[string]uint32

	now       int64 // processing time of the last Advance
	lastEarly int64 // processing time of the last early emission
	epoch     uint64
	keySeq    uint64 // creation number of the last key
	nextIdle  int64  // no partition can turn idle before this processing time

	pool      []*window // recycled windows with reset states
	scratch   []Window
	overlap   []*window
	pending   []winRef    // windows to emit at the next Advance (late revisions, early results)
	moved     []uint32    // partitions whose maxTs grew since the last Advance
	dueNow    []timer     // keys to look at in the next Advance regardless of watermarks
	due       []dueKey    // scratch of Advance
	dueTmp    []dueKey    // scratch of Advance
	emitBuf   []winRef    // scratch of Advance
	updates   []update    // scratch of ProcessBatch
	nulls     []Value     // scratch of MergePartial
	batchKeys []*keyState // scratch of ProcessBatch
	batchHash []uint64    // scratch of ProcessBatch
	drops     timerHeap   // keys without windows by processing-time expiry, for Spec.KeyTTL
	sink      int64       // keeps ProcessBatch's prefetching loads
	res       Result
	late      LateEvent
	snapshot  snapshotState // what changed since the last Changes

	stats Stats
}

// Stats are the operator's counters and sizes, for metrics. Counters only
// grow and survive Restore.
type Stats struct {
	Events       uint64 // records accepted by Process (including late ones)
	LateAccepted uint64 // events that updated a window already closed (within AllowedLateness)
	LateDropped  uint64 // events handed to Output.Late
	KeysDropped  uint64 // key states dropped after Spec.KeyTTL without windows
	Results      uint64 // results emitted, all kinds
	Early        uint64 // of which early (non-final) results

	Keys           int
	Windows        int
	Partitions     int
	IdlePartitions int
}

// New returns an operator for spec that sends results and late events to
// out.
func New(spec Spec, out Output) (*Operator, error) {
	if err := spec.Validate(); err != nil {
		return nil, err
	}
	if out == nil {
		return nil, fmt.Errorf("%w: no Output: results and late events need a destination", ErrSpec)
	}
	o := &Operator{
		spec:     spec,
		kind:     spec.Window,
		out:      out,
		nagg:     len(spec.Aggregates),
		ooo:      spec.OutOfOrderness,
		lateness: spec.AllowedLateness,
		procTime: spec.Time == ProcessingTime,
		track:    !spec.NoChanges,
		keys:     newKeyTable(),
		partIdx:  make(map[string]uint32),
		now:      math.MinInt64,
		nextIdle: math.MaxInt64,
	}
	o.lastEarly = math.MinInt64
	o.layout = newWindowLayout(spec.Aggregates)
	o.fp = o.fingerprint()
	o.merger, _ = spec.Window.(Merging)
	_, unbounded := spec.Window.(Unbounded)
	o.early = spec.EmitEvery > 0 || unbounded
	if o.procTime {
		o.partition(nil) // the one partition, advanced by Advance
	}
	return o, nil
}

// Spec returns the spec the operator was built from.
func (o *Operator) Spec() Spec { return o.spec }

// Now returns the processing time of the last Advance.
func (o *Operator) Now() int64 { return o.now }

// Stats returns the counters and current sizes.
func (o *Operator) Stats() Stats {
	s := o.stats
	s.Keys = o.keys.len()
	s.Partitions = len(o.parts)
	o.keys.all(func(k *keyState) { s.Windows += len(k.wins) })
	for _, p := range o.parts {
		if p.idle {
			s.IdlePartitions++
		}
	}
	return s
}

// partition returns the partition named name, creating it.
func (o *Operator) partition(name []byte) *partition {
	if i, ok := o.partIdx[string(name)]; ok {
		return o.parts[i]
	}
	p := newPartition(name, uint32(len(o.parts)), o.now)
	o.parts = append(o.parts, p)
	o.partIdx[p.name] = p.idx
	o.markPart(p)
	o.armIdle()
	return p
}

// armIdle notes that a partition became active at the current processing
// time, so it may turn idle IdleTimeout later.
func (o *Operator) armIdle() {
	if o.spec.IdleTimeout > 0 {
		o.nextIdle = min(o.nextIdle, addSat(o.now, o.spec.IdleTimeout))
	}
}

// newKey creates the state of a key first fed by p. Its watermark starts at
// p's, so that an event beyond p's disorder bound is late for a new key as
// for an old one, and a key recreated after its state was dropped does not
// re-open windows it already emitted.
func (o *Operator) newKey(key []byte, p *partition) *keyState {
	k := newKeyState(string(key))
	o.keySeq++
	k.seq = o.keySeq
	if wm := p.watermark(o.ooo); wm != math.MinInt64 && !o.procTime {
		k.closedWM = wm
		k.purgedWM = addSat(wm, -o.lateness)
	}
	if p.horizon > k.purgedWM && !o.procTime { // keys of p were dropped: see dropKey
		k.purgedWM = p.horizon
		k.closedWM = max(k.closedWM, p.horizon)
	}
	o.keys.put(k)
	o.markKey(k)
	o.emptied(k) // no window yet, and none if its first event is too late
	return k
}

// emptied notes that key k has no window as of now and, with KeyTTL, lists
// it for dropping.
func (o *Operator) emptied(k *keyState) {
	k.emptyAt = o.now
	o.markKey(k)
	if o.spec.KeyTTL > 0 && !k.listed {
		k.listed = true
		o.drops.push(timer{due: addSat(o.now, o.spec.KeyTTL), key: k})
	}
}

// newWindow creates window w of key k from the free list.
func (o *Operator) newWindow(k *keyState, w Window) *window {
	var win *window
	if n := len(o.pool); n > 0 {
		win = o.pool[n-1]
		o.pool[n-1] = nil
		o.pool = o.pool[:n-1]
	} else {
		win = o.layout.alloc(o.spec.Aggregates)
	}
	win.Window = w
	win.key = k
	k.insert(win)
	o.schedule(k, o.windowDue(k, win))
	return win
}

// recycle removes win from its key, records the deletion for the next
// snapshot and puts the window on the free list.
func (o *Operator) recycle(win *window) {
	k := win.key
	k.remove(win)
	o.deleteWindow(k.key, win.Start)
	for _, s := range win.states() {
		s.Reset()
	}
	win.gen++
	win.key = nil
	if len(k.wins) == 0 {
		o.emptied(k)
	}
	win.emits = 0
	win.pending, win.inPending, win.dirty = false, false, false
	o.pool = append(o.pool, win)
}

// touch marks win as changed, for emission and for the next snapshot.
func (o *Operator) touch(win *window) {
	win.pending = true
	if !win.inPending && (o.early || win.End <= win.key.closedWM) {
		win.inPending = true
		o.pending = append(o.pending, winRef{win, win.gen})
	}
	o.markWindow(win)
}

// mergeInto finds or builds the session window of key k that absorbs the
// provisional window w, merging the sessions w bridges. It returns nil if
// the resulting session has already been purged (the event is too late).
func (o *Operator) mergeInto(k *keyState, w Window) (*window, error) {
	acc := w
	o.overlap = o.overlap[:0]
	for _, x := range k.wins {
		if m, ok := o.merger.Merge(acc, x.Window); ok {
			acc = m
			o.overlap = append(o.overlap, x)
		}
	}
	if acc.End <= k.purgedWM {
		return nil, nil
	}
	if len(o.overlap) == 0 {
		return o.newWindow(k, acc), nil
	}
	win := o.overlap[0]
	for _, x := range o.overlap[1:] {
		for i, s := range win.states() {
			if err := s.Merge(x.states()[i]); err != nil {
				return nil, fmt.Errorf("windows: merging sessions of %s: %w", o.spec.Aggregates[i].Name(), err)
			}
		}
		win.emits = max(win.emits, x.emits)
		o.recycle(x)
	}
	if win.Window != acc {
		if win.Start != acc.Start {
			o.deleteWindow(k.key, win.Start)
		}
		win.Window = acc
		// Merging only ever joins neighbours, so the order by Start holds.
		o.schedule(k, o.windowDue(k, win))
	}
	return win, nil
}

// windowDue is when the key must be looked at for win: at its end to close
// it, then at end + lateness to purge it.
func (o *Operator) windowDue(k *keyState, win *window) int64 {
	if win.Unbounded() {
		return math.MaxInt64
	}
	if win.End > k.closedWM {
		return win.End
	}
	return addSat(win.End, o.lateness)
}

// keyWatermark is the key's watermark: the least watermark of the active
// partitions that fed it, and the partition that holds it. ok is false when
// all of them are idle.
func (o *Operator) keyWatermark(k *keyState) (wm int64, holder *partition, ok bool) {
	wm = math.MaxInt64
	for _, i := range k.parts.list {
		p := o.parts[i]
		if p.idle {
			continue
		}
		if w := p.watermark(o.ooo); holder == nil || w < wm {
			wm, holder = w, p
		}
	}
	return wm, holder, holder != nil
}

// schedule makes sure the key is looked at once its watermark reaches due.
// A key has one valid timer, at its earliest due, registered with the
// partition that currently holds its watermark back; when that partition
// passes due, Advance recomputes the key's watermark and registers again
// with the next holder if another partition is behind.
func (o *Operator) schedule(k *keyState, due int64) {
	if due >= k.timerDue || due == math.MaxInt64 {
		return
	}
	wm, holder, ok := o.keyWatermark(k)
	part := int64(timerNow)
	if ok && wm < due {
		part = int64(holder.idx)
	}
	o.register(k, due, part)
}

// register records the key's timer and queues it.
func (o *Operator) register(k *keyState, due, part int64) {
	k.timerSeq++
	k.timerDue, k.timerPart = due, part
	t := timer{due: due, key: k, seq: k.timerSeq}
	if part == timerNow {
		o.dueNow = append(o.dueNow, t)
	} else {
		o.parts[part].timers.push(t)
	}
	o.markKey(k)
}
