package store

import (
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"testing"

	bolt "go.etcd.io/bbolt"
)

// Results arrive roughly in time order, each batch for a few recent
// windows from many agents in no order, some replacing earlier revisions:
// the results pages must come out well over half full (bbolt's default
// split leaves them at 57% here, 43% in BenchmarkAggregatorIngest), which
// would inflate the file and the bytes every commit writes. Memberships
// are logged only: their keys are random within a window, and they stay
// near 70% either way.
func TestPagesStayFull(t *testing.T) {
	s, err := Open(filepath.Join(t.TempDir(), "central.db"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	rng := rand.New(rand.NewPCG(1, 2))
	row := make([]byte, 480)
	for i := range row {
		row[i] = 'a' + byte(i%26)
	}
	const minute = 60_000
	for batch := range 40 {
		err := s.Update(func(tx *Tx) error {
			for _, i := range rng.Perm(1000) {
				start := int64(batch/4+i%3) * minute // three recent windows
				agent := fmt.Sprintf("gw-%04d", i)
				k := TimeKey(nil, start)
				k = append(append(k, agent...), 0, 'd')
				if err := tx.PutResult("telemetry", k, 0, row); err != nil {
					return err
				}
				wk := WindowKey(nil, start, []byte("site-a"))
				if err := tx.PutMember("fleet", wk, []byte(agent), row[:100]); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	err = s.db.View(func(btx *bolt.Tx) error {
		for _, path := range [][]string{{"results", "telemetry"}, {"fleet", "fleet", "members"}} {
			b := btx.Bucket([]byte(path[0]))
			for _, p := range path[1:] {
				b = b.Bucket([]byte(p))
			}
			st := b.Stats()
			fill := float64(st.LeafInuse) / float64((st.LeafPageN+st.LeafOverflowN)*btx.DB().Info().PageSize)
			t.Logf("%v: %d keys, %d leaf pages, %.0f%% full", path, st.KeyN, st.LeafPageN, 100*fill)
			if path[0] == "results" && fill < 0.65 {
				t.Errorf("%v: leaf pages %.0f%% full, want ≥ 65%%", path, 100*fill)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
