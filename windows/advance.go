package windows

import (
	"cmp"
	"math"
	"slices"
)

// Advance is the processing-time driver: call it regularly (for example
// after each batch of events, and on a ticker when no events come) with the
// current processing time in Unix milliseconds. It
//   - marks partitions idle that sent nothing for IdleTimeout,
//   - closes the windows whose key watermark passed their end and emits their
//     final results,
//   - emits revised results of closed windows that late events changed,
//   - emits early results when EmitEvery has elapsed (Unbounded: always),
//   - purges windows past their allowed lateness and recycles their state.
//
// Processing time never goes back: a now older than the last one is
// treated as the last one. Results go to Output.Result, ordered within each
// step by key (in the order keys were first seen) and window start, so that
// a run and its restored continuation emit the same sequence.
func (o *Operator) Advance(now int64) {
	if now > o.now {
		o.now = now
	}
	o.epoch++
	o.due = o.due[:0]
	for _, t := range o.dueNow {
		o.queue(t)
	}
	clear(o.dueNow)
	o.dueNow = o.dueNow[:0]

	if o.procTime {
		if p := o.parts[0]; o.now > p.maxTs {
			p.maxTs = o.now
			o.markPart(p)
			if !p.wmMoved {
				p.wmMoved = true
				o.moved = append(o.moved, p.idx)
			}
		}
	} else if o.spec.IdleTimeout > 0 {
		o.detectIdle()
	}
	for _, i := range o.moved {
		p := o.parts[i]
		p.wmMoved = false
		wm := p.watermark(o.ooo)
		for len(p.timers) > 0 && p.timers[0].due <= wm {
			o.queue(p.timers.pop())
		}
	}
	o.moved = o.moved[:0]

	o.due, o.dueTmp = sortDue(o.due, o.dueTmp, o.keySeq)
	for _, d := range o.due {
		o.closeKey(d.k)
	}
	clear(o.due)
	o.due = o.due[:0]
	o.emitPending()
	if len(o.drops) > 0 && o.drops[0].due <= o.now {
		o.dropKeys()
	}
}

// dropKeys forgets the keys that have had no window for KeyTTL. A key is
// listed in o.drops at most once (keyState.listed), at the time it would
// expire if it stayed empty; an entry whose key has windows again is
// discarded, and one whose key emptied again later is pushed back with its
// new expiry. So keys are dropped at the first Advance at or after
// emptyAt+KeyTTL, in any run, restored or not.
func (o *Operator) dropKeys() {
	for len(o.drops) > 0 && o.drops[0].due <= o.now {
		k := o.drops.pop().key
		if len(k.wins) > 0 {
			k.listed = false
			continue
		}
		if k.emptyAt == math.MinInt64 { // emptied before the first Advance
			k.emptyAt = o.now
			o.markKey(k)
		}
		if due := addSat(k.emptyAt, o.spec.KeyTTL); due > o.now {
			o.drops.push(timer{due: due, key: k})
			continue
		}
		o.dropKey(k)
	}
}

// dropKey forgets key k, which has no window. Its partitions remember its
// lateness horizon (partition.horizon), so that the key, when it comes back
// through one of them, does not reopen the windows it emitted.
func (o *Operator) dropKey(k *keyState) {
	k.listed = false
	k.gone = true // its stale timers are invalid now
	o.keys.remove(k)
	for _, i := range k.parts.list {
		if p := o.parts[i]; k.purgedWM > p.horizon {
			p.horizon = k.purgedWM
			o.markPart(p)
		}
	}
	o.markKey(k) // Changes deletes its entry
	o.stats.KeysDropped++
}

// queue adds the key of a valid timer to this Advance's work, once.
func (o *Operator) queue(t timer) {
	if !t.valid() || t.key.mark == o.epoch {
		return
	}
	t.key.mark = o.epoch
	t.key.timerSeq++ // consumed: other copies are stale now
	t.key.timerDue, t.key.timerPart = math.MaxInt64, noTimer
	o.due = append(o.due, dueKey{t.key.seq, t.key})
}

// sortDue sorts a by seq, every seq <= maxSeq, using tmp as scratch; it
// returns the sorted slice and the scratch. A window close makes thousands
// of keys due at once: a radix sort on the small creation numbers costs a
// few passes over them, where a comparison sort costs a dozen.
func sortDue(a, tmp []dueKey, maxSeq uint64) ([]dueKey, []dueKey) {
	if len(a) < 256 {
		slices.SortFunc(a, func(x, y dueKey) int { return cmp.Compare(x.seq, y.seq) })
		return a, tmp
	}
	tmp = slices.Grow(tmp[:0], len(a))[:len(a)]
	for shift := uint(0); shift < 64 && maxSeq>>shift != 0; shift += 8 {
		var count [257]int
		for _, d := range a {
			count[(d.seq>>shift)&0xff+1]++
		}
		for i := 1; i < len(count); i++ {
			count[i] += count[i-1]
		}
		for _, d := range a {
			b := (d.seq >> shift) & 0xff
			tmp[count[b]] = d
			count[b]++
		}
		a, tmp = tmp, a
	}
	clear(tmp)
	return a, tmp[:0]
}

// dueKey is a key to close in this Advance, with its creation number, the
// order of emission.
type dueKey struct {
	seq uint64
	k   *keyState
}

// detectIdle marks partitions idle that sent nothing for IdleTimeout and
// queues the keys waiting on them. It scans the partitions only when the
// earliest possible expiry has come.
func (o *Operator) detectIdle() {
	if o.now < o.nextIdle {
		return
	}
	o.nextIdle = math.MaxInt64
	for _, p := range o.parts {
		if p.idle {
			continue
		}
		if p.lastSeen == math.MinInt64 { // events before the first Advance
			p.lastSeen = o.now
			o.markPart(p)
		}
		if o.now-p.lastSeen < o.spec.IdleTimeout {
			o.nextIdle = min(o.nextIdle, p.lastSeen+o.spec.IdleTimeout)
			continue
		}
		p.idle = true
		o.markPart(p)
		for len(p.timers) > 0 {
			o.queue(p.timers.pop())
		}
	}
}

// closeKey brings the key up to its watermark: it emits the final result
// of every window that ended, purges windows past the allowed lateness, and
// registers the key's next timer. A key whose partitions are all idle is
// flushed: all its windows close and are purged.
func (o *Operator) closeKey(k *keyState) {
	wm, _, active := o.keyWatermark(k)
	if !active {
		wm = k.closedWM
		for _, w := range k.wins {
			if !w.Unbounded() && w.End > wm {
				wm = w.End
			}
		}
	}
	if wm > k.closedWM {
		for _, w := range k.wins {
			if !w.Unbounded() && w.End > k.closedWM && w.End <= wm {
				o.emit(w, true)
			}
		}
		k.closedWM = wm
		purged := addSat(wm, -o.lateness)
		if !active {
			purged = wm
		}
		k.purgedWM = max(k.purgedWM, purged)
		o.markKey(k)
		for i := 0; i < len(k.wins); {
			w := k.wins[i]
			if w.Unbounded() || w.End > k.purgedWM {
				i++
				continue
			}
			if w.pending {
				o.emit(w, true)
			}
			o.recycle(w) // removes k.wins[i]
		}
	}
	due := int64(math.MaxInt64)
	for _, w := range k.wins {
		due = min(due, o.windowDue(k, w))
	}
	o.schedule(k, due)
}

// emitPending emits the revised results of closed windows changed by late
// events and, when due, the early results of changed open windows.
func (o *Operator) emitPending() {
	early := o.early && (o.spec.EmitEvery == 0 || o.now >= addSat(o.lastEarly, o.spec.EmitEvery))
	if early {
		o.lastEarly = o.now
	}
	if len(o.pending) == 0 {
		return
	}
	keep := o.pending[:0]
	emit := o.emitBuf[:0]
	for _, r := range o.pending {
		if !r.live() || !r.w.pending {
			if r.live() {
				r.w.inPending = false
			}
			continue
		}
		if early || r.w.End <= r.w.key.closedWM {
			r.w.inPending = false
			emit = append(emit, r)
		} else {
			keep = append(keep, r)
		}
	}
	clear(o.pending[len(keep):])
	o.pending = keep
	slices.SortFunc(emit, func(a, b winRef) int {
		if c := cmp.Compare(a.w.key.seq, b.w.key.seq); c != 0 {
			return c
		}
		return cmp.Compare(a.w.Start, b.w.Start)
	})
	for _, r := range emit {
		o.emit(r.w, r.w.End <= r.w.key.closedWM)
	}
	clear(emit)
	o.emitBuf = emit[:0]
}

// emit sends the current result of w.
func (o *Operator) emit(w *window, final bool) {
	o.res = Result{Key: w.key.key, Window: w.Window, Revision: w.emits, Final: final, States: w.states()}
	w.emits++
	w.pending = false
	o.markWindow(w)
	o.stats.Results++
	if !final {
		o.stats.Early++
	}
	o.out.Result(&o.res)
	o.res.States = nil
}

// Clock is the processing time of the last Advance (restored by Restore),
// or math.MinInt64 before the first.
func (o *Operator) Clock() int64 { return o.now }

// Stalled tells the operator that its input was not read from processing
// time from to to: the caller held input back (a full outbox under
// backpressure, a commit being retried) or was not running (from the
// restored Clock to the restart). Nothing a partition sent in that span
// could have arrived, so the span does not count towards its idle timeout:
// the last-seen time of every active partition moves forward by the span
// (to at most to), and the operator's clock moves to to, so that events
// processed before the next Advance count as seen at to. Call it before
// those events and that Advance. Without it a stall or a restart longer
// than IdleTimeout would mark every partition idle, flush every key's
// windows early, and make the held-back events late.
func (o *Operator) Stalled(from, to int64) {
	if o.procTime || o.spec.IdleTimeout <= 0 || from == math.MinInt64 || to <= from {
		return
	}
	o.now = max(o.now, to)
	gap := to - from
	for _, p := range o.parts {
		if p.idle || p.lastSeen == math.MinInt64 || p.lastSeen > to {
			continue
		}
		p.lastSeen = min(addSat(p.lastSeen, gap), to)
		o.markPart(p)
	}
	o.nextIdle = math.MinInt64 // rescan at the next Advance
}
