package bytesize

import "testing"

func TestParse(t *testing.T) {
	f := func(in string, want int64, ok bool) {
		t.Helper()
		got, err := Parse(in)
		if (err == nil) != ok || got != want {
			t.Fatalf("Parse(%q) = %d, %v; want %d, ok %v", in, got, err, want, ok)
		}
	}
	f("1048576", 1048576, true)
	f("512KiB", 512<<10, true)
	f(" 64 MiB ", 64<<20, true)
	f("1GiB", 1<<30, true)
	f("10MB", 10e6, true)
	f("1kb", 1000, true)
	f("1.5KiB", 1536, true)
	f("7b", 7, true)
	f("", 0, false)
	f("-1MiB", 0, false)
	f("NaN", 0, false)
	f("12 parsecs", 0, false)
	f("1e30TiB", 0, false)
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{"1", "512KiB", "1.5GB", "x", "-3mb", "1e400"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, err := Parse(s)
		if err == nil && (n < 0 || n > 1<<62) {
			t.Fatalf("Parse(%q) = %d", s, n)
		}
	})
}
