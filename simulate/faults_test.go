package simulate

import (
	"bytes"
	"testing"
)

// TestClockSkew: each device's payload times are its true times shifted by
// a constant within ±ClockSkew, and the disorder bound holds per device.
func TestClockSkew(t *testing.T) {
	cfg := testCfg
	cfg.ClockSkew = 5000
	plain := map[[2]int64]int64{} // (device index, seq) → true time
	for _, m := range all(testCfg) {
		if m.Kind == Good {
			plain[[2]int64{int64(devIndex(m.Device)), m.Seq}] = m.Time
		}
	}
	offsets := map[string]int64{}
	newest := map[string]int64{}
	nonzero := 0
	for _, m := range all(cfg) {
		if m.Kind == Malformed {
			continue
		}
		off := m.Time - plain[[2]int64{int64(devIndex(m.Device)), m.Seq}]
		if o, ok := offsets[m.Device]; ok && o != off {
			t.Fatalf("%s: skew %d, earlier %d: a device's skew is constant", m.Device, off, o)
		}
		if off < -cfg.ClockSkew || off > cfg.ClockSkew {
			t.Fatalf("%s: skew %d outside ±%d", m.Device, off, cfg.ClockSkew)
		}
		if _, ok := offsets[m.Device]; !ok && off != 0 {
			nonzero++
		}
		offsets[m.Device] = off
		if n, ok := newest[m.Device]; ok && m.Time < n-cfg.Disorder {
			t.Fatalf("%s seq %d: ts %d more than %d behind the device's newest %d", m.Device, m.Seq, m.Time, cfg.Disorder, n)
		}
		newest[m.Device] = max(newest[m.Device], m.Time)
	}
	if nonzero < cfg.Devices/2 {
		t.Fatalf("only %d of %d devices have a skew", nonzero, cfg.Devices)
	}
}

func devIndex(name string) int {
	n := 0
	for _, c := range name[1:] {
		n = n*10 + int(c-'0')
	}
	return n
}

// TestDropouts: a share of the devices misses a run of consecutive
// readings, which are never sent (good, duplicate or malformed), and Expect
// counts exactly what was sent.
func TestDropouts(t *testing.T) {
	cfg := testCfg
	cfg.DropoutRate, cfg.DropoutReadings = 0.4, 7
	seqs := map[string][]int64{}
	var good int64
	for _, m := range all(cfg) {
		if m.Kind == Good {
			seqs[m.Device] = append(seqs[m.Device], m.Seq)
			good++
		}
	}
	dropped := 0
	for d := range cfg.Devices {
		name := DeviceName(d)
		seen := map[int64]bool{}
		for _, s := range seqs[name] {
			seen[s] = true
		}
		var missing []int64
		for s := int64(1); s <= int64(cfg.Readings); s++ {
			if !seen[s] {
				missing = append(missing, s)
			}
		}
		if len(missing) == 0 {
			continue
		}
		dropped++
		if last := missing[len(missing)-1]; last-missing[0] != int64(len(missing)-1) ||
			len(missing) != cfg.DropoutReadings && last != int64(cfg.Readings) {
			t.Fatalf("%s misses %v: want one run of %d (shorter only at the end)", name, missing, cfg.DropoutReadings)
		}
	}
	if dropped < cfg.Devices/5 || dropped > cfg.Devices*3/5 {
		t.Fatalf("%d of %d devices dropped out, want about 40%%", dropped, cfg.Devices)
	}
	var want int64
	for _, a := range Expect(cfg, 10_000) {
		want += a.Count
	}
	if want != good {
		t.Fatalf("Expect counts %d readings, %d good were sent", want, good)
	}
}

// TestLimit: a limited generator is the prefix of the full stream.
func TestLimit(t *testing.T) {
	full := all(testCfg)
	g := New(testCfg)
	g.Limit(100)
	n := 0
	for {
		m, ok := g.Next()
		if !ok {
			break
		}
		if !bytes.Equal(m.Payload, full[n].Payload) || m.Topic != full[n].Topic {
			t.Fatalf("message %d differs from the full stream's", n)
		}
		n++
	}
	if n != 100 {
		t.Fatalf("%d messages, want 100", n)
	}
}
