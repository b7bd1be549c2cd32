package simulate

import (
	"bytes"
	"strconv"
	"testing"
)

// TestExpectBruteForce recomputes Expect the slow way: for every device and
// every window in the stream's span, scan all messages, and sum in integer
// sixteenths of a degree read straight from the payload text.
func TestExpectBruteForce(t *testing.T) {
	for _, tc := range []struct {
		cfg    Config
		window int64
	}{
		{testCfg, 10000},
		{testCfg, 7000}, // windows not a multiple of the interval
		{Config{Devices: 7, Seed: 11, Readings: 90, Interval: 20000, Disorder: 30000, DupRate: 0.05, MalformedRate: 0.05}, 60000},
		{Config{Devices: 3, Seed: 5, Readings: 5, Start: 1732406399500}, 1000}, // start not aligned
	} {
		got := Expect(tc.cfg, tc.window)
		msgs := all(tc.cfg)
		lo, hi := int64(1<<62), int64(0)
		for _, m := range msgs {
			if m.Kind == Good {
				lo, hi = min(lo, m.Time), max(hi, m.Time)
			}
		}
		windows := 0
		for d := range tc.cfg.Devices {
			dev := DeviceName(d)
			for w := lo - lo%tc.window; w <= hi; w += tc.window {
				var n, sum16, min16, max16 int64
				for _, m := range msgs {
					if m.Kind != Good || m.Device != dev || m.Time < w || m.Time >= w+tc.window {
						continue
					}
					v := temp16(t, m.Payload)
					if n == 0 {
						min16, max16 = v, v
					}
					n++
					sum16 += v
					min16, max16 = min(min16, v), max(max16, v)
				}
				a, ok := got[WindowKey{dev, w}]
				if n == 0 {
					if ok {
						t.Fatalf("%+v: Expect has window %s@%d, which holds no reading", tc.cfg, dev, w)
					}
					continue
				}
				windows++
				want := Agg{Count: n, Sum: float64(sum16) / 16, Min: float64(min16) / 16, Max: float64(max16) / 16}
				if a != want {
					t.Fatalf("%+v: window %s@%d: Expect %+v, brute force %+v", tc.cfg, dev, w, a, want)
				}
			}
		}
		if windows != len(got) {
			t.Fatalf("%+v: Expect has %d windows, brute force %d", tc.cfg, len(got), windows)
		}
	}
}

// temp16 reads temp from a good payload's text as an exact count of
// sixteenths.
func temp16(t *testing.T, p []byte) int64 {
	t.Helper()
	_, rest, _ := bytes.Cut(p, []byte(`"temp":`))
	text := string(rest[:bytes.IndexByte(rest, ',')])
	f, err := strconv.ParseFloat(text, 64)
	if err != nil || f*16 != float64(int64(f*16)) {
		t.Fatalf("temp %q in %s is not a multiple of 1/16", text, p)
	}
	return int64(f * 16)
}

func TestExpectSumIsOrderIndependent(t *testing.T) {
	// Adding the same readings in reverse gives bit-identical sums: what
	// makes an == comparison with the agent's sum(temp) fair.
	var temps []float64
	for _, m := range all(testCfg) {
		if m.Kind == Good && m.Device == "d0003" {
			temps = append(temps, float64(temp16(t, m.Payload))/16)
		}
	}
	var fwd, rev float64
	for i := range temps {
		fwd += temps[i]
		rev += temps[len(temps)-1-i]
	}
	if fwd != rev {
		t.Fatalf("sum %v forward, %v backward", fwd, rev)
	}
}
