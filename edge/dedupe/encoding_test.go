package dedupe

import (
	"bytes"
	"errors"
	"testing"
)

func TestDecodeErrors(t *testing.T) {
	f := func(b []byte, want error) {
		t.Helper()
		tr, _ := NewTracker(Config{})
		if err := tr.Load("d", b); !errors.Is(err, want) {
			t.Fatalf("%x: err %v, want %v", b, err, want)
		}
	}
	f(nil, ErrCorrupt)
	f([]byte{2, 0x80, 8}, ErrVersion)
	f([]byte{1}, ErrCorrupt)
	f([]byte{1, 100, 0, 0, 0}, ErrCorrupt)                           // window not a multiple of 64
	f([]byte{1, 64, 0, 5}, ErrCorrupt)                               // no mode
	f([]byte{1, 64, 0, 5, 2}, ErrCorrupt)                            // unknown mode
	f([]byte{1, 64, 0, 5, 0, 6, 1, 1, 1, 1, 1, 1}, ErrCorrupt)       // 6 holes in 6 numbers
	f([]byte{1, 64, 0, 5, 0, 1, 0}, ErrCorrupt)                      // hole at highest
	f([]byte{1, 64, 0, 5, 0, 1, 6}, ErrCorrupt)                      // hole below seq 0
	f([]byte{1, 64, 0, 5, 0, 1, 5, 9}, ErrCorrupt)                   // trailing byte
	f([]byte{1, 64, 0, 5, 0, 1, 5}, nil)                             // hole at seq 0
	f([]byte{1, 64, 0, 5, 1, 0x7f, 0, 0, 0, 0, 0, 0, 0}, ErrCorrupt) // bit 6 set beyond highest 5
	f([]byte{1, 64, 0, 5, 1, 0x3f, 0, 0, 0, 0, 0, 0}, ErrCorrupt)    // short word
	f([]byte{1, 64, 0, 5, 1, 0x3f, 0, 0, 0, 0, 0, 0, 0}, nil)
}

func TestRoundTrip(t *testing.T) {
	tr, _ := NewTracker(Config{Window: 128})
	for _, s := range []uint64{3, 9, 200, 150, 100, 99, 199, 73} {
		tr.Observe("d", 5, s)
	}
	a, _ := tr.AppendState(nil, "d")
	tr2, _ := NewTracker(Config{Window: 128})
	if err := tr2.Load("d", a); err != nil {
		t.Fatal(err)
	}
	b, _ := tr2.AppendState(nil, "d")
	if !bytes.Equal(a, b) {
		t.Fatalf("round trip: %x != %x", a, b)
	}
	for s := uint64(60); s <= 210; s++ {
		if g, w := tr2.Observe("d", 5, s), tr.Observe("d", 5, s); g != w {
			t.Fatalf("seq %d: restored %v, original %v", s, g, w)
		}
	}
}

// FuzzDecode: no input panics, and whatever decodes re-encodes to a state
// that decodes to the same thing (encode is canonical).
func FuzzDecode(f *testing.F) {
	tr, _ := NewTracker(Config{Window: 128})
	for _, s := range []uint64{3, 9, 200, 150, 100, 99, 199, 73} {
		tr.Observe("d", 5, s)
		b, _ := tr.AppendState(nil, "d")
		f.Add(b)
	}
	f.Add([]byte{1, 64, 0, 5, 1, 0x3f, 0, 0, 0, 0, 0, 0, 0})
	f.Add([]byte{1, 64, 0, 5, 0, 1, 5})
	f.Fuzz(func(t *testing.T, b []byte) {
		tr, _ := NewTracker(Config{Window: 128})
		if err := tr.Load("d", b); err != nil {
			if !errors.Is(err, ErrCorrupt) && !errors.Is(err, ErrVersion) {
				t.Fatalf("unexpected error type %v", err)
			}
			return
		}
		e1, _ := tr.AppendState(nil, "d")
		tr2, _ := NewTracker(Config{Window: 128})
		if err := tr2.Load("d", e1); err != nil {
			t.Fatalf("re-encoded state does not decode: %v", err)
		}
		e2, _ := tr2.AppendState(nil, "d")
		if !bytes.Equal(e1, e2) {
			t.Fatalf("not canonical: %x then %x", e1, e2)
		}
	})
}
