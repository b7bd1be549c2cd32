package dedupe

import "math/bits"

// Tracker holds the anti-replay windows of the devices of one source. It is
// not safe for concurrent use.
type Tracker struct {
	cfg    Config
	words  int // W/64
	index  map[string]int32
	devs   []device
	bits   []uint64 // words per device, ring indexed by seq % W
	dirty  []int32
	counts [numVerdicts]uint64
	enc    []byte
}

type device struct {
	name    string
	highest uint64
	epoch   uint64
	dirty   bool
}

// NewTracker returns an empty tracker, or ErrConfig.
func NewTracker(cfg Config) (*Tracker, error) {
	cfg, err := cfg.normalize()
	if err != nil {
		return nil, err
	}
	return &Tracker{cfg: cfg, words: cfg.Window / 64, index: make(map[string]int32)}, nil
}

// Config returns the normalized configuration.
func (t *Tracker) Config() Config { return t.cfg }

// Devices is the number of devices tracked.
func (t *Tracker) Devices() int { return len(t.devs) }

// Count returns how many events got verdict v since the tracker was made.
// These counters are not persisted; the caller adds them to its own.
func (t *Tracker) Count(v Verdict) uint64 {
	if v >= numVerdicts {
		return 0
	}
	return t.counts[v]
}

// Observe decides whether the event (device, epoch, seq) is new and, if it
// is kept, marks it as seen. epoch is the device's boot counter, or 0 when
// the source has none (see the package doc).
func (t *Tracker) Observe(device string, epoch, seq uint64) Verdict {
	i, ok := t.index[device]
	if !ok {
		i = t.add(device)
		d := &t.devs[i]
		d.epoch, d.highest = epoch, seq
		t.set(i, seq)
		return t.verdict(i, New)
	}
	d := &t.devs[i]
	switch {
	case epoch > d.epoch:
		t.reset(i, epoch, seq)
		return t.verdict(i, Restarted)
	case epoch < d.epoch:
		return t.tooOld()
	}
	W := uint64(t.cfg.Window)
	if seq > d.highest {
		if seq-d.highest >= W {
			clear(t.ring(i))
		} else if seq-d.highest > 1 {
			t.clearRange(i, d.highest+1, seq-1)
		}
		d.highest = seq
		t.set(i, seq)
		return t.verdict(i, New)
	}
	back := d.highest - seq
	if back < W {
		if t.isSet(i, seq) {
			t.counts[Duplicate]++
			return Duplicate
		}
		t.set(i, seq)
		return t.verdict(i, New)
	}
	if back >= t.cfg.ResetThreshold {
		t.reset(i, epoch, seq)
		return t.verdict(i, Restarted)
	}
	return t.tooOld()
}

func (t *Tracker) tooOld() Verdict {
	v := TooOld
	if t.cfg.AcceptTooOld {
		v = TooOldAccepted
	}
	t.counts[v]++
	return v
}

func (t *Tracker) verdict(i int32, v Verdict) Verdict {
	t.counts[v]++
	t.markDirty(i)
	return v
}

func (t *Tracker) markDirty(i int32) {
	if d := &t.devs[i]; !d.dirty {
		d.dirty = true
		t.dirty = append(t.dirty, i)
	}
}

func (t *Tracker) add(name string) int32 {
	i := int32(len(t.devs))
	t.index[name] = i
	t.devs = append(t.devs, device{name: name})
	if n := len(t.bits) + t.words; n <= cap(t.bits) {
		t.bits = t.bits[:n]
		clear(t.ring(i))
	} else {
		t.bits = append(t.bits, make([]uint64, t.words)...)
	}
	return i
}

func (t *Tracker) ring(i int32) []uint64 {
	o := int(i) * t.words
	return t.bits[o : o+t.words : o+t.words]
}

func (t *Tracker) reset(i int32, epoch, seq uint64) {
	clear(t.ring(i))
	d := &t.devs[i]
	d.epoch, d.highest = epoch, seq
	t.set(i, seq)
}

func (t *Tracker) pos(seq uint64) (word int, mask uint64) {
	return int((seq >> 6) % uint64(t.words)), 1 << (seq & 63)
}

func (t *Tracker) set(i int32, seq uint64) {
	w, m := t.pos(seq)
	t.bits[int(i)*t.words+w] |= m
}

func (t *Tracker) isSet(i int32, seq uint64) bool {
	w, m := t.pos(seq)
	return t.bits[int(i)*t.words+w]&m != 0
}

// clearRange clears the bits of lo..hi (inclusive, hi-lo < W) a word at a
// time.
func (t *Tracker) clearRange(i int32, lo, hi uint64) {
	r := t.ring(i)
	for lo <= hi {
		start, end := lo&63, uint64(63)
		if lo>>6 == hi>>6 {
			end = hi & 63
		}
		w, _ := t.pos(lo)
		r[w] &^= (^uint64(0) >> (63 - (end - start))) << start
		next := lo | 63
		if next == ^uint64(0) {
			return
		}
		lo = next + 1
	}
}

// EachDirty calls fn with the name and encoded state of every device changed
// since the last ClearDirty, in the order they were first changed. state is
// valid only during the call (edge/store's Batch copies it).
func (t *Tracker) EachDirty(fn func(device string, state []byte)) {
	for _, i := range t.dirty {
		t.enc = t.appendState(t.enc[:0], i)
		fn(t.devs[i].name, t.enc)
	}
}

// DirtyCount is the number of devices changed since the last ClearDirty.
func (t *Tracker) DirtyCount() int { return len(t.dirty) }

// ClearDirty forgets the dirty set; call it after the batch holding the
// encoded states committed.
func (t *Tracker) ClearDirty() {
	for _, i := range t.dirty {
		t.devs[i].dirty = false
	}
	t.dirty = t.dirty[:0]
}

// AppendState appends the encoded state of device to dst; ok is false for an
// unknown device.
func (t *Tracker) AppendState(dst []byte, device string) (_ []byte, ok bool) {
	i, ok := t.index[device]
	if !ok {
		return dst, false
	}
	return t.appendState(dst, i), true
}

// Load restores the state of one device, as written by EachDirty or
// AppendState, replacing what the tracker had for it. A state encoded with
// another window size is converted: the most recent min(old, new) sequence
// numbers are kept. The device is not marked dirty.
func (t *Tracker) Load(device string, state []byte) error {
	s, err := decode(state)
	if err != nil {
		return err
	}
	i, ok := t.index[device]
	if !ok {
		i = t.add(device)
	}
	t.reset(i, s.epoch, s.highest)
	// Keep the most recent min(old, new window) numbers.
	from := s.low
	if n := uint64(t.cfg.Window); s.highest-s.low >= n {
		from = s.highest - n + 1
	}
	for k, w := range s.seen {
		for w != 0 {
			j := uint64(bits.TrailingZeros64(w))
			w &^= 1 << j
			if seq := s.low + 64*uint64(k) + j; seq >= from {
				t.set(i, seq)
			}
		}
	}
	return nil
}
