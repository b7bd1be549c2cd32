package windows

import (
	"math"
	"unsafe"
)

// partition is one watermark partition (a device, as a rule): the largest
// event time it sent, when it last sent anything, and the timers of the keys
// whose windows wait for its watermark.
type partition struct {
	// The fields an event reads come first, in one cache line (partHot).
	short    [partNameInline]byte // name again when short enough, so that
	shortLen int8                 // comparing it does not touch another cache line; -1 if long
	idle     bool
	wmMoved  bool   // maxTs grew since the last Advance (in Operator.moved)
	dirty    bool   // changed since the last snapshot (in Operator.dirtyParts)
	idx      uint32 // position in Operator.parts; persisted, never reused
	maxTs    int64  // largest event time seen; math.MinInt64 before any
	lastSeen int64  // processing time of its last event

	name string
	// horizon is the largest lateness horizon (keyState.purgedWM) of the
	// keys it fed that were dropped (Spec.KeyTTL): a key it creates starts
	// there at least. math.MinInt64 if none.
	horizon int64
	timers  timerHeap
}

// partHot is the size of the leading fields of partition that an event
// reads.
const partHot = unsafe.Offsetof(partition{}.name)

const partNameInline = 40

func newPartition(name []byte, idx uint32, now int64) *partition {
	p := &partition{name: string(name), idx: idx, maxTs: math.MinInt64, lastSeen: now, horizon: math.MinInt64, shortLen: -1}
	if len(name) <= partNameInline {
		p.shortLen = int8(copy(p.short[:], name))
	}
	return p
}

// is reports whether the partition is named name.
func (p *partition) is(name []byte) bool {
	if p.shortLen >= 0 {
		return string(p.short[:p.shortLen]) == string(name)
	}
	return p.name == string(name)
}

// watermark is the partition's own watermark: no event older than it is
// expected any more.
func (p *partition) watermark(ooo int64) int64 {
	if p.maxTs == math.MinInt64 {
		return math.MinInt64
	}
	return p.maxTs - ooo
}

// timer asks to look at key when the partition's watermark reaches due.
type timer struct {
	due int64
	key *keyState
	seq uint32
}

// valid reports whether t is still the key's registration: registrations
// are replaced, never removed, and stale ones skipped.
func (t timer) valid() bool { return t.key.timerSeq == t.seq && !t.key.gone }

// timerHeap is a min-heap by due. It is typed, not container/heap, so that
// pushing does not box and allocate.
type timerHeap []timer

func (h *timerHeap) push(t timer) {
	*h = append(*h, t)
	s := *h
	for i := len(s) - 1; i > 0; {
		p := (i - 1) / 2
		if s[p].due <= s[i].due {
			break
		}
		s[p], s[i] = s[i], s[p]
		i = p
	}
}

func (h *timerHeap) pop() timer {
	s := *h
	t := s[0]
	n := len(s) - 1
	s[0] = s[n]
	s[n] = timer{}
	s = s[:n]
	for i := 0; ; {
		l, r, m := 2*i+1, 2*i+2, i
		if l < n && s[l].due < s[m].due {
			m = l
		}
		if r < n && s[r].due < s[m].due {
			m = r
		}
		if m == i {
			break
		}
		s[m], s[i] = s[i], s[m]
		i = m
	}
	*h = s
	return t
}

// PartitionStatus describes one watermark partition, for status pages and
// checkpoints (watermark lag per device).
type PartitionStatus struct {
	Name      string
	MaxTime   int64 // largest event time seen
	Watermark int64 // MaxTime − OutOfOrderness
	LastSeen  int64 // processing time of its last event
	Idle      bool
}

// Partitions calls fn for every partition, in the order they were first
// seen.
func (o *Operator) Partitions(fn func(PartitionStatus)) {
	for _, p := range o.parts {
		fn(PartitionStatus{Name: p.name, MaxTime: p.maxTs, Watermark: p.watermark(o.ooo), LastSeen: p.lastSeen, Idle: p.idle})
	}
}

// Watermark is the least watermark of the active partitions, the most
// conservative summary of event-time progress; math.MinInt64 before any
// event or when all partitions are idle. Windows close per key (see the
// package doc), most of them earlier than this.
func (o *Operator) Watermark() int64 {
	wm, any := int64(math.MaxInt64), false
	for _, p := range o.parts {
		if !p.idle {
			wm, any = min(wm, p.watermark(o.ooo)), true
		}
	}
	if !any {
		return math.MinInt64
	}
	return wm
}
