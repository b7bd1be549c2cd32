package windows

import (
	"encoding/binary"
	"fmt"
	"strings"
)

// Snapshot entries.
//
// The operator's state is a set of entries, each an encoded store key and an
// encoded value, so that a durable store (bbolt) writes only what changed:
//
//	store key                                   value
//	'M'                                         meta: spec fingerprint, processing
//	                                            time, last early emission, counters
//	'P' idx(4 bytes BE)                         partition: name, max event time,
//	                                            last seen, idle, horizon
//	'K' group key                               key: creation number, watermarks,
//	                                            timer, emptyAt, partitions
//	'W' uvarint(len key) key start(8 bytes)     window: end, revision, pending,
//	                                            one encoded State per aggregate
//
// Every value starts with its version, snapshotVersion when written.
// Integers are varints (zig-zag for signed), window starts are big-endian
// with the sign bit flipped so that a key's windows sort by start. A decoder
// checks every length and rejects trailing bytes.
//
// Versions: 1 is the layout without Spec.KeyTTL. 2 adds the KeysDropped
// counter at the end of the meta, the horizon after idle in a partition and
// emptyAt after the timer in a key; windows are unchanged. Restore reads
// both: a version 1 entry has no dropped keys and no horizon, and its keys
// without windows count as emptied at the first Advance after Restore.
const snapshotVersion = 2

const (
	entryMeta      = 'M'
	entryPartition = 'P'
	entryKey       = 'K'
	entryWindow    = 'W'
)

// snapshotState tracks what changed since the last Changes.
type snapshotState struct {
	wins    []winRef
	keys    []*keyState
	parts   []*partition
	dels    []byte // encoded store keys of deleted windows, back to back
	delEnds []int
	key     []byte
	val     []byte
	tmp     []byte
}

func (o *Operator) markWindow(w *window) {
	if !w.dirty && o.track {
		w.dirty = true
		o.snapshot.wins = append(o.snapshot.wins, winRef{w, w.gen})
	}
}

func (o *Operator) markKey(k *keyState) {
	if !k.dirty && o.track {
		k.dirty = true
		o.snapshot.keys = append(o.snapshot.keys, k)
	}
}

func (o *Operator) markPart(p *partition) {
	if !p.dirty && o.track {
		p.dirty = true
		o.snapshot.parts = append(o.snapshot.parts, p)
	}
}

func (o *Operator) deleteWindow(key string, start int64) {
	if !o.track {
		return
	}
	s := &o.snapshot
	s.dels = appendWindowStoreKey(s.dels, key, start)
	s.delEnds = append(s.delEnds, len(s.dels))
}

// Changes calls fn with every entry that changed since the last successful
// Changes: value nil means delete the store key. Deletions come first. key
// and value are valid only during the call. If fn returns an error, Changes
// stops, returns it, and keeps every change for the next call; on success
// the changes are forgotten, so the caller must make them durable or, if
// its commit fails, rebuild the operator with Restore from what is durable
// and replay the unacknowledged input.
//
// The meta entry is always included: it carries the counters and the
// processing time.
func (o *Operator) Changes(fn func(key, value []byte) error) error {
	if !o.track {
		return fmt.Errorf("%w: Changes on an operator built with NoChanges", ErrSpec)
	}
	s := &o.snapshot
	from := 0
	for _, end := range s.delEnds {
		if err := fn(s.dels[from:end], nil); err != nil {
			return err
		}
		from = end
	}
	for _, p := range s.parts {
		s.key = append(append(s.key[:0], entryPartition), byte(p.idx>>24), byte(p.idx>>16), byte(p.idx>>8), byte(p.idx))
		s.val = appendPartition(s.val[:0], p)
		if err := fn(s.key, s.val); err != nil {
			return err
		}
	}
	for _, k := range s.keys {
		s.key = append(append(s.key[:0], entryKey), k.key...)
		var v []byte
		if !k.gone {
			s.val = appendKeyState(s.val[:0], k)
			v = s.val
		}
		if err := fn(s.key, v); err != nil {
			return err
		}
	}
	for _, r := range s.wins {
		if !r.live() || r.w.key == nil {
			continue
		}
		s.key = appendWindowStoreKey(s.key[:0], r.w.key.key, r.w.Start)
		s.val, s.tmp = appendWindow(s.val[:0], s.tmp, r.w)
		if err := fn(s.key, s.val); err != nil {
			return err
		}
	}
	s.key = append(s.key[:0], entryMeta)
	s.val = o.appendMeta(s.val[:0])
	if err := fn(s.key, s.val); err != nil {
		return err
	}

	for _, p := range s.parts {
		p.dirty = false
	}
	for _, k := range s.keys {
		k.dirty = false
	}
	for _, r := range s.wins {
		if r.live() {
			r.w.dirty = false
		}
	}
	clear(s.parts)
	clear(s.keys)
	clear(s.wins)
	s.parts, s.keys, s.wins = s.parts[:0], s.keys[:0], s.wins[:0]
	s.dels, s.delEnds = s.dels[:0], s.delEnds[:0]
	return nil
}

// Entries calls fn with every entry of the operator's state, as a full
// snapshot (for a first commit or a compaction). It does not change what
// Changes reports.
func (o *Operator) Entries(fn func(key, value []byte) error) error {
	var s snapshotState
	for _, p := range o.parts {
		s.key = append(append(s.key[:0], entryPartition), byte(p.idx>>24), byte(p.idx>>16), byte(p.idx>>8), byte(p.idx))
		if err := fn(s.key, appendPartition(s.val[:0], p)); err != nil {
			return err
		}
	}
	var err error
	o.keys.all(func(k *keyState) {
		if err != nil {
			return
		}
		s.key = append(append(s.key[:0], entryKey), k.key...)
		if err = fn(s.key, appendKeyState(s.val[:0], k)); err != nil {
			return
		}
		for _, w := range k.wins {
			s.key = appendWindowStoreKey(s.key[:0], k.key, w.Start)
			s.val, s.tmp = appendWindow(s.val[:0], s.tmp, w)
			if err = fn(s.key, s.val); err != nil {
				return
			}
		}
	})
	if err != nil {
		return err
	}
	return fn([]byte{entryMeta}, o.appendMeta(s.val[:0]))
}

func appendWindowStoreKey(dst []byte, key string, start int64) []byte {
	dst = append(dst, entryWindow)
	dst = binary.AppendUvarint(dst, uint64(len(key)))
	dst = append(dst, key...)
	return binary.BigEndian.AppendUint64(dst, uint64(start)^(1<<63))
}

func appendPartition(dst []byte, p *partition) []byte {
	dst = append(dst, snapshotVersion)
	dst = binary.AppendUvarint(dst, uint64(len(p.name)))
	dst = append(dst, p.name...)
	dst = binary.AppendVarint(dst, p.maxTs)
	dst = binary.AppendVarint(dst, p.lastSeen)
	dst = append(dst, boolByte(p.idle))
	return binary.AppendVarint(dst, p.horizon)
}

func appendKeyState(dst []byte, k *keyState) []byte {
	dst = append(dst, snapshotVersion)
	dst = binary.AppendUvarint(dst, k.seq)
	dst = binary.AppendVarint(dst, k.closedWM)
	dst = binary.AppendVarint(dst, k.purgedWM)
	dst = binary.AppendVarint(dst, k.timerDue)
	dst = binary.AppendVarint(dst, k.timerPart)
	dst = binary.AppendVarint(dst, k.emptyAt)
	dst = binary.AppendUvarint(dst, uint64(len(k.parts.list)))
	for _, p := range k.parts.list {
		dst = binary.AppendUvarint(dst, uint64(p))
	}
	return dst
}

// appendWindow appends the value of w; tmp is scratch for state encodings.
func appendWindow(dst, tmp []byte, w *window) ([]byte, []byte) {
	dst = append(dst, snapshotVersion)
	dst = binary.AppendVarint(dst, w.End)
	dst = binary.AppendUvarint(dst, uint64(w.emits))
	dst = append(dst, boolByte(w.pending))
	dst = binary.AppendUvarint(dst, uint64(len(w.states())))
	for _, s := range w.states() {
		tmp = s.AppendBinary(tmp[:0])
		dst = binary.AppendUvarint(dst, uint64(len(tmp)))
		dst = append(dst, tmp...)
	}
	return dst, tmp
}

func (o *Operator) appendMeta(dst []byte) []byte {
	dst = append(dst, snapshotVersion)
	dst = binary.AppendUvarint(dst, uint64(len(o.fp)))
	dst = append(dst, o.fp...)
	dst = binary.AppendVarint(dst, o.now)
	dst = binary.AppendVarint(dst, o.lastEarly)
	dst = binary.AppendUvarint(dst, o.keySeq)
	st := &o.stats
	for _, c := range [...]uint64{st.Events, st.LateAccepted, st.LateDropped, st.Results, st.Early, st.KeysDropped} {
		dst = binary.AppendUvarint(dst, c)
	}
	return dst
}

// fingerprint names what the state depends on: the window kind and the
// aggregates, so that state is never restored into another query.
func (o *Operator) fingerprint() string {
	var b strings.Builder
	b.WriteString(o.kind.String())
	for _, a := range o.spec.Aggregates {
		b.WriteByte('|')
		b.WriteString(a.Name())
	}
	return b.String()
}

func boolByte(b bool) byte {
	if b {
		return 1
	}
	return 0
}
