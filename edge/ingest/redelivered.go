package ingest

import (
	"encoding/binary"
	"errors"
)

// Fingerprint identifies a QoS ≥ 1 message for redelivery detection.
type Fingerprint struct {
	ID   uint16
	Hash uint64
}

// FingerprintOf returns the fingerprint of m: packet id and FNV-1a 64 of
// topic and payload. FNV is stable across processes (unlike hash/maphash),
// so fingerprints persisted by one run are recognised by the next.
func FingerprintOf(m *Message) Fingerprint {
	const offset, prime = 14695981039346656037, 1099511628211
	h := uint64(offset)
	for i := 0; i < len(m.Topic); i++ {
		h = (h ^ uint64(m.Topic[i])) * prime
	}
	h *= prime
	for _, b := range m.Payload {
		h = (h ^ uint64(b)) * prime
	}
	return Fingerprint{ID: m.ID, Hash: h}
}

// Redelivered is a fixed-size ring of fingerprints of committed messages.
// Slot i holds the fingerprint written i-th modulo the size; the caller
// persists Changed slots with the batch that committed them.
type Redelivered struct {
	slots   []Fingerprint
	used    []bool
	next    int
	byID    map[uint16][]int // packet id → slots holding it
	changed []int
}

// NewRedelivered returns a ring of n slots (n ≥ the broker's in-flight window).
func NewRedelivered(n int) *Redelivered {
	if n < 1 {
		n = 1
	}
	return &Redelivered{slots: make([]Fingerprint, n), used: make([]bool, n), byID: make(map[uint16][]int)}
}

// Seen reports whether a fingerprint is in the ring.
func (r *Redelivered) Seen(f Fingerprint) bool {
	for _, i := range r.byID[f.ID] {
		if r.slots[i] == f {
			return true
		}
	}
	return false
}

// Add records a committed message's fingerprint, overwriting the oldest slot.
func (r *Redelivered) Add(f Fingerprint) {
	i := r.next
	r.next = (r.next + 1) % len(r.slots)
	if r.used[i] {
		r.unindex(i)
	}
	r.slots[i], r.used[i] = f, true
	r.byID[f.ID] = append(r.byID[f.ID], i)
	r.changed = append(r.changed, i)
}

func (r *Redelivered) unindex(i int) {
	id := r.slots[i].ID
	s := r.byID[id]
	for k, j := range s {
		if j == i {
			s[k] = s[len(s)-1]
			s = s[:len(s)-1]
			break
		}
	}
	if len(s) == 0 {
		delete(r.byID, id)
	} else {
		r.byID[id] = s
	}
}

// Changed calls fn with the encoding of every slot written since the last
// call (key: slot number, value: fingerprint) and forgets them. The last
// slot also carries the ring position under key NextKey.
func (r *Redelivered) Changed(fn func(key, value []byte)) {
	var k [4]byte
	var v [10]byte
	for _, i := range r.changed {
		binary.BigEndian.PutUint32(k[:], uint32(i))
		binary.BigEndian.PutUint16(v[:2], r.slots[i].ID)
		binary.BigEndian.PutUint64(v[2:], r.slots[i].Hash)
		fn(k[:], v[:])
	}
	if len(r.changed) > 0 {
		binary.BigEndian.PutUint32(k[:], uint32(r.next))
		fn([]byte(NextKey), k[:])
	}
	r.changed = r.changed[:0]
}

// NextKey is the key under which Changed stores the ring position.
const NextKey = "next"

// ErrCorruptRing reports a persisted ring entry that does not decode.
var ErrCorruptRing = errors.New("ingest: corrupt redelivery ring entry")

// Restore loads one persisted entry. Slots beyond the ring's size (the ring
// was configured smaller than before) are skipped.
func (r *Redelivered) Restore(key, value []byte) error {
	if string(key) == NextKey {
		if len(value) != 4 {
			return ErrCorruptRing
		}
		r.next = int(binary.BigEndian.Uint32(value)) % len(r.slots)
		return nil
	}
	if len(key) != 4 || len(value) != 10 {
		return ErrCorruptRing
	}
	i := int(binary.BigEndian.Uint32(key))
	if i >= len(r.slots) {
		return nil
	}
	if r.used[i] {
		r.unindex(i)
	}
	f := Fingerprint{ID: binary.BigEndian.Uint16(value[:2]), Hash: binary.BigEndian.Uint64(value[2:])}
	r.slots[i], r.used[i] = f, true
	r.byID[f.ID] = append(r.byID[f.ID], i)
	return nil
}
