package ingest

import (
	"math/rand/v2"
	"testing"
)

func TestRedeliveredRingPersistsAndEvicts(t *testing.T) {
	r := NewRedelivered(4)
	msgs := make([]Message, 6)
	for i := range msgs {
		msgs[i] = Message{ID: uint16(i % 3), Topic: "t", Payload: []byte{byte(i)}}
	}
	store := map[string][]byte{}
	persist := func() {
		r.Changed(func(k, v []byte) { store[string(k)] = append([]byte(nil), v...) })
	}
	for i := 0; i < 6; i++ {
		r.Add(FingerprintOf(&msgs[i]))
	}
	persist()
	for i := 0; i < 6; i++ {
		want := i >= 2 // a ring of 4 keeps the last 4
		if got := r.Seen(FingerprintOf(&msgs[i])); got != want {
			t.Fatalf("msg %d seen=%v want %v", i, got, want)
		}
	}
	// Same packet id, other payload: not a redelivery.
	if r.Seen(FingerprintOf(&Message{ID: 2, Topic: "t", Payload: []byte{99}})) {
		t.Fatal("other payload with a reused id reported as seen")
	}
	// Restore into a fresh ring: same answers, and new adds continue the ring position.
	r2 := NewRedelivered(4)
	for k, v := range store {
		if err := r2.Restore([]byte(k), v); err != nil {
			t.Fatal(err)
		}
	}
	for i := 0; i < 6; i++ {
		if r2.Seen(FingerprintOf(&msgs[i])) != (i >= 2) {
			t.Fatalf("restored ring disagrees on msg %d", i)
		}
	}
	r2.Add(FingerprintOf(&Message{ID: 7, Topic: "t"}))
	if r2.Seen(FingerprintOf(&msgs[2])) || !r2.Seen(FingerprintOf(&msgs[3])) {
		t.Fatal("restored ring did not evict the oldest slot next")
	}
	if err := r2.Restore([]byte{1}, []byte{1}); err == nil {
		t.Fatal("corrupt entry accepted")
	}
}

func TestRedeliveredMatchesModel(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	const n = 64
	r := NewRedelivered(n)
	var hist []Fingerprint
	for i := 0; i < 5000; i++ {
		f := Fingerprint{ID: uint16(rng.IntN(50)), Hash: rng.Uint64N(8)}
		r.Add(f)
		hist = append(hist, f)
		q := Fingerprint{ID: uint16(rng.IntN(50)), Hash: rng.Uint64N(8)}
		want := false
		for _, h := range hist[max(0, len(hist)-n):] {
			want = want || h == q
		}
		if r.Seen(q) != want {
			t.Fatalf("step %d: Seen(%v) = %v, want %v", i, q, !want, want)
		}
	}
}
