package windows

import (
	"fmt"
	"math"
	"unsafe"
)

// Process adds one event. It never emits results (Advance does) but hands
// an event that is too late to Output.Late. It returns an error wrapping
// ErrRecord for a record that does not fit, and state is then unchanged.
func (o *Operator) Process(r *Record) error {
	ts, err := o.check(r)
	if err != nil {
		return err
	}
	k := o.route(r, ts)
	o.scratch = o.kind.Assign(o.scratch[:0], ts)
	dropped := 0
	for _, w := range o.scratch {
		win, err := o.resolve(k, w)
		if err != nil {
			return err
		}
		if win == nil {
			dropped++
			continue
		}
		for i, s := range win.states() {
			s.Add(r.Values[i], ts)
		}
	}
	if dropped > 0 {
		o.lateEvent(r, k, dropped)
	}
	return nil
}

// ProcessBatch adds the events of recs in order, with the same effect as
// calling Process for each. It is faster for large key sets: it first does
// the bookkeeping of every event (keys, partitions, windows) and then the
// aggregate updates, so that the processor overlaps the cache misses of
// many events. If a record does not fit, it returns an error naming it and
// processes none.
func (o *Operator) ProcessBatch(recs []Record) error {
	for i := range recs {
		if _, err := o.check(&recs[i]); err != nil {
			return fmt.Errorf("record %d of %d: %w", i, len(recs), err)
		}
	}
	if o.merger != nil { // merging sessions reads states: no deferred updates
		for i := range recs {
			if err := o.Process(&recs[i]); err != nil {
				return err
			}
		}
		return nil
	}
	keys := o.prefetch(recs)
	updates := o.updates[:0]
	for i := range recs {
		r := &recs[i]
		ts, _ := o.check(r)
		k := keys[i]
		if k == nil { // new, or created by an earlier record of the batch
			k = o.keys.get(r.Key)
		}
		k = o.routeKey(r, ts, k)
		o.scratch = o.kind.Assign(o.scratch[:0], ts)
		dropped := 0
		for _, w := range o.scratch {
			win, _ := o.resolve(k, w) // no error without merging
			if win == nil {
				dropped++
				continue
			}
			updates = append(updates, update{win: win, rec: int32(i), ts: ts})
		}
		if dropped > 0 {
			o.lateEvent(r, k, dropped)
		}
	}
	for _, u := range updates {
		vals := recs[u.rec].Values
		for i, s := range u.win.states() {
			s.Add(vals[i], u.ts)
		}
	}
	clear(updates)
	o.updates = updates[:0]
	clear(keys)
	o.batchKeys = keys[:0]
	return nil
}

// prefetch looks up the key state of every record (nil for a key not seen
// yet) and loads what the bookkeeping and the aggregate updates read next:
// the key's state, the partition of its previous event and its newest
// window with the window's states.
//
// With many keys all of that is out of the processor's caches, and a load
// from memory takes some hundred nanoseconds. Done event by event, each
// event waits for a chain of three such loads (table slot, key state,
// window). Done in passes, one link of the chain for the whole batch per
// pass, every pass is a tight loop of independent loads that the processor
// keeps in flight together, and the passes after them find everything in
// cache.
func (o *Operator) prefetch(recs []Record) []*keyState {
	hs := o.batchHash[:0]
	for i := range recs {
		hs = append(hs, o.keys.hash(recs[i].Key))
	}
	var sink int64
	for _, h := range hs { // the slots and the key states they point to
		if k := o.keys.first(h); k != nil {
			sink += touchLines(unsafe.Pointer(k), keyHot)
		}
	}
	keys := o.batchKeys[:0]
	for i, h := range hs {
		keys = append(keys, o.keys.getHash(recs[i].Key, h))
	}
	for _, k := range keys { // their partitions and newest windows
		if k == nil {
			continue
		}
		if p := k.lastPart; p != nil {
			sink += touchLines(unsafe.Pointer(p), partHot)
		}
		if n := len(k.wins); n > 0 {
			sink += o.layout.touch(k.wins[n-1])
		}
	}
	o.sink = sink
	clear(hs)
	o.batchHash = hs[:0]
	return keys
}

// update is a deferred State.Add of ProcessBatch.
type update struct {
	win *window
	rec int32
	ts  int64
}

// check validates r and returns its event time.
func (o *Operator) check(r *Record) (int64, error) {
	if len(r.Values) != o.nagg {
		return 0, fmt.Errorf("%w: %d aggregate inputs, the operator has %d aggregates", ErrRecord, len(r.Values), o.nagg)
	}
	if o.procTime {
		if o.now == math.MinInt64 {
			return 0, fmt.Errorf("%w: processing-time mode needs an Advance before the first event", ErrRecord)
		}
		return o.now, nil
	}
	if r.Time < MinTime || r.Time > MaxTime {
		return 0, fmt.Errorf("%w: event time %d ms is outside [%d, %d]", ErrRecord, r.Time, MinTime, MaxTime)
	}
	return r.Time, nil
}

// route finds or creates the key and partition of r and advances the
// partition's watermark.
func (o *Operator) route(r *Record, ts int64) *keyState {
	return o.routeKey(r, ts, o.keys.get(r.Key))
}

// routeKey is route with the key's state already looked up (nil if new).
func (o *Operator) routeKey(r *Record, ts int64, k *keyState) *keyState {
	var p *partition
	if o.procTime {
		p = o.parts[0]
	} else if k != nil && k.lastPart != nil && k.lastPart.is(r.Partition) {
		p = k.lastPart
	} else {
		p = o.partition(r.Partition)
	}
	if k == nil {
		k = o.newKey(r.Key, p)
	}
	if k.lastPart != p {
		if !k.parts.has(p.idx) {
			k.parts.add(p.idx)
			o.markKey(k)
		}
		k.lastPart = p
	}
	if ts > p.maxTs {
		p.maxTs = ts
		if !p.wmMoved {
			p.wmMoved = true
			o.moved = append(o.moved, p.idx)
		}
	}
	p.lastSeen = o.now
	if p.idle {
		p.idle = false
		o.armIdle()
	}
	o.markPart(p)
	o.stats.Events++
	return k
}

// resolve returns the window of key k for the assigned window w, creating
// or merging it, and marks it changed; nil if it is gone (too late).
func (o *Operator) resolve(k *keyState, w Window) (*window, error) {
	var win *window
	if o.merger != nil {
		var err error
		if win, err = o.mergeInto(k, w); err != nil {
			return nil, err
		}
	} else if w.End > k.purgedWM {
		if win = k.find(w.Start); win == nil {
			win = o.newWindow(k, w)
		}
	}
	if win == nil {
		return nil, nil
	}
	if win.End <= k.closedWM {
		o.stats.LateAccepted++
	}
	o.touch(win)
	return win, nil
}

// lateEvent hands r to the late side output.
func (o *Operator) lateEvent(r *Record, k *keyState, dropped int) {
	o.stats.LateDropped++
	o.late = LateEvent{Record: r, Window: o.firstGone(k), Watermark: k.closedWM, Partial: dropped < len(o.scratch)}
	o.out.Late(&o.late)
	o.late.Record = nil
}

// firstGone returns the first window in o.scratch that was too late.
func (o *Operator) firstGone(k *keyState) Window {
	for _, w := range o.scratch {
		if w.End <= k.purgedWM {
			return w
		}
	}
	return o.scratch[0]
}

// MergePartial folds partial states into the windows of r's key at event
// time r.Time, as if the events behind them had been processed here: the
// central aggregator merges the partial results of gateways (decoded with
// State.UnmarshalBinary from a fresh Aggregate.NewState) and rolls them up
// in time (give the start of the partial's window as r.Time). r.Values is
// ignored; states holds one state per aggregate of the spec, from the same
// aggregates, and is not retained. Watermarks, lateness and the late output
// apply as for Process.
func (o *Operator) MergePartial(r *Record, states []State) error {
	if len(states) != o.nagg {
		return fmt.Errorf("%w: %d partial states, the operator has %d aggregates", ErrRecord, len(states), o.nagg)
	}
	vals := r.Values
	r.Values = o.noValues()
	ts, err := o.check(r)
	r.Values = vals
	if err != nil {
		return err
	}
	k := o.route(r, ts)
	o.scratch = o.kind.Assign(o.scratch[:0], ts)
	dropped := 0
	for _, w := range o.scratch {
		win, err := o.resolve(k, w)
		if err != nil {
			return err
		}
		if win == nil {
			dropped++
			continue
		}
		for i, s := range win.states() {
			if err := s.Merge(states[i]); err != nil {
				return fmt.Errorf("%w: partial state %d for %s: %w", ErrRecord, i, o.spec.Aggregates[i].Name(), err)
			}
		}
	}
	if dropped > 0 {
		o.lateEvent(r, k, dropped)
	}
	return nil
}

// noValues returns a slice of nagg NULLs, for check.
func (o *Operator) noValues() []Value {
	if len(o.nulls) != o.nagg {
		o.nulls = make([]Value, o.nagg)
	}
	return o.nulls
}
