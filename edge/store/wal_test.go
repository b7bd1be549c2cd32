package store

import (
	"encoding/binary"
	"errors"
	"fmt"
	"maps"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"testing"

	bolt "go.etcd.io/bbolt"
)

// crash closes s the way a kill -9 leaves it: no checkpoint of the log.
func crash(t testing.TB, s *Store) {
	t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closed.Store(true)
	if err := s.db.Close(); err != nil {
		t.Fatal(err)
	}
}

// walRecords is the number of records in the file's log.
func walRecords(t testing.TB, s *Store) int {
	t.Helper()
	n := 0
	if err := s.view(func(tx *bolt.Tx) error {
		return eachRecord(tx, func(_, _ []byte) error { n++; return nil })
	}); err != nil {
		t.Fatal(err)
	}
	return n
}

// bucketKeys is the number of keys in a pipeline's state bucket proper.
func bucketKeys(t testing.TB, s *Store, pipeline string) int {
	t.Helper()
	n := 0
	_ = s.view(func(tx *bolt.Tx) error {
		if bk := nested(tx, bucketPipelines, []byte(pipeline), subState); bk != nil {
			n = bk.Stats().KeyN
		}
		return nil
	})
	return n
}

// A model of the state (pipelines and dedupe sources, keys, values) against
// the store through random batches of puts, deletes and drops, small
// checkpoints, crashes (no checkpoint) and clean reopens: what LoadPipeline
// and LoadDedupe return, in key order, always equals the model, and so do
// Pipelines and DedupeSources.
func TestWALPropertyMatchesModel(t *testing.T) {
	for seed := range uint64(8) {
		t.Run(fmt.Sprint(seed), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(seed, 7))
			opts := Options{Path: filepath.Join(t.TempDir(), "agent.db"), CheckpointBytes: int64(1 + rng.IntN(4000))}
			if seed == 0 {
				opts.CheckpointBytes = -1 // no log: the same model holds
			}
			s := open(t, opts)
			type ns struct {
				dedupe bool
				name   string
			}
			model := map[ns]map[string]string{}
			names := []ns{{false, "p1"}, {false, "p2"}, {false, "view:x"}, {true, "src1"}, {true, "src2"}}
			checkpoints := 0
			for step := range 300 {
				b := s.NewBatch()
				next := map[ns]map[string]string{}
				for k, m := range model {
					next[k] = maps.Clone(m)
				}
				for range rng.IntN(30) {
					n := names[rng.IntN(len(names))]
					key := fmt.Sprintf("k%03d", rng.IntN(60))
					switch r := rng.IntN(100); {
					case r < 2 && !n.dedupe:
						b.DropPipeline(n.name)
						delete(next, n)
					case r < 3 && n.dedupe:
						b.DropDedupe(n.name)
						delete(next, n)
					case r < 30:
						if n.dedupe {
							b.DeleteDedupe(n.name, key)
						} else {
							b.Delete(n.name, []byte(key))
						}
						delete(next[n], key)
					default:
						v := fmt.Sprintf("v%d-%d", step, rng.IntN(1000))
						if n.dedupe {
							b.PutDedupe(n.name, key, []byte(v))
						} else {
							b.Put(n.name, []byte(key), []byte(v))
						}
						if next[n] == nil {
							next[n] = map[string]string{}
						}
						next[n][key] = v
					}
				}
				before := s.ov.records
				if err := s.Commit(b); err != nil {
					t.Fatal(err)
				}
				if s.ov.records < before {
					checkpoints++
				}
				model = next
				switch r := rng.IntN(20); {
				case r == 0:
					crash(t, s)
					s = open(t, opts)
				case r == 1:
					s = reopen(t, s)
					if n := walRecords(t, s); n != 0 {
						t.Fatalf("step %d: %d log records after a clean close", step, n)
					}
				}
				for _, n := range names {
					var got []string
					load := s.LoadPipeline
					if n.dedupe {
						load = s.LoadDedupe
					}
					if err := load(n.name, func(k, v []byte) error { got = append(got, string(k)+"="+string(v)); return nil }); err != nil {
						t.Fatal(err)
					}
					var want []string
					for k, v := range model[n] {
						want = append(want, k+"="+v)
					}
					slices.Sort(want)
					if !slices.Equal(got, want) {
						t.Fatalf("step %d %v:\n got %q\nwant %q", step, n, got, want)
					}
				}
				mustVerify(t, s)
			}
			if opts.CheckpointBytes > 0 && checkpoints == 0 {
				t.Fatalf("no checkpoint with CheckpointBytes %d", opts.CheckpointBytes)
			}
			t.Logf("checkpoint bytes %d: %d checkpoints", opts.CheckpointBytes, checkpoints)
		})
	}
}

// Commits below the threshold only append to the log; the state bucket
// itself fills at the checkpoint, each key once.
func TestWALCheckpoint(t *testing.T) {
	s := open(t, Options{CheckpointBytes: 10_000})
	for i := range 20 {
		commit(t, s, func(b *Batch) {
			for k := range 10 {
				b.Put("p", []byte(fmt.Sprintf("k%02d", k)), []byte(fmt.Sprintf("%030d", i)))
			}
		})
	}
	// 20 records of about 400 bytes: no checkpoint yet.
	if n, k := walRecords(t, s), bucketKeys(t, s, "p"); n != 20 || k != 0 {
		t.Fatalf("%d log records, %d bucket keys; want 20 and 0", n, k)
	}
	if st := state(t, s, "p"); len(st) != 10 || st["k03"] != fmt.Sprintf("%030d", 19) {
		t.Fatalf("state %v", st)
	}
	names, _ := s.Pipelines()
	if !slices.Equal(names, []string{"p"}) {
		t.Fatalf("pipelines %q: a pipeline only the log has is listed", names)
	}
	for range 10 {
		commit(t, s, func(b *Batch) { b.Put("p", []byte("k00"), make([]byte, 500)) })
	}
	if n, k := walRecords(t, s), bucketKeys(t, s, "p"); n >= 20 || k != 10 {
		t.Fatalf("after the threshold: %d log records, %d bucket keys; want fewer than 20 and 10", n, k)
	}
	si, err := s.Size()
	if err != nil || si.Checkpoints == 0 || si.LogRecords != walRecords(t, s) || si.LogBytes <= 0 || si.LogBytes > 10_000 {
		t.Fatalf("size %+v, %v", si, err)
	}
}

// A version 1 file (no log) opens, becomes version 2, and keeps its state.
func TestSchemaMigrationAddsLog(t *testing.T) {
	path := filepath.Join(t.TempDir(), "agent.db")
	s := open(t, Options{Path: path, CheckpointBytes: -1})
	commit(t, s, func(b *Batch) { b.Put("p", []byte("k"), []byte("v")) })
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	err = db.Update(func(tx *bolt.Tx) error {
		if err := tx.DeleteBucket(bucketWAL); err != nil {
			return err
		}
		return tx.Bucket(bucketSys).Put(keySchema, u64(1))
	})
	db.Close()
	if err != nil {
		t.Fatal(err)
	}
	s = open(t, Options{Path: path})
	if st := state(t, s, "p"); st["k"] != "v" {
		t.Fatalf("state %v", st)
	}
	commit(t, s, func(b *Batch) { b.Put("p", []byte("k2"), []byte("v2")) })
	var version uint64
	_ = s.view(func(tx *bolt.Tx) error {
		version = binary.BigEndian.Uint64(tx.Bucket(bucketSys).Get(keySchema))
		return nil
	})
	if version != SchemaVersion || walRecords(t, s) != 1 {
		t.Fatalf("schema %d, %d log records", version, walRecords(t, s))
	}
	mustVerify(t, s)
}

// A corrupt log record makes Open fail with ErrCorrupt, naming the file.
func TestWALCorruptRecord(t *testing.T) {
	path := filepath.Join(t.TempDir(), "agent.db")
	s := open(t, Options{Path: path})
	commit(t, s, func(b *Batch) { b.Put("p", []byte("k"), []byte("v")) })
	crash(t, s)
	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	err = db.Update(func(tx *bolt.Tx) error {
		return appendLog(tx, make([]byte, 8), []byte{walVersion, 1, 1, 'p', walPut, 0, 200})
	})
	db.Close()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Open(Options{Path: path}); err == nil || !errorsIs(err, ErrCorrupt) {
		t.Fatalf("open with a corrupt log record: %v", err)
	}
}

// FuzzWALRecord: any bytes either fail to decode with ErrCorrupt or give an
// overlay whose keys all read back.
func FuzzWALRecord(f *testing.F) {
	b := &Batch{}
	b.Put("p", []byte("k1"), []byte("v1"))
	b.Delete("p", []byte("k2"))
	b.PutDedupe("src", "dev", []byte{1, 2, 3})
	b.DeleteDedupe("src", "dev2")
	rec, _, _ := appendRecord(nil, b, nil)
	f.Add(rec)
	f.Add([]byte{walVersion, 0})
	f.Fuzz(func(t *testing.T, rec []byte) {
		var ov overlay
		if err := ov.apply(rec); err != nil {
			if !errorsIs(err, ErrCorrupt) {
				t.Fatalf("error %v is not ErrCorrupt", err)
			}
			return
		}
		for ns, b := range ov.ns {
			for _, k := range b.sortedKeys() {
				if r := b.refs[b.idx[k]]; r.off+r.n > len(ov.arena) || len(k) == 0 {
					t.Fatalf("%v key %q: ref %+v outside the arena", ns, k, r)
				}
			}
		}
	})
}

func errorsIs(err, target error) bool { return errors.Is(err, target) }
