package dedupe

import (
	"encoding/binary"
	"fmt"
	"math/bits"
)

const stateV1 = 1

const (
	modeHoles  = 0
	modeBitmap = 1
)

// span is the number of sequence numbers of the window that exist:
// min(W, highest+1).
func span(window, highest uint64) uint64 { return min(window, highest+1) }

// word returns bits 64k..64k+63 of the seen-vector of device i, where bit j
// stands for seq low+j and low = highest-span+1; bits past span are clear.
func (t *Tracker) word(i int32, low, n uint64, k uint64) uint64 {
	r := t.ring(i)
	W := uint64(t.cfg.Window)
	p := (low%W + 64*k) % W
	wi, off := p/64, p%64
	w := r[wi] >> off
	if off != 0 {
		w |= r[(wi+1)%uint64(len(r))] << (64 - off)
	}
	if rest := n - 64*k; rest < 64 {
		w &= 1<<rest - 1
	}
	return w
}

// appendState encodes device i (format in the package doc): a list of holes
// (unseen sequence numbers in the window) or a bitmap, whichever is shorter.
func (t *Tracker) appendState(dst []byte, i int32) []byte {
	d := &t.devs[i]
	n := span(uint64(t.cfg.Window), d.highest)
	low := d.highest - n + 1
	nw := (n + 63) / 64
	dst = append(dst, stateV1)
	dst = binary.AppendUvarint(dst, uint64(t.cfg.Window))
	dst = binary.AppendUvarint(dst, d.epoch)
	dst = binary.AppendUvarint(dst, d.highest)
	// First pass: size of the holes list, counted from highest downwards.
	holes, size, prev := uint64(0), 0, d.highest
	t.eachHole(i, low, n, nw, func(seq uint64) {
		holes++
		size += uvarintLen(prev - seq)
		prev = seq
	})
	size += uvarintLen(holes)
	if size <= int(8*nw) {
		dst = append(dst, modeHoles)
		dst = binary.AppendUvarint(dst, holes)
		prev = d.highest
		t.eachHole(i, low, n, nw, func(seq uint64) {
			dst = binary.AppendUvarint(dst, prev-seq)
			prev = seq
		})
		return dst
	}
	dst = append(dst, modeBitmap)
	for k := uint64(0); k < nw; k++ {
		dst = binary.LittleEndian.AppendUint64(dst, t.word(i, low, n, k))
	}
	return dst
}

// eachHole calls fn for each unseen seq in the window, highest first.
func (t *Tracker) eachHole(i int32, low, n, nw uint64, fn func(seq uint64)) {
	for k := nw; k > 0; k-- {
		valid := ^uint64(0)
		if rest := n - 64*(k-1); rest < 64 {
			valid = 1<<rest - 1
		}
		inv := ^t.word(i, low, n, k-1) & valid
		for inv != 0 {
			j := 63 - uint64(bits.LeadingZeros64(inv))
			inv &^= 1 << j
			fn(low + 64*(k-1) + j)
		}
	}
}

func uvarintLen(v uint64) int { return (bits.Len64(v|1) + 6) / 7 }

// state is a decoded device state: seen[k] bit j stands for seq low+64k+j.
type state struct {
	window  uint64
	epoch   uint64
	highest uint64
	low     uint64
	seen    []uint64
}

func decode(b []byte) (state, error) {
	var s state
	if len(b) == 0 {
		return s, fmt.Errorf("%w: empty", ErrCorrupt)
	}
	if b[0] != stateV1 {
		return s, fmt.Errorf("%w: version %d", ErrVersion, b[0])
	}
	b = b[1:]
	var f [3]uint64
	for k := range f {
		v, n := binary.Uvarint(b)
		if n <= 0 {
			return s, fmt.Errorf("%w: truncated header", ErrCorrupt)
		}
		f[k], b = v, b[n:]
	}
	W, epoch, highest := f[0], f[1], f[2]
	if W < 64 || W > maxWindow || W%64 != 0 {
		return s, fmt.Errorf("%w: window %d", ErrCorrupt, W)
	}
	if len(b) == 0 {
		return s, fmt.Errorf("%w: no mode", ErrCorrupt)
	}
	n := span(W, highest)
	nw := (n + 63) / 64
	s = state{window: W, epoch: epoch, highest: highest, low: highest - n + 1, seen: make([]uint64, nw)}
	mode := b[0]
	b = b[1:]
	switch mode {
	case modeBitmap:
		if uint64(len(b)) != 8*nw {
			return s, fmt.Errorf("%w: bitmap of %d bytes for %d words", ErrCorrupt, len(b), nw)
		}
		for k := range s.seen {
			s.seen[k] = binary.LittleEndian.Uint64(b[8*k:])
		}
		if rest := n % 64; rest != 0 && s.seen[nw-1]>>rest != 0 {
			return s, fmt.Errorf("%w: bits beyond the window", ErrCorrupt)
		}
	case modeHoles:
		for k := range s.seen {
			s.seen[k] = ^uint64(0)
		}
		if rest := n % 64; rest != 0 {
			s.seen[nw-1] = 1<<rest - 1
		}
		count, m := binary.Uvarint(b)
		if m <= 0 || count >= n {
			return s, fmt.Errorf("%w: hole count", ErrCorrupt)
		}
		b = b[m:]
		rel := uint64(0) // highest - hole
		for ; count > 0; count-- {
			d, m := binary.Uvarint(b)
			if m <= 0 || d == 0 || d >= n-rel {
				return s, fmt.Errorf("%w: hole offset", ErrCorrupt)
			}
			b, rel = b[m:], rel+d
			j := n - 1 - rel
			s.seen[j/64] &^= 1 << (j % 64)
		}
		if len(b) != 0 {
			return s, fmt.Errorf("%w: %d trailing bytes", ErrCorrupt, len(b))
		}
	default:
		return s, fmt.Errorf("%w: mode %d", ErrCorrupt, mode)
	}
	return s, nil
}
