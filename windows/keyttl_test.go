package windows

import (
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
)

// keyTable.remove against a map model, with keys chosen so that their home
// slots crowd around the end of the table: probe runs wrap around and
// backward-shift deletion moves slots across the wrap.
func TestKeyTableRemoveMatchesMap(t *testing.T) {
	for seed := range seeds(50) {
		r := rand.New(rand.NewPCG(seed, 77))
		tab := newKeyTable()
		mask := uint64(len(tab.slots) - 1)
		// Candidate keys whose home slot lies in the last 6 or first 3
		// slots, or anywhere for a few of them.
		var cands []string
		for i := 0; len(cands) < 60; i++ {
			key := fmt.Sprintf("key%d-%d", seed, i)
			home := tab.hash([]byte(key)) & mask
			if home >= mask-5 || home <= 2 || r.IntN(40) == 0 {
				cands = append(cands, key)
			}
		}
		model := map[string]*keyState{}
		for op := range 2000 {
			key := cands[r.IntN(len(cands))]
			switch k, ok := model[key]; {
			case ok && r.IntN(2) == 0:
				tab.remove(k)
				delete(model, key)
			case !ok && len(model) < 47: // below the load limit: no growth
				k = newKeyState(key)
				tab.put(k)
				model[key] = k
			}
			if len(tab.slots) != 64 {
				t.Fatal("table grew")
			}
			checkKeyTable(t, &tab, model, cands, fmt.Sprintf("seed %d op %d", seed, op))
		}
	}
	// And with growth: random keys in and out.
	r := rand.New(rand.NewPCG(1, 2))
	tab := newKeyTable()
	model := map[string]*keyState{}
	var cands []string
	for i := range 3000 {
		cands = append(cands, fmt.Sprint("g", i))
	}
	for op := range 20000 {
		key := cands[r.IntN(len(cands))]
		if k, ok := model[key]; ok && r.IntN(3) > 0 {
			tab.remove(k)
			delete(model, key)
		} else if !ok {
			k = newKeyState(key)
			tab.put(k)
			model[key] = k
		}
		if op%997 == 0 {
			checkKeyTable(t, &tab, model, cands, fmt.Sprint("growth op ", op))
		}
	}
	checkKeyTable(t, &tab, model, cands, "growth end")
	// Removing a key that is not there changes nothing.
	tab.remove(newKeyState("absent"))
	checkKeyTable(t, &tab, model, cands, "remove absent")
}

// checkKeyTable compares tab with model and checks the linear-probing
// invariant: every slot between a key's home and its slot is occupied.
func checkKeyTable(t *testing.T, tab *keyTable, model map[string]*keyState, cands []string, at string) {
	t.Helper()
	if tab.len() != len(model) {
		t.Fatalf("%s: len %d, model %d", at, tab.len(), len(model))
	}
	for _, key := range cands {
		if got, want := tab.get([]byte(key)), model[key]; got != want {
			t.Fatalf("%s: get(%q) = %p, want %p", at, key, got, want)
		}
	}
	mask := uint64(len(tab.slots) - 1)
	n := 0
	for i, s := range tab.slots {
		if s.k == nil {
			continue
		}
		n++
		if s.h != tab.hash([]byte(s.k.key)) {
			t.Fatalf("%s: slot %d holds a wrong hash", at, i)
		}
		for j := s.h & mask; j != uint64(i); j = (j + 1) & mask {
			if tab.slots[j].k == nil {
				t.Fatalf("%s: hole at %d in the probe run of slot %d", at, j, i)
			}
		}
	}
	if n != len(model) {
		t.Fatalf("%s: %d occupied slots, model %d", at, n, len(model))
	}
}

func TestKeyTTLDropsEmptyKeys(t *testing.T) {
	o, s := newOp(t, Spec{Window: Tumbling{Size: 10}, KeyTTL: 100})
	st := memStore{}
	var f feeder
	o.Advance(0)
	f.all(t, o, ev{"a", "d", 5, 1}, ev{"b", "d", 15, 1})
	o.Advance(1) // closes and purges a's [0,10): a is empty from 1
	wantRows(t, s.take(), `"a" [0,10) r0 final 1 1`)
	st.commit(t, o)
	keyA := string(append([]byte{entryKey}, AppendKey(nil, String("a"))...))
	if st[keyA] == nil {
		t.Fatal("no entry for key a")
	}
	o.Advance(100)
	if got := o.Stats(); got.Keys != 2 || got.KeysDropped != 0 {
		t.Fatalf("before the TTL: %+v", got)
	}
	o.Advance(101)
	if got := o.Stats(); got.Keys != 1 || got.KeysDropped != 1 {
		t.Fatalf("after the TTL: %+v", got)
	}
	st.commit(t, o)
	if _, ok := st[keyA]; ok {
		t.Fatal("Changes did not delete the dropped key's entry")
	}
	full := memStore{}
	if err := o.Entries(func(k, v []byte) error { full[string(k)] = slices.Clone(v); return nil }); err != nil {
		t.Fatal(err)
	}
	if d := diffStores(st, full); d != "" {
		t.Fatal(d)
	}
	// a comes back: its emitted window stays closed, a new one works.
	f.all(t, o, ev{"a", "d", 8, 1}, ev{"a", "d", 12, 2}, ev{"b", "d", 25, 1})
	o.Advance(102)
	// The recreated a is a new key: it emits after b.
	wantRows(t, s.take(), `"b" [10,20) r0 final 1 1`, `"a" [10,20) r0 final 1 2`)
	if len(s.late) != 1 || s.late[0].Time != 8 {
		t.Fatalf("late %+v", s.late)
	}
	// a is empty again from 102, and goes at 202; b has [20,30) open and
	// stays, however long.
	o.Advance(201)
	if got := o.Stats(); got.Keys != 2 {
		t.Fatalf("at 201: %+v", got)
	}
	o.Advance(202)
	o.Advance(1000)
	if got := o.Stats(); got.Keys != 1 || got.KeysDropped != 2 {
		t.Fatalf("at 202: %+v", got)
	}
}

// A key whose windows empty and fill again restarts its TTL.
func TestKeyTTLRestartsWhenRefilled(t *testing.T) {
	o, _ := newOp(t, Spec{Window: Tumbling{Size: 10}, KeyTTL: 100})
	var f feeder
	o.Advance(0)
	f.all(t, o, ev{"a", "d", 5, 1}, ev{"b", "d", 15, 1})
	o.Advance(10) // a empty from 10
	f.all(t, o, ev{"a", "d", 16, 1}, ev{"b", "d", 25, 1})
	o.Advance(50) // a empty again from 50
	o.Advance(110)
	if got := o.Stats(); got.KeysDropped != 0 {
		t.Fatalf("a dropped on its first expiry: %+v", got)
	}
	o.Advance(150)
	if got := o.Stats(); got.KeysDropped != 1 || got.Keys != 1 {
		t.Fatalf("at 150: %+v", got)
	}
}

// A key created by an event that is too late has no window: it is dropped
// too.
func TestKeyTTLDropsKeyOfLateEvent(t *testing.T) {
	o, s := newOp(t, Spec{Window: Tumbling{Size: 10}, KeyTTL: 50})
	var f feeder
	o.Advance(0)
	f.all(t, o, ev{"a", "d", 25, 1}, ev{"late", "d", 3, 1})
	if len(s.late) != 1 {
		t.Fatalf("late %+v", s.late)
	}
	o.Advance(49)
	if o.Stats().Keys != 2 {
		t.Fatalf("%+v", o.Stats())
	}
	o.Advance(50)
	if got := o.Stats(); got.Keys != 1 || got.KeysDropped != 1 {
		t.Fatalf("%+v", got)
	}
}

// A key flushed because its partition went idle, then dropped, must not
// reopen the flushed window when its device comes back: the partition's
// watermark is still before the window's end.
func TestKeyTTLNoReopenAfterIdleFlush(t *testing.T) {
	for _, ttl := range []int64{0, 10} {
		o, s := newOp(t, Spec{Window: Tumbling{Size: 10}, OutOfOrderness: 5, IdleTimeout: 100, KeyTTL: ttl})
		var f feeder
		o.Advance(0)
		f.all(t, o, ev{"a", "d1", 3, 1})
		o.Advance(100) // d1 idle: a flushed
		wantRows(t, s.take(), `"a" [0,10) r0 final 1 1`)
		o.Advance(200)
		if want := min(ttl, 1); o.Stats().KeysDropped != uint64(want) {
			t.Fatalf("ttl %d: %+v", ttl, o.Stats())
		}
		f.all(t, o, ev{"a", "d1", 9, 1}, ev{"a", "d1", 16, 1}, ev{"a", "d1", 30, 1})
		o.Advance(201)
		wantRows(t, s.take(), `"a" [10,20) r0 final 1 1`)
		if len(s.late) != 1 || s.late[0].Time != 9 {
			t.Fatalf("ttl %d: late %+v", ttl, s.late)
		}
		// A new key of d1 starts at the horizon as well.
		f.all(t, o, ev{"n", "d1", 26, 1})
		o.Advance(202)
		if len(s.late) != 1 {
			t.Fatalf("ttl %d: late %+v", ttl, s.late)
		}
	}
}

// A key dropped and recreated before the next Changes: the store ends up
// with the new key's entries only, as a full snapshot has them.
func TestKeyTTLDropAndRecreateBetweenChanges(t *testing.T) {
	spec := Spec{Window: Tumbling{Size: 10}, KeyTTL: 5}
	o, s := newOp(t, spec)
	st := memStore{}
	var f feeder
	o.Advance(0)
	f.all(t, o, ev{"a", "d", 5, 1}, ev{"b", "d", 15, 1})
	o.Advance(1)
	st.commit(t, o)
	o.Advance(6) // a dropped
	f.all(t, o, ev{"a", "d", 17, 1})
	st.commit(t, o)
	full := memStore{}
	if err := o.Entries(func(k, v []byte) error { full[string(k)] = slices.Clone(v); return nil }); err != nil {
		t.Fatal(err)
	}
	if d := diffStores(st, full); d != "" {
		t.Fatal(d)
	}
	r, rs := newOp(t, spec)
	if err := r.Restore(st.entries); err != nil {
		t.Fatal(err)
	}
	s.take()
	f.all(t, o, ev{"b", "d", 30, 1})
	f.all(t, r, ev{"b", "d", 30, 1})
	o.Advance(7)
	r.Advance(7)
	if w, g := s.take(), rs.take(); !slices.Equal(w, g) || len(w) != 2 {
		t.Fatalf("restored %q, uninterrupted %q", g, w)
	}
	if o.Stats() != r.Stats() {
		t.Fatalf("stats %+v vs %+v", r.Stats(), o.Stats())
	}
}

// Snapshots of version 1 (before KeyTTL) restore: no horizon, no dropped
// keys, and keys without windows count as emptied at the next Advance.
func TestRestoreVersion1(t *testing.T) {
	spec := Spec{Window: Tumbling{Size: 10}, AllowedLateness: 5, KeyTTL: 50}
	o, s := newOp(t, spec)
	var f feeder
	o.Advance(0)
	f.all(t, o, ev{"a", "d1", 5, 1}, ev{"b", "d2", 7, 2}, ev{"a", "d1", 22, 3}, ev{"b", "d2", 25, 4})
	o.Advance(1) // a and b: [0,10) closed but kept (lateness); [20,30) open
	f.all(t, o, ev{"a", "d1", 40, 1}, ev{"b", "d2", 40, 1})
	o.Advance(2) // all windows but [40,50) purged
	f.all(t, o, ev{"c", "d1", 80, 1})
	o.Advance(3) // a purged, c open
	st := memStore{}
	st.commit(t, o)
	v1 := memStore{}
	for k, v := range st {
		v1[k] = toVersion1(t, k, v)
	}
	r, rs := newOp(t, spec)
	if err := r.Restore(v1.entries); err != nil {
		t.Fatal(err)
	}
	_, _ = s.take(), rs.take()
	for _, op := range []*Operator{o, r} {
		f.all(t, op, ev{"a", "d1", 31, 1}, ev{"b", "d2", 95, 1}, ev{"c", "d1", 95, 1})
		op.Advance(60)
	}
	if w, g := s.take(), rs.take(); !slices.Equal(w, g) || len(w) == 0 {
		t.Fatalf("from version 1 %q, uninterrupted %q", g, w)
	}
	// a has no window since 3 in o, since the first Advance (60) in r.
	if o.Stats().Keys != 2 || r.Stats().Keys != 3 {
		t.Fatalf("keys %d and %d", o.Stats().Keys, r.Stats().Keys)
	}
	o.Advance(110)
	r.Advance(110)
	if o.Stats().Keys != r.Stats().Keys {
		t.Fatalf("keys %d and %d", o.Stats().Keys, r.Stats().Keys)
	}
}

// toVersion1 re-encodes a version 2 entry in the version 1 layout.
func toVersion1(t testing.TB, k string, v []byte) []byte {
	t.Helper()
	if v[0] != 2 {
		t.Fatalf("entry %q of version %d", k, v[0])
	}
	r := snapReader{b: v[1:], what: k}
	out := []byte{1}
	uv := func() { out = binary.AppendUvarint(out, r.uvarint()) }
	sv := func() { out = binary.AppendVarint(out, r.varint()) }
	bs := func() { b := r.bytes(); out = binary.AppendUvarint(out, uint64(len(b))); out = append(out, b...) }
	switch k[0] {
	case entryMeta:
		bs()
		sv()
		sv()
		for range 6 {
			uv()
		}
		r.uvarint() // KeysDropped
	case entryPartition:
		bs()
		sv()
		sv()
		out = append(out, boolByte(r.bool()))
		r.varint() // horizon
	case entryKey:
		uv()
		for range 4 {
			sv()
		}
		r.varint() // emptyAt
		n := r.length(1)
		out = binary.AppendUvarint(out, uint64(n))
		for range n {
			uv()
		}
	case entryWindow:
		out = append(out, r.b...)
		r.b = nil
	}
	if err := r.end(); err != nil {
		t.Fatal(err)
	}
	return out
}

// (KeyTTL) A key that is dropped and comes back through its partition never
// reopens a window it emitted: no (key, window) emits revision 0 twice,
// across idle flushes, lateness and restarts of the TTL.
func TestPropertyKeyTTLNoReopen(t *testing.T) {
	drops := uint64(0)
	for seed := range seeds(20) {
		for ki, kind := range propKinds {
			r := rand.New(rand.NewPCG(seed, 200+uint64(ki)))
			arrival, _ := disorderedStream(r, 1+r.IntN(4), 1+r.IntN(6), 200, 150)
			for i := range arrival { // one partition per key
				arrival[i].key = arrival[i].part + "/" + arrival[i].key
			}
			steps := withAdvances(r, arrival)
			for i := range steps {
				if steps[i].adv && r.IntN(20) == 0 {
					for j := i; j < len(steps); j++ {
						if steps[j].adv {
							steps[j].now += 200
						}
					}
				}
			}
			spec := Spec{Window: kind, Aggregates: propAggs(t), OutOfOrderness: 20,
				AllowedLateness: int64(r.IntN(3)) * 30, IdleTimeout: 150, KeyTTL: 1 + int64(r.IntN(30))}
			o, s := newOp(t, spec)
			runSteps(t, o, steps)
			o.Advance(1 << 40)
			drops += o.Stats().KeysDropped
			seen := map[string]bool{}
			for _, row := range s.rows {
				if row.Rev != 0 {
					continue
				}
				id := fmt.Sprint(row.Key, row.Start, row.End)
				if seen[id] {
					t.Fatalf("seed %d %v: %s reopened", seed, kind, row)
				}
				seen[id] = true
			}
		}
	}
	if drops == 0 {
		t.Fatal("no key was dropped: the test tests nothing")
	}
}
