package store

import bolt "go.etcd.io/bbolt"

// Expire deletes results, fleet windows and members whose window starts
// before cutoff (Unix ms), at most limit keys per call so that one
// transaction stays short; it returns how many it deleted. Unbounded
// results (no window) are kept.
func (t *Tx) Expire(cutoff int64, limit int) (int, error) {
	n := 0
	del := func(b *bolt.Bucket) error {
		if b == nil {
			return nil
		}
		end := TimeKey(nil, cutoff)
		var keys [][]byte
		c := b.Cursor()
		// Unbounded rows use the smallest start: skip them.
		for k, _ := c.Seek(TimeKey(nil, minBounded)); k != nil && n+len(keys) < limit; k, _ = c.Next() {
			if string(k[:min(8, len(k))]) >= string(end) {
				break
			}
			keys = append(keys, append([]byte(nil), k...))
		}
		for _, k := range keys {
			if err := b.Delete(k); err != nil {
				return err
			}
		}
		n += len(keys)
		return nil
	}
	if root := t.tx.Bucket(bucketResults); root != nil {
		err := root.ForEachBucket(func(name []byte) error { return del(root.Bucket(name)) })
		if err != nil {
			return n, err
		}
	}
	if root := t.tx.Bucket(bucketFleet); root != nil {
		err := root.ForEachBucket(func(name []byte) error {
			fb := root.Bucket(name)
			if err := del(fb.Bucket(bucketMembers)); err != nil {
				return err
			}
			return del(fb.Bucket(bucketWindows))
		})
		if err != nil {
			return n, err
		}
	}
	return n, nil
}

// minBounded is above the start the fleet and result keys use for
// unbounded (no window) rows, math.MinInt64.
const minBounded = -(1 << 62)
