package windows

import (
	"math"
	"unsafe"
)

// keyState is everything the operator keeps for one group key.
type keyState struct {
	// The fields an event reads come first, in the first keyHot bytes, so
	// that ProcessBatch loads two cache lines of the key, not all of them.
	short    [keyInline]byte // key again when short enough, for keyTable to
	klen     int8            // compare without touching the string; -1 if long
	lastPart *partition      // cache: the partition of the previous event
	wins     []*window       // by Start
	winArr   [2]*window

	// closedWM is the key's watermark as of its last close: windows with
	// End <= closedWM have emitted a final result. purgedWM (closedWM −
	// AllowedLateness, or the flush point after idleness) is the lateness
	// horizon: windows with End <= purgedWM are gone, and events for them
	// go to Output.Late.
	closedWM int64
	purgedWM int64

	seq   uint64 // creation number: the order of emission within an Advance
	key   string
	parts partSet

	// timerDue and timerPart describe the key's one valid timer; see
	// Operator.schedule.
	timerDue  int64
	timerPart int64
	timerSeq  uint32

	mark    uint64 // Advance epoch in which the key was queued, for dedupe
	emptyAt int64  // processing time its last window was purged; see Spec.KeyTTL
	listed  bool   // in Operator.empty
	dirty   bool   // changed since the last snapshot
	gone    bool
}

// keyHot is the size of the leading fields of keyState that an event reads.
const keyHot = unsafe.Offsetof(keyState{}.seq)

const (
	noTimer  = -1 // timerPart: none registered
	timerNow = -2 // timerPart: queued in Operator.dueNow
)

const keyInline = 32

func newKeyState(key string) *keyState {
	k := &keyState{key: key, closedWM: math.MinInt64, purgedWM: math.MinInt64, timerDue: math.MaxInt64, timerPart: noTimer, klen: -1}
	if len(key) <= keyInline {
		k.klen = int8(copy(k.short[:], key))
	}
	k.wins = k.winArr[:0] // most keys have one or two windows: no second allocation
	return k
}

// is reports whether k is the state of key.
func (k *keyState) is(key []byte) bool {
	if k.klen >= 0 {
		return string(k.short[:k.klen]) == string(key)
	}
	return k.key == string(key)
}

// find returns the window starting at start, or nil. The newest windows are
// the likely ones, so it searches from the end.
func (k *keyState) find(start int64) *window {
	for i := len(k.wins) - 1; i >= 0; i-- {
		if w := k.wins[i]; w.Start == start {
			return w
		} else if w.Start < start {
			break
		}
	}
	return nil
}

// insert adds w, keeping k.wins ordered by Start.
func (k *keyState) insert(w *window) {
	i := len(k.wins)
	for i > 0 && k.wins[i-1].Start > w.Start {
		i--
	}
	k.wins = append(k.wins, nil)
	copy(k.wins[i+1:], k.wins[i:])
	k.wins[i] = w
}

// remove drops w from k.wins.
func (k *keyState) remove(w *window) {
	for i, x := range k.wins {
		if x == w {
			copy(k.wins[i:], k.wins[i+1:])
			k.wins[len(k.wins)-1] = nil
			k.wins = k.wins[:len(k.wins)-1]
			return
		}
	}
}

// window is the state of one key in one window.
type window struct {
	Window
	key       *keyState
	nstates   uint32 // states(): the array after the window in its block
	emits     uint32 // results emitted so far: the next Revision
	pending   bool   // changed since the last emission
	inPending bool   // referenced from Operator.pending
	dirty     bool   // changed since the last snapshot
	gen       uint32 // bumped on recycling, to detect stale references
}

// windowSize is where a window's state array starts in its block.
const windowSize = unsafe.Sizeof(window{})

// states returns the window's aggregate states: the array that follows the
// window in the block windowLayout allocated it in. The window keeps no
// slice header for them (24 bytes), so that a block of count, sum, avg and
// max fits a 256-byte size class: four cache lines, aligned.
func (w *window) states() []State {
	if w.nstates == 0 {
		return nil
	}
	return unsafe.Slice((*State)(unsafe.Add(unsafe.Pointer(w), windowSize)), w.nstates)
}

// winRef is a reference to a window that may have been recycled since.
type winRef struct {
	w   *window
	gen uint32
}

func (r winRef) live() bool { return r.w.gen == r.gen }
