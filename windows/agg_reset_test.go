package windows

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"testing"
)

// TestResetStateEqualsNew: a state reused after Reset behaves and encodes
// exactly as a new one, whatever it went through before: many inputs (an
// HLL turns dense, sketch bins widen), a merge of such a state, a decode.
// The operator recycles window states, and a restored run (fresh states)
// must continue as the original (recycled states) would.
func TestResetStateEqualsNew(t *testing.T) {
	histories := map[string]func(a Aggregate, s State, r *rand.Rand, gen genFunc){
		"many inputs": func(a Aggregate, s State, r *rand.Rand, gen genFunc) {
			for range 6000 {
				s.Add(gen(r), r.Int64N(1000))
			}
		},
		"merged a big state": func(a Aggregate, s State, r *rand.Rand, gen genFunc) {
			o := a.NewState()
			for range 6000 {
				o.Add(gen(r), r.Int64N(1000))
			}
			if err := s.Merge(o); err != nil {
				t.Fatal(err)
			}
		},
		"decoded": func(a Aggregate, s State, r *rand.Rand, gen genFunc) {
			o := a.NewState()
			for range 3000 {
				o.Add(gen(r), r.Int64N(1000))
			}
			if err := s.UnmarshalBinary(o.AppendBinary(nil)); err != nil {
				t.Fatal(err)
			}
		},
	}
	for _, pc := range propCases {
		a := mustAgg(t, pc.name, pc.args)
		for _, gname := range pc.gens {
			gen := propGens[gname]
			for hname, history := range histories {
				t.Run(fmt.Sprintf("%s/%s/%s", pc.name, gname, hname), func(t *testing.T) {
					r := rand.New(rand.NewPCG(7, 11))
					used := a.NewState()
					history(a, used, r, gen)
					used.Reset()
					fresh := a.NewState()
					for _, n := range []int{0, 1, 7, 300} {
						for range n {
							v, ts := gen(r), r.Int64N(1000)
							used.Add(v, ts)
							fresh.Add(v, ts)
						}
						if got, want := used.AppendBinary(nil), fresh.AppendBinary(nil); !bytes.Equal(got, want) {
							t.Fatalf("after %d more inputs: reset state encodes\n% x\nnew state\n% x", n, got, want)
						}
						if got, want := used.Result(), fresh.Result(); !sameValue(got, want) {
							t.Fatalf("after %d more inputs: reset state %v, new state %v", n, got, want)
						}
					}
				})
			}
		}
	}
}
