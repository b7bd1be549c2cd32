package store

import (
	"bytes"
	"encoding/binary"
	"fmt"

	bolt "go.etcd.io/bbolt"
)

// Tx is one transaction on the store. It is not safe for concurrent use.
type Tx struct {
	tx      *bolt.Tx
	results map[string]*bolt.Bucket // edge view → bucket, cached per transaction
	// slab holds the copies of the keys and values given to bbolt, which
	// keeps them until the commit: one allocation per slabSize bytes
	// instead of two per Put.
	slab []byte
	// cursors are one per bucket that Get reads, kept for the transaction:
	// bbolt's Bucket.Get makes a cursor whose stack grows by appending, two
	// or three allocations a lookup; a repositioned cursor keeps its stack.
	cursors map[*bolt.Bucket]*bolt.Cursor
}

// get is b.Get(key) through the transaction's cursor of b. A Seek after a
// Put in the same transaction is valid (bbolt: reposition after a change).
func (t *Tx) get(b *bolt.Bucket, key []byte) []byte {
	c := t.cursors[b]
	if c == nil {
		if t.cursors == nil {
			t.cursors = map[*bolt.Bucket]*bolt.Cursor{}
		}
		c = b.Cursor()
		t.cursors[b] = c
	}
	k, v := c.Seek(key)
	if !bytes.Equal(k, key) {
		return nil
	}
	return v
}

const slabSize = 256 << 10

// alloc returns n bytes that stay valid for the transaction.
func (t *Tx) alloc(n int) []byte {
	if n > slabSize/8 {
		return make([]byte, n)
	}
	if len(t.slab)+n > cap(t.slab) {
		t.slab = make([]byte, 0, slabSize)
	}
	l := len(t.slab)
	t.slab = t.slab[:l+n]
	return t.slab[l : l+n : l+n]
}

// clone copies b into the transaction's slab: bbolt keeps the slices given
// to Put until the commit, and callers reuse their buffers.
func (t *Tx) clone(b []byte) []byte {
	out := t.alloc(len(b))
	copy(out, b)
	return out
}

// concat copies a then b into the slab.
func (t *Tx) concat(a, b []byte) []byte {
	out := t.alloc(len(a) + len(b))
	copy(out[copy(out, a):], b)
	return out
}

func (t *Tx) writable() bool { return t.tx.Writable() }

// resultsBucket returns the bucket of an edge view's results, creating it
// in a writable transaction; nil if it does not exist in a read-only one.
func (t *Tx) resultsBucket(view string) (*bolt.Bucket, error) {
	if b, ok := t.results[view]; ok {
		return b, nil
	}
	root := t.tx.Bucket(bucketResults)
	if root == nil {
		return nil, nil
	}
	b := root.Bucket([]byte(view))
	if b == nil && t.writable() {
		var err error
		if b, err = root.CreateBucket([]byte(view)); err != nil {
			return nil, err
		}
	}
	if b != nil {
		b.FillPercent = fillPercent
		if t.results == nil {
			t.results = map[string]*bolt.Bucket{}
		}
		t.results[view] = b
	}
	return b, nil
}

// Result returns the stored revision and row of the result with identity
// key (see ResultKey) in an edge view. row is valid only in the
// transaction.
func (t *Tx) Result(view string, key []byte) (rev uint32, row []byte, ok bool, err error) {
	b, err := t.resultsBucket(view)
	if err != nil || b == nil {
		return 0, nil, false, err
	}
	v := t.get(b, key)
	if v == nil {
		return 0, nil, false, nil
	}
	if len(v) < 4 {
		return 0, nil, false, fmt.Errorf("%w: result %q of %s", ErrCorrupt, key, view)
	}
	return binary.BigEndian.Uint32(v), v[4:], true, nil
}

// PutResult stores the current row of a result identity.
func (t *Tx) PutResult(view string, key []byte, rev uint32, row []byte) error {
	b, err := t.resultsBucket(view)
	if err != nil {
		return err
	}
	v := t.alloc(4 + len(row))
	binary.BigEndian.PutUint32(v, rev)
	copy(v[4:], row)
	return b.Put(t.clone(key), v)
}

// Results calls fn for each stored result of an edge view whose window
// starts in [from, to), in window order.
func (t *Tx) Results(view string, from, to int64, fn func(key []byte, rev uint32, row []byte) error) error {
	b, err := t.resultsBucket(view)
	if err != nil || b == nil {
		return err
	}
	return scanRange(b, from, to, func(k, v []byte) error {
		if len(v) < 4 {
			return fmt.Errorf("%w: result %q of %s", ErrCorrupt, k, view)
		}
		return fn(k, binary.BigEndian.Uint32(v), v[4:])
	})
}

// EdgeViews lists the edge views that have results.
func (t *Tx) EdgeViews() []string {
	var out []string
	root := t.tx.Bucket(bucketResults)
	if root == nil {
		return nil
	}
	_ = root.ForEachBucket(func(k []byte) error { out = append(out, string(k)); return nil })
	return out
}

// scanRange walks a bucket whose keys start with TimeKey over [from, to).
func scanRange(b *bolt.Bucket, from, to int64, fn func(k, v []byte) error) error {
	c := b.Cursor()
	end := TimeKey(nil, to)
	for k, v := c.Seek(TimeKey(nil, from)); k != nil && bytes.Compare(k[:min(8, len(k))], end) < 0; k, v = c.Next() {
		if err := fn(k, v); err != nil {
			return err
		}
	}
	return nil
}

// fleetBuckets returns the windows and members buckets of a fleet view.
func (t *Tx) fleetBuckets(view string) (wins, members *bolt.Bucket, err error) {
	root := t.tx.Bucket(bucketFleet)
	if root == nil {
		return nil, nil, nil
	}
	fb := root.Bucket([]byte(view))
	if fb == nil {
		if !t.writable() {
			return nil, nil, nil
		}
		if fb, err = root.CreateBucket([]byte(view)); err != nil {
			return nil, nil, err
		}
		if _, err = fb.CreateBucket(bucketWindows); err != nil {
			return nil, nil, err
		}
		if _, err = fb.CreateBucket(bucketMembers); err != nil {
			return nil, nil, err
		}
	}
	wins, members = fb.Bucket(bucketWindows), fb.Bucket(bucketMembers)
	members.FillPercent = fillPercent
	return wins, members, nil
}

// fillPercent is how full bbolt packs the pages of the results and members
// buckets when it splits them at commit (its default is 0.5). Their keys
// start with the window start, so a batch mostly inserts at the recent end
// of the tree and the pages behind it are seldom split again. In
// BenchmarkAggregatorIngest it takes results pages from 43% to 81% full
// (file 417 MB to 262 MB, and that much less written per commit); members,
// random within a window, gain little (66% to 67%). TestPagesStayFull.
const fillPercent = 0.9

// WindowKey appends the key of a fleet window: its start, then the
// length-prefixed group key, so that a window's members are one prefix.
func WindowKey(dst []byte, start int64, groupKey []byte) []byte {
	dst = TimeKey(dst, start)
	dst = binary.AppendUvarint(dst, uint64(len(groupKey)))
	return append(dst, groupKey...)
}

// SplitWindowKey returns the start and group key of a WindowKey.
func SplitWindowKey(k []byte) (start int64, groupKey []byte, err error) {
	if len(k) < 9 {
		return 0, nil, fmt.Errorf("%w: fleet window key %x", ErrCorrupt, k)
	}
	n, w := binary.Uvarint(k[8:])
	if w <= 0 || uint64(len(k)-8-w) < n {
		return 0, nil, fmt.Errorf("%w: fleet window key %x", ErrCorrupt, k)
	}
	return KeyTime(k), k[8+w : 8+w+int(n)], nil
}

// FleetWindow returns the stored value of a fleet window (valid only in the
// transaction).
func (t *Tx) FleetWindow(view string, wkey []byte) ([]byte, error) {
	w, _, err := t.fleetBuckets(view)
	if err != nil || w == nil {
		return nil, err
	}
	return t.get(w, wkey), nil
}

// PutFleetWindow stores a fleet window.
func (t *Tx) PutFleetWindow(view string, wkey, val []byte) error {
	w, _, err := t.fleetBuckets(view)
	if err != nil {
		return err
	}
	return w.Put(t.clone(wkey), t.clone(val))
}

// FleetWindows calls fn for each window of a fleet view starting in
// [from, to), in time order.
func (t *Tx) FleetWindows(view string, from, to int64, fn func(wkey, val []byte) error) error {
	w, _, err := t.fleetBuckets(view)
	if err != nil || w == nil {
		return err
	}
	return scanRange(w, from, to, fn)
}

// PutMember records that the partial with identity ident feeds the fleet
// window wkey, with its encoded states.
func (t *Tx) PutMember(view string, wkey, ident, states []byte) error {
	_, m, err := t.fleetBuckets(view)
	if err != nil {
		return err
	}
	return m.Put(t.concat(wkey, ident), t.clone(states))
}

// DeleteMember removes a member.
func (t *Tx) DeleteMember(view string, wkey, ident []byte) error {
	_, m, err := t.fleetBuckets(view)
	if err != nil || m == nil {
		return err
	}
	return m.Delete(append(wkey[:len(wkey):len(wkey)], ident...))
}

// Members calls fn for each member of the fleet window wkey.
func (t *Tx) Members(view string, wkey []byte, fn func(ident, states []byte) error) error {
	_, m, err := t.fleetBuckets(view)
	if err != nil || m == nil {
		return err
	}
	c := m.Cursor()
	for k, v := c.Seek(wkey); k != nil && bytes.HasPrefix(k, wkey); k, v = c.Next() {
		if err := fn(k[len(wkey):], v); err != nil {
			return err
		}
	}
	return nil
}

// DropFleetView deletes a fleet view's windows and members (its definition
// changed: it is rebuilt from the stored results).
func (t *Tx) DropFleetView(view string) error {
	root := t.tx.Bucket(bucketFleet)
	if root == nil || root.Bucket([]byte(view)) == nil {
		return nil
	}
	return root.DeleteBucket([]byte(view))
}

// FleetViews lists the fleet views with stored state.
func (t *Tx) FleetViews() []string {
	var out []string
	if root := t.tx.Bucket(bucketFleet); root != nil {
		_ = root.ForEachBucket(func(k []byte) error { out = append(out, string(k)); return nil })
	}
	return out
}

// PutAgent stores an agent's registry entry.
func (t *Tx) PutAgent(id string, v []byte) error {
	return t.tx.Bucket(bucketAgents).Put([]byte(id), t.clone(v))
}

// Agent returns an agent's registry entry (valid only in the transaction).
func (t *Tx) Agent(id string) []byte {
	if b := t.tx.Bucket(bucketAgents); b != nil {
		return b.Get([]byte(id))
	}
	return nil
}

// Agents calls fn for each registry entry, by agent id.
func (t *Tx) Agents(fn func(id string, v []byte) error) error {
	b := t.tx.Bucket(bucketAgents)
	if b == nil {
		return nil
	}
	return b.ForEach(func(k, v []byte) error { return fn(string(k), v) })
}

// Meta returns a meta value (valid only in the transaction).
func (t *Tx) Meta(name string) []byte {
	if b := t.tx.Bucket(bucketMeta); b != nil {
		return b.Get([]byte(name))
	}
	return nil
}

// PutMeta sets a meta value.
func (t *Tx) PutMeta(name string, v []byte) error {
	return t.tx.Bucket(bucketMeta).Put([]byte(name), t.clone(v))
}
