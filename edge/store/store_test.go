package store

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

func TestReopenRestoresEverything(t *testing.T) {
	clk := newClock()
	s := open(t, Options{Now: clk.Now})
	commit(t, s, func(b *Batch) {
		b.Put("temp_1m", []byte("k1"), []byte("v1"))
		b.Put("temp_1m", []byte("k2"), []byte("v2"))
		b.Put("hum_5m", []byte("k1"), []byte("h1"))
		b.PutPipelineMeta("temp_1m", "watermark", []byte("wm1"))
		b.PutDedupe("sensors", "dev-1", []byte{1, 2, 3})
		b.PutDedupe("sensors", "dev-2", []byte{4})
		b.PutMeta("config_version", []byte("7"))
		b.AddCounter("events_in", 500)
		b.Enqueue(Routine, []byte("r1"))
		b.Enqueue(Alert, []byte("a1"))
		b.AddDeadLetter(DeadLetter{Topic: "t/1", Reason: "malformed_json", Payload: []byte("{x"), Message: "bad"})
	})
	commit(t, s, func(b *Batch) {
		b.Delete("temp_1m", []byte("k2"))
		b.Put("temp_1m", []byte("k3"), []byte("v3"))
		b.AddCounter("events_in", 20)
	})
	s = reopen(t, s)
	mustVerify(t, s)
	if got := state(t, s, "temp_1m"); len(got) != 2 || got["k1"] != "v1" || got["k3"] != "v3" {
		t.Fatalf("temp_1m state %v", got)
	}
	if got := state(t, s, "hum_5m"); got["k1"] != "h1" {
		t.Fatalf("hum_5m state %v", got)
	}
	if wm, _ := s.PipelineMeta("temp_1m", "watermark"); string(wm) != "wm1" {
		t.Fatalf("watermark %q", wm)
	}
	dd := map[string][]byte{}
	if err := s.LoadDedupe("sensors", func(d, st []byte) error { dd[string(d)] = bytes.Clone(st); return nil }); err != nil {
		t.Fatal(err)
	}
	if len(dd) != 2 || !bytes.Equal(dd["dev-1"], []byte{1, 2, 3}) {
		t.Fatalf("dedupe %v", dd)
	}
	if v, _ := s.Meta("config_version"); string(v) != "7" {
		t.Fatalf("meta %q", v)
	}
	if v, _ := s.Meta("absent"); v != nil {
		t.Fatalf("absent meta %q", v)
	}
	if n, _ := s.Counter("events_in"); n != 520 {
		t.Fatalf("counter %d", n)
	}
	if got := payloads(peekAll(t, s)); got != "1/1:a1 0/1:r1" {
		t.Fatalf("outbox %s", got)
	}
	if dl, _ := s.DeadLetters(10); len(dl) != 1 || dl[0].Reason != "malformed_json" || !dl[0].Time.Equal(clk.Now()) {
		t.Fatalf("dead letters %+v", dl)
	}
	if p, _ := s.Pipelines(); len(p) != 2 {
		t.Fatalf("pipelines %v", p)
	}
}

func TestDropPipeline(t *testing.T) {
	s := open(t, Options{})
	commit(t, s, func(b *Batch) {
		b.Put("a", []byte("k"), []byte("v"))
		b.PutPipelineMeta("a", "m", []byte("x"))
		b.Put("b", []byte("k"), []byte("v"))
		b.PutDedupe("src", "d", []byte{1})
	})
	commit(t, s, func(b *Batch) {
		b.DropPipeline("a")
		b.DropPipeline("never-existed")
		b.DropDedupe("src")
		b.Put("a", []byte("k2"), []byte("v2")) // after the drop: starts afresh
	})
	if got := state(t, s, "a"); len(got) != 1 || got["k2"] != "v2" {
		t.Fatalf("state after drop %v", got)
	}
	if m, _ := s.PipelineMeta("a", "m"); m != nil {
		t.Fatalf("meta survived the drop: %q", m)
	}
	if src, _ := s.DedupeSources(); len(src) != 0 {
		t.Fatalf("dedupe sources %v", src)
	}
}

func TestBatchReset(t *testing.T) {
	s := open(t, Options{})
	b := s.NewBatch()
	for i := range 3 {
		b.Reset()
		b.Put("p", []byte{byte('a' + i)}, []byte{byte(i)})
		b.Enqueue(Routine, []byte{byte(i)})
		if err := s.Commit(b); err != nil {
			t.Fatal(err)
		}
		if len(b.Enqueued()) != 1 || b.Enqueued()[0].Seq != uint64(i+1) {
			t.Fatalf("enqueued %v", b.Enqueued())
		}
	}
	if got := state(t, s, "p"); len(got) != 3 {
		t.Fatalf("state %v", got)
	}
}

func TestInvalidBatchWritesNothing(t *testing.T) {
	f := func(name string, fill func(b *Batch)) {
		t.Helper()
		s := open(t, Options{})
		b := s.NewBatch()
		b.Put("ok", []byte("k"), []byte("v"))
		fill(b)
		if err := s.Commit(b); !errors.Is(err, ErrInvalid) {
			t.Fatalf("%s: err %v, want ErrInvalid", name, err)
		}
		if got := state(t, s, "ok"); len(got) != 0 {
			t.Fatalf("%s: partial write %v", name, got)
		}
	}
	f("empty pipeline", func(b *Batch) { b.Put("", []byte("k"), nil) })
	f("empty key", func(b *Batch) { b.Put("p", nil, nil) })
	f("huge key", func(b *Batch) { b.Delete("p", make([]byte, bolt.MaxKeySize+1)) })
	f("priority", func(b *Batch) { b.Enqueue(NumPriorities, []byte("x")) })
	f("no reason", func(b *Batch) { b.AddDeadLetter(DeadLetter{Topic: "t"}) })
	f("empty device", func(b *Batch) { b.PutDedupe("s", "", nil) })
}

func TestLocked(t *testing.T) {
	s := open(t, Options{})
	start := time.Now()
	_, err := Open(Options{Path: s.Path(), LockTimeout: 100 * time.Millisecond})
	if !errors.Is(err, ErrLocked) || !strings.Contains(err.Error(), s.Path()) {
		t.Fatalf("second open: %v", err)
	}
	if time.Since(start) < 40*time.Millisecond { // bbolt retries every 50 ms until timeout-50ms
		t.Fatal("did not wait for the lock")
	}
	// The first store is unharmed.
	commit(t, s, func(b *Batch) { b.PutMeta("k", []byte("v")) })
}

func TestSchemaTooNew(t *testing.T) {
	path := filepath.Join(t.TempDir(), "agent.db")
	s, err := Open(Options{Path: path})
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	err = db.Update(func(tx *bolt.Tx) error { return tx.Bucket(bucketSys).Put(keySchema, u64(SchemaVersion+1)) })
	db.Close()
	if err != nil {
		t.Fatal(err)
	}
	before := fileHash(t, path)
	_, err = Open(Options{Path: path})
	if !errors.Is(err, ErrSchemaTooNew) || !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), fmt.Sprintf("schema version %d", SchemaVersion+1)) {
		t.Fatalf("open: %v", err)
	}
	if fileHash(t, path) != before {
		t.Fatal("refusing to open modified the file")
	}
}

func TestNotAStore(t *testing.T) {
	dir := t.TempDir()
	other := filepath.Join(dir, "other.db")
	db, err := bolt.Open(other, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	_ = db.Update(func(tx *bolt.Tx) error { _, err := tx.CreateBucket([]byte("foo")); return err })
	db.Close()
	if _, err := Open(Options{Path: other}); !errors.Is(err, ErrNotStore) {
		t.Fatalf("foreign bbolt file: %v", err)
	}
	junk := filepath.Join(dir, "junk.db")
	if err := os.WriteFile(junk, bytes.Repeat([]byte("not a database "), 1000), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(Options{Path: junk}); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("junk file: %v", err)
	}
}

func TestOptions(t *testing.T) {
	f := func(o Options) {
		t.Helper()
		if _, err := Open(o); !errors.Is(err, ErrInvalid) {
			t.Fatalf("%+v: %v", o, err)
		}
	}
	dir := t.TempDir()
	f(Options{})
	f(Options{Path: filepath.Join(dir, "a"), MaxSize: 1000})
	f(Options{Path: filepath.Join(dir, "a"), Outbox: OutboxOptions{QuotaBytes: -1}})
	f(Options{Path: filepath.Join(dir, "a"), Outbox: OutboxOptions{Policy: 9}})
	if p, err := ParsePolicy("drop_oldest"); err != nil || p != DropOldest {
		t.Fatal(p, err)
	}
	if _, err := ParsePolicy("drop_newest"); !errors.Is(err, ErrInvalid) {
		t.Fatal(err)
	}
}

func TestClosed(t *testing.T) {
	s := open(t, Options{})
	s.Close()
	if err := s.Commit(s.NewBatch()); !errors.Is(err, ErrClosed) {
		t.Fatalf("commit after close: %v", err)
	}
	if _, err := s.Peek(1, 1); !errors.Is(err, ErrClosed) {
		t.Fatalf("peek after close: %v", err)
	}
	if err := s.LoadPipeline("p", nil); !errors.Is(err, ErrClosed) {
		t.Fatalf("load after close: %v", err)
	}
}

func fileHash(t *testing.T, path string) [32]byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return sha256.Sum256(b)
}
