package windows

import (
	"errors"
	"math"
	"slices"
	"testing"
)

func TestKeyRoundTrip(t *testing.T) {
	f := func(vals ...Value) {
		t.Helper()
		b := AppendKey(nil, vals...)
		got, err := DecodeKey(nil, b)
		if err != nil {
			t.Fatalf("DecodeKey(%v): %v", vals, err)
		}
		if len(got) != len(vals) {
			t.Fatalf("got %v, want %v", got, vals)
		}
		for i := range vals {
			if !sameValue(got[i], vals[i]) {
				t.Fatalf("value %d: got %v, want %v", i, got[i], vals[i])
			}
		}
	}
	f()
	f(Null)
	f(String("site-1"), String("dev-42"))
	f(Int(0), Int(-1), Int(math.MaxInt64), Int(math.MinInt64))
	f(Float(1.5), Float(math.Copysign(0, -1)), Float(math.Inf(-1)))
	f(Bool(true), Bool(false), Null, String(""))
	f(String("a\x00b"), Int(7))
}

func TestKeyDistinct(t *testing.T) {
	// Keys that must not collide.
	keys := [][]Value{
		{String("ab"), String("c")},
		{String("a"), String("bc")},
		{String("abc")},
		{Int(1)},
		{Float(1)},
		{Bool(true)},
		{Null},
		{},
	}
	seen := map[string]int{}
	for i, k := range keys {
		b := string(AppendKey(nil, k...))
		if j, ok := seen[b]; ok {
			t.Fatalf("keys %v and %v encode the same", keys[j], k)
		}
		seen[b] = i
	}
}

func TestDecodeKeyErrors(t *testing.T) {
	f := func(b []byte) {
		t.Helper()
		if _, err := DecodeKey(nil, b); !errors.Is(err, ErrKey) {
			t.Fatalf("DecodeKey(%x) = %v, want ErrKey", b, err)
		}
	}
	f([]byte{9})
	f([]byte{byte(KindInt)})
	f([]byte{byte(KindFloat), 1, 2})
	f([]byte{byte(KindString), 5, 'a'})
	f([]byte{byte(KindBool), 2})
	f([]byte{byte(KindBool)})
}

func TestAppendKeyDoesNotAllocate(t *testing.T) {
	buf := make([]byte, 0, 64)
	vals := []Value{String("site-1"), Int(42)}
	n := testing.AllocsPerRun(100, func() { buf = AppendKey(buf[:0], vals...) })
	if n != 0 {
		t.Fatalf("AppendKey allocates %v times", n)
	}
	dst := make([]Value, 0, 4)
	n = testing.AllocsPerRun(100, func() { dst, _ = DecodeKey(dst[:0], AppendKey(buf[:0], Int(1), Float(2))) })
	if n != 0 {
		t.Fatalf("DecodeKey of numbers allocates %v times", n)
	}
}

func FuzzDecodeKey(f *testing.F) {
	f.Add(AppendKey(nil, String("site"), Int(-3), Float(2.5), Bool(true), Null))
	f.Add([]byte{byte(KindString), 0xff, 0xff, 0xff, 0xff, 0x0f})
	f.Fuzz(func(t *testing.T, b []byte) {
		vals, err := DecodeKey(nil, b)
		if err != nil {
			return
		}
		// Whatever decodes re-encodes to the same bytes.
		if again := AppendKey(nil, vals...); !slices.Equal(again, b) {
			t.Fatalf("%x decodes to %v which encodes to %x", b, vals, again)
		}
	})
}
