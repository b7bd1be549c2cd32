package windows

import (
	"encoding/binary"
	"fmt"
	"iter"
	"math"
)

// Restore rebuilds the operator from all entries of a snapshot (the
// accumulated puts of Changes, or Entries), in any order. The operator must
// be new, built by New from the same spec. Restore does not keep the entry
// bytes past its return. It returns an error wrapping ErrCorruptSnapshot, and
// leaves the operator unusable, for a corrupt or foreign entry.
//
// After Restore the operator behaves exactly as the one that produced the
// entries: the same later calls give the same results.
func (o *Operator) Restore(entries iter.Seq2[[]byte, []byte]) error {
	if o.now != math.MinInt64 || o.keys.len() > 0 || o.stats.Events > 0 {
		return ErrNotEmpty
	}
	if o.procTime { // New made the partition; the snapshot has it
		o.parts, o.partIdx = o.parts[:0], make(map[string]uint32)
	}
	hasKey := make(map[*keyState]bool)
	parts := make(map[uint32]*partition)
	meta := false
	for k, v := range entries {
		if len(k) == 0 {
			return fmt.Errorf("%w: empty store key", ErrCorruptSnapshot)
		}
		var err error
		switch k[0] {
		case entryMeta:
			if len(k) != 1 {
				err = fmt.Errorf("%w: meta store key of %d bytes", ErrCorruptSnapshot, len(k))
			} else {
				err = o.decodeMeta(v)
				meta = true
			}
		case entryPartition:
			err = decodePartition(parts, k[1:], v)
		case entryKey:
			var ks *keyState
			ks, err = o.decodeKeyState(k[1:], v)
			if err == nil {
				if hasKey[ks] {
					err = fmt.Errorf("%w: key %q twice", ErrCorruptSnapshot, ks.key)
				}
				hasKey[ks] = true
			}
		case entryWindow:
			err = o.decodeWindow(k[1:], v)
		default:
			err = fmt.Errorf("%w: unknown entry kind %q", ErrCorruptSnapshot, k[0])
		}
		if err != nil {
			return err
		}
	}
	if !meta && (len(parts) > 0 || o.keys.len() > 0) {
		return fmt.Errorf("%w: no meta entry", ErrCorruptSnapshot)
	}
	for i := range uint32(len(parts)) {
		p := parts[i]
		if p == nil {
			return fmt.Errorf("%w: partition %d missing", ErrCorruptSnapshot, i)
		}
		o.parts = append(o.parts, p)
		o.partIdx[p.name] = uint32(i)
		p.wmMoved = true // pops what came due since the last Advance
		o.moved = append(o.moved, uint32(i))
	}
	if len(o.partIdx) != len(o.parts) {
		return fmt.Errorf("%w: two partitions with one name", ErrCorruptSnapshot)
	}
	if o.procTime && len(o.parts) == 0 {
		o.partition(nil)
	}
	var err error
	o.keys.all(func(k *keyState) {
		if err == nil {
			err = o.restoreLinks(k, hasKey[k])
		}
	})
	if err != nil {
		return err
	}
	o.nextIdle = math.MinInt64 // scan at the next Advance
	// Nothing changed since the snapshot.
	o.snapshot = snapshotState{}
	for _, p := range o.parts {
		p.dirty = false
	}
	o.keys.all(func(k *keyState) {
		k.dirty = false
		for _, w := range k.wins {
			w.dirty = false
		}
	})
	return nil
}

// restoreLinks checks a restored key against the partitions and rebuilds
// its timer and pending emissions.
func (o *Operator) restoreLinks(k *keyState, hasEntry bool) error {
	if !hasEntry {
		return fmt.Errorf("%w: windows of key %q without its key entry", ErrCorruptSnapshot, k.key)
	}
	for _, p := range k.parts.list {
		if int(p) >= len(o.parts) {
			return fmt.Errorf("%w: key %q fed by unknown partition %d", ErrCorruptSnapshot, k.key, p)
		}
	}
	switch {
	case k.timerPart == timerNow || k.timerPart >= 0 && k.timerPart < int64(len(o.parts)):
		o.register(k, k.timerDue, k.timerPart)
	case k.timerPart != noTimer:
		return fmt.Errorf("%w: key %q timer on unknown partition %d", ErrCorruptSnapshot, k.key, k.timerPart)
	}
	if len(k.wins) == 0 && o.spec.KeyTTL > 0 {
		k.listed = true
		o.drops.push(timer{due: addSat(k.emptyAt, o.spec.KeyTTL), key: k})
	}
	for _, w := range k.wins {
		if w.pending && (o.early || w.End <= k.closedWM) {
			w.inPending = true
			o.pending = append(o.pending, winRef{w, w.gen})
		}
	}
	return nil
}

func (o *Operator) decodeMeta(v []byte) error {
	r := snapReader{b: v, what: "meta"}
	ver := r.version()
	fp := r.bytes()
	if r.err == nil && string(fp) != o.fp {
		return fmt.Errorf("%w: state of %q cannot be restored into %q", ErrCorruptSnapshot, fp, o.fp)
	}
	o.now = r.varint()
	o.lastEarly = r.varint()
	o.keySeq = r.uvarint()
	st := &o.stats
	for _, c := range [...]*uint64{&st.Events, &st.LateAccepted, &st.LateDropped, &st.Results, &st.Early} {
		*c = r.uvarint()
	}
	st.KeysDropped = 0
	if ver >= 2 {
		st.KeysDropped = r.uvarint()
	}
	return r.end()
}

func decodePartition(parts map[uint32]*partition, k, v []byte) error {
	if len(k) != 4 {
		return fmt.Errorf("%w: partition store key of %d bytes", ErrCorruptSnapshot, len(k))
	}
	idx := binary.BigEndian.Uint32(k)
	r := snapReader{b: v, what: "partition"}
	ver := r.version()
	p := newPartition(r.bytes(), idx, 0)
	p.maxTs = r.varint()
	p.lastSeen = r.varint()
	p.idle = r.bool()
	if ver >= 2 {
		p.horizon = r.varint()
	}
	if err := r.end(); err != nil {
		return err
	}
	if parts[idx] != nil {
		return fmt.Errorf("%w: partition %d twice", ErrCorruptSnapshot, idx)
	}
	parts[idx] = p
	return nil
}

// restoreKey returns the key's state, creating an empty one; the key must
// be one that AppendKey writes, as every Record's is (a result's key is
// decoded downstream).
func (o *Operator) restoreKey(key []byte) (*keyState, error) {
	ks := o.keys.get(key)
	if ks == nil {
		if _, err := DecodeKey(nil, key); err != nil {
			return nil, fmt.Errorf("%w: %w", ErrCorruptSnapshot, err)
		}
		ks = newKeyState(string(key))
		o.keys.put(ks)
	}
	return ks, nil
}

func (o *Operator) decodeKeyState(key, v []byte) (*keyState, error) {
	r := snapReader{b: v, what: "key"}
	ver := r.version()
	seq := r.uvarint()
	closed, purged := r.varint(), r.varint()
	due, part := r.varint(), r.varint()
	emptyAt := int64(math.MinInt64) // version 1: emptied at the next Advance
	if ver >= 2 {
		emptyAt = r.varint()
	}
	n := r.length(1)
	var list []uint32
	for i := 0; i < n && r.err == nil; i++ {
		p := r.uvarint()
		if p > math.MaxUint32 {
			r.fail("partition index")
		}
		list = append(list, uint32(p))
	}
	if err := r.end(); err != nil {
		return nil, err
	}
	ks, err := o.restoreKey(key)
	if err != nil {
		return nil, err
	}
	ks.seq = seq
	ks.closedWM, ks.purgedWM = closed, purged
	ks.timerDue, ks.timerPart = due, part
	ks.emptyAt = emptyAt
	ks.parts = partSet{}
	for _, p := range list {
		if ks.parts.has(p) {
			return nil, fmt.Errorf("%w: key %q lists partition %d twice", ErrCorruptSnapshot, key, p)
		}
		ks.parts.add(p)
	}
	return ks, nil
}

func (o *Operator) decodeWindow(k, v []byte) error {
	kr := snapReader{b: k, what: "window store key"}
	key := kr.bytes()
	if kr.err == nil && len(kr.b) != 8 {
		kr.fail("start")
	}
	if kr.err != nil {
		return kr.err
	}
	start := int64(binary.BigEndian.Uint64(kr.b) ^ (1 << 63))

	r := snapReader{b: v, what: "window"}
	r.version()
	end := r.varint()
	emits := r.uvarint()
	pending := r.bool()
	n := r.length(1)
	if r.err == nil && n != o.nagg {
		return fmt.Errorf("%w: window with %d states, the operator has %d aggregates", ErrCorruptSnapshot, n, o.nagg)
	}
	if r.err == nil && (end <= start || emits > math.MaxUint32) {
		r.fail("window bounds or revision")
	}
	if r.err != nil {
		return r.err
	}
	w := o.layout.alloc(o.spec.Aggregates)
	w.Window, w.emits, w.pending = Window{Start: start, End: end}, uint32(emits), pending
	for i, a := range o.spec.Aggregates {
		b := r.bytes()
		if r.err != nil {
			return r.err
		}
		if err := w.states()[i].UnmarshalBinary(b); err != nil {
			return fmt.Errorf("%w: window state of %s: %w", ErrCorruptSnapshot, a.Name(), err)
		}
	}
	if err := r.end(); err != nil {
		return err
	}
	ks, err := o.restoreKey(key)
	if err != nil {
		return err
	}
	if ks.find(start) != nil {
		return fmt.Errorf("%w: window %d of key %q twice", ErrCorruptSnapshot, start, key)
	}
	w.key = ks
	ks.insert(w)
	return nil
}

// snapReader decodes a snapshot value; the first error sticks.
type snapReader struct {
	b    []byte
	what string
	err  error
}

func (r *snapReader) fail(field string) {
	if r.err == nil {
		r.err = fmt.Errorf("%w: %s: bad %s", ErrCorruptSnapshot, r.what, field)
	}
	r.b = nil
}

// version reads the version byte: 1 to snapshotVersion.
func (r *snapReader) version() byte {
	if len(r.b) == 0 || r.b[0] < 1 || r.b[0] > snapshotVersion {
		r.fail("version")
		return 0
	}
	v := r.b[0]
	r.b = r.b[1:]
	return v
}

func (r *snapReader) uvarint() uint64 {
	x, n := binary.Uvarint(r.b)
	if n <= 0 {
		r.fail("unsigned varint")
		return 0
	}
	r.b = r.b[n:]
	return x
}

func (r *snapReader) varint() int64 {
	x, n := binary.Varint(r.b)
	if n <= 0 {
		r.fail("varint")
		return 0
	}
	r.b = r.b[n:]
	return x
}

func (r *snapReader) bool() bool {
	if len(r.b) == 0 || r.b[0] > 1 {
		r.fail("bool")
		return false
	}
	v := r.b[0] == 1
	r.b = r.b[1:]
	return v
}

// length reads a count of items of at least minBytes each, checked against
// the bytes left so that corrupt input cannot ask for a large allocation.
func (r *snapReader) length(minBytes int) int {
	n := r.uvarint()
	if r.err == nil && n > uint64(len(r.b)/minBytes) {
		r.fail("length")
		return 0
	}
	return int(n)
}

func (r *snapReader) bytes() []byte {
	n := r.length(1)
	if r.err != nil {
		return nil
	}
	b := r.b[:n]
	r.b = r.b[n:]
	return b
}

func (r *snapReader) end() error {
	if r.err == nil && len(r.b) != 0 {
		r.fail("trailing bytes")
	}
	return r.err
}
