package alerts

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math"
	"slices"
	"strings"
)

var snapshotMagic = []byte("EAS")

const snapshotVersion = 1

// Snapshot encodes the engine's state: every alert instance and tracked
// group (state, times, value, acknowledgement, what was notified), the
// silences, the history not yet taken and the counters. The encoding is
// deterministic: equal states give equal bytes.
//
// The aggregator stores it with its own durable state; Restore on a new
// Engine then continues where it stopped without re-notifying.
func (e *Engine) Snapshot() []byte {
	b := append([]byte(nil), snapshotMagic...)
	b = append(b, snapshotVersion)
	b = appendVarint(b, e.now)
	b = appendVarint(b, e.nextSilence)
	b = appendUvarintInt(b, len(e.silences))
	for _, s := range e.silences {
		b = appendString(b, s.ID)
		b = appendLabels(b, s.Matchers)
		b = appendVarint(b, s.Until)
		b = appendString(b, s.By)
		b = appendString(b, s.Comment)
		b = appendVarint(b, s.Created)
	}
	b = appendUvarintInt(b, len(e.rules))
	for _, r := range e.rules {
		b = appendString(b, r.Name)
		b = appendString(b, string(r.Kind))
		b = appendString(b, r.View)
		b = appendString(b, strings.Join(r.GroupBy, "\x00"))
		keys := make([]string, 0, len(r.inst))
		for k := range r.inst {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		b = appendUvarintInt(b, len(keys))
		for _, k := range keys {
			b = appendInstance(b, r.inst[k])
		}
	}
	h := AppendHistory(nil, e.history)
	b = appendUvarintInt(b, len(h))
	b = append(b, h...)
	b = appendUvarint(b, e.stats.Rows)
	return appendUvarint(b, e.stats.EvalErrors)
}

func appendInstance(b []byte, in *instance) []byte {
	b = appendString(b, in.key)
	b = append(b, byte(in.state))
	for _, t := range []int64{in.since, in.activeAt, in.firedAt, in.resolvedAt} {
		b = appendVarint(b, t)
	}
	b = appendValue(b, in.value)
	b = appendValue(b, in.firedValue)
	b = appendString(b, in.ackBy)
	b = appendVarint(b, in.ackAt)
	b = append(b, byte(in.notified))
	b = appendVarint(b, in.notifiedEpisode)
	b = appendVarint(b, in.notifiedAt)
	b = appendUvarintInt(b, in.repeats)
	b = appendVarint(b, in.heldEpisode)
	b = appendVarint(b, in.lastSeen)
	if in.hasPrev {
		b = append(b, 1)
	} else {
		b = append(b, 0)
	}
	b = appendVarint(b, in.prevT)
	return binary.BigEndian.AppendUint64(b, math.Float64bits(in.prevV))
}

// Restore replaces the engine's state with a snapshot. The rules may have
// changed since: state is kept for a rule of the same name, kind, view and
// group_by, and dropped for the others (their alerts start over). On an
// error the engine is unchanged.
func (e *Engine) Restore(snap []byte) error {
	if !bytes.HasPrefix(snap, snapshotMagic) || len(snap) < len(snapshotMagic)+1 {
		return fmt.Errorf("%w: not an alerts snapshot", ErrCorrupt)
	}
	if v := snap[len(snapshotMagic)]; v != snapshotVersion {
		return fmt.Errorf("%w: snapshot version %d (this build reads %d)", ErrVersion, v, snapshotVersion)
	}
	r := &reader{b: snap, off: len(snapshotMagic) + 1}
	n := &Engine{rules: e.rules, views: e.views, byID: map[string]*instance{}, dirty: map[*instance]struct{}{}}
	n.now = r.varint()
	n.nextSilence = r.varint()
	ns := r.count(5)
	for i := 0; i < ns && r.err == nil; i++ {
		s := Silence{ID: r.string(), Matchers: r.labels(), Until: r.varint(), By: r.string(), Comment: r.string(), Created: r.varint()}
		n.silences = append(n.silences, s)
	}
	byName := map[string]*rule{}
	fresh := map[*rule]map[string]*instance{}
	for _, rl := range e.rules {
		byName[rl.Name] = rl
		fresh[rl] = map[string]*instance{}
	}
	nr := r.count(5)
	for i := 0; i < nr && r.err == nil; i++ {
		name, kind, view, group := r.string(), Kind(r.string()), r.string(), r.string()
		rl := byName[name]
		keep := rl != nil && rl.Kind == kind && rl.View == view && strings.Join(rl.GroupBy, "\x00") == group
		ni := r.count(20)
		for j := 0; j < ni && r.err == nil; j++ {
			in := readInstance(r)
			if !keep || r.err != nil {
				continue
			}
			vals, err := decodeGroup(in.key)
			if err != nil || len(vals) != len(rl.group) {
				r.fail("bad group key")
				continue
			}
			in.r, in.group = rl, vals
			in.id, in.labels = identity(rl, vals)
			fresh[rl][in.key] = in
		}
	}
	hist := r.bytes()
	n.stats.Rows = r.uvarint()
	n.stats.EvalErrors = r.uvarint()
	if err := r.done(); err != nil {
		return err
	}
	h, err := DecodeHistory(hist)
	if err != nil {
		return err
	}
	n.history = h
	for _, m := range fresh {
		for _, in := range m {
			n.byID[in.id] = in
			if owes(in) {
				n.dirty[in] = struct{}{}
			}
		}
	}
	// Commit: nothing below can fail.
	for _, rl := range e.rules {
		rl.inst = fresh[rl]
		rl.next = math.MinInt64 // the next Tick recomputes deadlines
	}
	e.byID, e.dirty, e.history = n.byID, n.dirty, n.history
	e.silences, e.nextSilence, e.now, e.stats = n.silences, n.nextSilence, n.now, n.stats
	return nil
}

func readInstance(r *reader) *instance {
	in := &instance{key: r.string(), state: r.state()}
	in.since, in.activeAt, in.firedAt, in.resolvedAt = r.varint(), r.varint(), r.varint(), r.varint()
	in.value = r.value()
	in.firedValue = r.value()
	in.ackBy, in.ackAt = r.string(), r.varint()
	in.notified = r.state()
	in.notifiedEpisode, in.notifiedAt = r.varint(), r.varint()
	in.repeats = int(r.uvarint() & math.MaxInt32)
	in.heldEpisode = r.varint()
	in.lastSeen = r.varint()
	switch r.byte_() {
	case 0:
	case 1:
		in.hasPrev = true
	default:
		r.fail("bad flag")
	}
	in.prevT = r.varint()
	var f [8]byte
	for i := range f {
		f[i] = r.byte_()
	}
	in.prevV = math.Float64frombits(binary.BigEndian.Uint64(f[:]))
	return in
}
