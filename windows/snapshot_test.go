package windows

import (
	"errors"
	"slices"
	"testing"
)

// snapshotOf runs a small workload and returns its full snapshot.
func snapshotOf(t testing.TB, spec Spec) memStore {
	o, _ := newOp(t, spec)
	var f feeder
	o.Advance(0)
	f.all(t, o, ev{"a", "d1", 5, 1}, ev{"b", "d2", 7, 2}, ev{"a", "d1", 12, 3}, ev{"a", "d2", 25, 4})
	o.Advance(1)
	st := memStore{}
	st.commit(t, o)
	return st
}

func TestChangesAreIncremental(t *testing.T) {
	o, _ := newOp(t, Spec{Window: Tumbling{Size: 10}})
	var f feeder
	st := memStore{}
	o.Advance(0)
	for i := range 100 {
		f.process(t, o, ev{string(rune('a' + i%26)), "d", 1, 1})
	}
	st.commit(t, o)
	// One more event for one key: its window, its partition and the meta.
	f.process(t, o, ev{"a", "d", 2, 1})
	if n := st.commit(t, o); n != 3 {
		t.Fatalf("one event changed %d entries, want 3", n)
	}
	if n := st.commit(t, o); n != 1 {
		t.Fatalf("no event: %d entries, want the meta only", n)
	}
	// Closing all windows deletes them.
	f.process(t, o, ev{"z", "d", 10, 1})
	o.Advance(1)
	st.commit(t, o)
	windows := 0
	for k := range st {
		if k[0] == entryWindow {
			windows++
		}
	}
	if windows != 1 {
		t.Fatalf("%d window entries after closing, want 1", windows)
	}
}

func TestChangesErrorKeepsChanges(t *testing.T) {
	o, _ := newOp(t, Spec{Window: Tumbling{Size: 10}})
	var f feeder
	f.process(t, o, ev{"a", "d", 1, 1})
	boom := errors.New("disk full")
	if err := o.Changes(func(k, v []byte) error { return boom }); !errors.Is(err, boom) {
		t.Fatalf("Changes = %v", err)
	}
	st := memStore{}
	if n := st.commit(t, o); n != 4 { // partition, key, window, meta
		t.Fatalf("after a failed Changes, %d entries, want 4", n)
	}
	o2, _ := newOp(t, Spec{Window: Tumbling{Size: 10}, NoChanges: true})
	if err := o2.Changes(func(k, v []byte) error { return nil }); !errors.Is(err, ErrSpec) {
		t.Fatalf("Changes with NoChanges = %v", err)
	}
}

func TestRestoreRejects(t *testing.T) {
	spec := Spec{Window: Tumbling{Size: 10}, AllowedLateness: 5}
	good := snapshotOf(t, spec)
	f := func(name string, st memStore, spec Spec, want error) {
		t.Helper()
		o, _ := newOp(t, spec)
		if err := o.Restore(st.entries); !errors.Is(err, want) {
			t.Fatalf("%s: Restore = %v, want %v", name, err, want)
		}
	}
	f("good", good, spec, nil)
	f("other kind", good, Spec{Window: Tumbling{Size: 20}}, ErrCorruptSnapshot)
	f("other aggregates", good, Spec{Window: Tumbling{Size: 10}, Aggregates: countSum(t)[:1]}, ErrCorruptSnapshot)
	for k := range good {
		bad := cloneStore(good)
		delete(bad, k)
		switch {
		case k[0] == entryWindow:
			f("without "+k, bad, spec, nil) // a window can be gone
		case k[0] == entryKey && !hasWindows(good, k[1:]):
			f("without "+k, bad, spec, nil) // so can a key without windows
		default:
			f("without "+k, bad, spec, ErrCorruptSnapshot)
		}
		bad = cloneStore(good)
		bad[k] = append(slices.Clone(good[k]), 0)
		f("trailing byte in "+k, bad, spec, ErrCorruptSnapshot)
		bad[k] = good[k][:len(good[k])-1]
		f("truncated "+k, bad, spec, ErrCorruptSnapshot)
	}
	for k, v := range good {
		if k[0] == entryKey {
			bad := cloneStore(good)
			bad[string(entryKey)+"0"] = v // "0" is no AppendKey encoding
			f("key entry of a foreign group key", bad, spec, ErrCorruptSnapshot)
			break
		}
	}
	o, _ := newOp(t, spec)
	o.Advance(0)
	if err := o.Restore(good.entries); !errors.Is(err, ErrNotEmpty) {
		t.Fatalf("Restore into a used operator = %v", err)
	}
}

func hasWindows(s memStore, key string) bool {
	prefix := string(appendWindowStoreKey(nil, key, 0)[:1+1+len(key)])
	for k := range s {
		if len(k) > len(prefix) && k[:len(prefix)] == prefix {
			return true
		}
	}
	return false
}

func cloneStore(s memStore) memStore {
	c := memStore{}
	for k, v := range s {
		c[k] = v
	}
	return c
}

// FuzzRestore feeds corrupt snapshots to Restore: it must fail cleanly or
// give an operator that runs.
func FuzzRestore(f *testing.F) {
	spec := Spec{Window: Session{Gap: 10}, AllowedLateness: 5, IdleTimeout: 100, KeyTTL: 50}
	for k, v := range snapshotOf(f, spec) {
		f.Add([]byte(k), v, []byte(nil), []byte(nil))
	}
	for k, v := range snapshotOf(f, spec) { // version 1 entries too
		f.Add([]byte(k), toVersion1(f, k, v), []byte(nil), []byte(nil))
	}
	st := snapshotOf(f, spec)
	f.Fuzz(func(t *testing.T, k1, v1, k2, v2 []byte) {
		bad := cloneStore(st)
		bad[string(k1)] = v1
		if len(k2) > 0 {
			bad[string(k2)] = v2
		}
		o, sk := newOp(t, spec)
		if err := o.Restore(bad.entries); err != nil {
			if !errors.Is(err, ErrCorruptSnapshot) {
				t.Fatalf("Restore error %v does not wrap ErrCorruptSnapshot", err)
			}
			return
		}
		var fd feeder
		fd.all(t, o, ev{"a", "d1", 30, 1}, ev{"c", "d3", 1 << 40, 1})
		o.Advance(1 << 30)
		o.Advance(1 << 40)
		_ = sk.take()
	})
}
