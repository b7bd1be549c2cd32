package dedupe

import (
	"fmt"
	"math/rand/v2"
	"sort"
	"testing"
)

type event struct {
	dev        string
	epoch, seq uint64
	first      bool // first occurrence in the stream
	restart    bool // first occurrence of a new epoch
}

// genStream makes a stream for nDev devices: each device sends epochs of
// in-order sequence numbers starting at 0, every event displaced by at most
// reorder positions (within its epoch), and with probability dupP an event
// is followed, within dupDelay positions, by a copy. All of it stays within
// 2*reorder+dupDelay < W of the newest sequence number.
func genStream(r *rand.Rand, nDev, perEpoch, epochs, reorder, dupDelay int, dupP float64) []event {
	var out []event
	for e := 0; e < epochs; e++ {
		type keyed struct {
			k  float64
			ev event
		}
		var ks []keyed
		for d := 0; d < nDev; d++ {
			for s := 0; s < perEpoch; s++ {
				ev := event{dev: fmt.Sprint("dev-", d), epoch: uint64(e + 1), seq: uint64(s)}
				ks = append(ks, keyed{float64(s) + r.Float64()*float64(reorder), ev})
			}
		}
		sort.SliceStable(ks, func(i, j int) bool { return ks[i].k < ks[j].k })
		// Within an epoch, displacement is bounded per device by reorder.
		var ep []event
		for _, k := range ks {
			ep = append(ep, k.ev)
		}
		// Duplicates: insert copies a little later.
		for i := 0; i < len(ep); i++ {
			if !ep[i].first && r.Float64() < dupP {
				at := min(len(ep), i+1+r.IntN(dupDelay*nDev))
				dup := ep[i]
				ep = append(ep[:at], append([]event{dup}, ep[at:]...)...)
			}
		}
		out = append(out, ep...)
	}
	seen := map[event]bool{}
	epochSeen := map[string]uint64{}
	for i := range out {
		k := out[i]
		k.first, k.restart = false, false
		if !seen[k] {
			seen[k] = true
			out[i].first = true
			if epochSeen[k.dev] != k.epoch {
				out[i].restart = epochSeen[k.dev] != 0
				epochSeen[k.dev] = k.epoch
			}
		}
	}
	return out
}

func want(ev event) Verdict {
	switch {
	case !ev.first:
		return Duplicate
	case ev.restart:
		return Restarted
	}
	return New
}

func TestPropertyExactDuplicates(t *testing.T) {
	for seed := uint64(0); seed < 40; seed++ {
		r := rand.New(rand.NewPCG(seed, 7))
		stream := genStream(r, 1+r.IntN(5), 50+r.IntN(400), 1+r.IntN(3), 1+r.IntN(16), 1+r.IntN(12), 0.1)
		tr, _ := NewTracker(Config{Window: 64})
		dups := 0
		for i, ev := range stream {
			got := tr.Observe(ev.dev, ev.epoch, ev.seq)
			if got != want(ev) {
				t.Fatalf("seed %d event %d %+v: got %v, want %v", seed, i, ev, got, want(ev))
			}
			if !ev.first {
				dups++
			}
		}
		if dups == 0 || int(tr.Count(Duplicate)) != dups {
			t.Fatalf("seed %d: %d duplicates in the stream, %d flagged", seed, dups, tr.Count(Duplicate))
		}
	}
}

// TestPropertySaveRestore persists the dirty devices every few events into a
// map standing for the store, and now and then throws the tracker away and
// loads a new one from the map: the verdicts must equal an uninterrupted run.
func TestPropertySaveRestore(t *testing.T) {
	for seed := uint64(0); seed < 40; seed++ {
		r := rand.New(rand.NewPCG(seed, 11))
		stream := genStream(r, 1+r.IntN(5), 50+r.IntN(400), 1+r.IntN(3), 1+r.IntN(16), 1+r.IntN(12), 0.1)
		cfg := Config{Window: 64 * (1 + r.IntN(3))}
		ref, _ := NewTracker(cfg)
		tr, _ := NewTracker(cfg)
		disk := map[string][]byte{}
		restarts := 0
		for i, ev := range stream {
			if g, w := tr.Observe(ev.dev, ev.epoch, ev.seq), ref.Observe(ev.dev, ev.epoch, ev.seq); g != w {
				t.Fatalf("seed %d event %d %+v: restored tracker says %v, uninterrupted %v", seed, i, ev, g, w)
			}
			if r.IntN(7) == 0 { // commit
				tr.EachDirty(func(d string, st []byte) { disk[d] = append([]byte(nil), st...) })
				tr.ClearDirty()
				if r.IntN(5) == 0 { // crash after the commit
					tr, _ = NewTracker(cfg)
					for d, st := range disk {
						if err := tr.Load(d, st); err != nil {
							t.Fatal(err)
						}
					}
					restarts++
				}
			}
		}
		if restarts == 0 && len(stream) > 200 {
			t.Fatalf("seed %d: no restart exercised", seed)
		}
	}
}
