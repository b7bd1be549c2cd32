package fleet_test

import (
	"encoding/json"
	"fmt"
	"math"
	"path/filepath"
	"testing"

	"github.com/eddy-iot/eddy/aggregator/fleet"
	"github.com/eddy-iot/eddy/aggregator/internal/fleettest"
	"github.com/eddy-iot/eddy/aggregator/store"
)

func openStore(t *testing.T) *store.Store {
	t.Helper()
	st, err := store.Open(filepath.Join(t.TempDir(), "agg.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

func engine(t testing.TB) *fleet.Engine {
	t.Helper()
	e, err := fleet.New([]fleet.Program{{Name: "fleet.sql", SQL: fleettest.FleetSQL}})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// apply feeds msgs in batches of n, one transaction each.
func apply(t *testing.T, st *store.Store, e *fleet.Engine, msgs []fleettest.Msg, n int) fleet.Stats {
	t.Helper()
	var total fleet.Stats
	for i := 0; i < len(msgs); i += n {
		err := st.Update(func(tx *store.Tx) error {
			b := e.Begin(tx, math.MinInt64)
			for _, m := range msgs[i:min(i+n, len(msgs))] {
				if err := b.Add(m.Value); err != nil {
					return err
				}
			}
			if _, err := b.Finish(); err != nil {
				return err
			}
			if b.Stats.Bad > 0 {
				t.Errorf("bad rows: %d, last: %v", b.Stats.Bad, b.LastErr)
			}
			addStats(&total, b.Stats)
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	return total
}

type fleetRow struct {
	Site        string  `json:"site"`
	Readings    int64   `json:"readings"`
	TempAvg     float64 `json:"temp_avg"`
	TempP95     float64 `json:"temp_p95"`
	TempMin     float64 `json:"temp_min"`
	TempMax     float64 `json:"temp_max"`
	WindowStart string  `json:"window_start"`
	Revision    int     `json:"revision"`
}

// Compare checks the fleet view's rows against the direct computation.
func compare(t *testing.T, st *store.Store, e *fleet.Engine, want map[string]fleettest.Expected) {
	t.Helper()
	got := map[string]fleetRow{}
	err := st.View(func(tx *store.Tx) error {
		_, err := e.Rows(tx, "site_hourly", math.MinInt64, math.MaxInt64, func(row []byte) error {
			var r fleetRow
			if err := json.Unmarshal(row, &r); err != nil {
				return err
			}
			got[r.Site+"|"+r.WindowStart] = r
			return nil
		})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(want) {
		t.Fatalf("fleet rows: got %d, want %d", len(got), len(want))
	}
	for _, w := range want {
		k := fmt.Sprintf("%s|%s", w.Site, fleettestTime(w.Start))
		g, ok := got[k]
		if !ok {
			t.Fatalf("no fleet row %s", k)
		}
		if g.Readings != w.Readings || g.TempAvg != w.Avg || g.TempMin != w.Min || g.TempMax != w.Max {
			t.Errorf("%s: got %+v, want %+v", k, g, w)
		}
		if math.Abs(g.TempP95-w.P95) > 0.01*math.Abs(w.P95) {
			t.Errorf("%s: p95 %v, direct %v: beyond the sketch's 1%%", k, g.TempP95, w.P95)
		}
	}
}

func TestFleetEqualsDirect(t *testing.T) {
	events := fleettest.Events(1, 3, 8, 20000, 3)
	msgs := fleettest.Rows(events, fleettest.Options{EarlyEvery: 7, ResendEvery: 11, StaleEvery: 2})
	st, e := openStore(t), engine(t)
	s := apply(t, st, e, msgs, 500)
	if s.Replaced == 0 || s.Duplicates == 0 || s.Stale == 0 || s.Rebuilt == 0 {
		t.Fatalf("the stream should exercise revisions, re-sends and stale copies: %+v", s)
	}
	if s.New != fleettest.Identities(events) {
		t.Fatalf("new identities %d, want %d", s.New, fleettest.Identities(events))
	}
	compare(t, st, e, fleettest.Direct(events))
	// Applying everything again changes nothing.
	s2 := apply(t, st, e, msgs, 997)
	if s2.New != 0 || s2.Replaced != 0 {
		t.Fatalf("replay: %+v", s2)
	}
	compare(t, st, e, fleettest.Direct(events))
}

func TestReconcileRebuildsFromResults(t *testing.T) {
	events := fleettest.Events(2, 3, 5, 5000, 2)
	msgs := fleettest.Rows(events, fleettest.Options{EarlyEvery: 3})
	st, e := openStore(t), engine(t)
	apply(t, st, e, msgs, 1000)
	if err := st.Update(func(tx *store.Tx) error {
		if err := tx.DropFleetView("site_hourly"); err != nil {
			return err
		}
		return tx.PutMeta("fleet:site_hourly", nil)
	}); err != nil {
		t.Fatal(err)
	}
	var rebuilt []string
	if err := st.Update(func(tx *store.Tx) (err error) { rebuilt, err = e.Reconcile(tx); return }); err != nil {
		t.Fatal(err)
	}
	if len(rebuilt) != 1 {
		t.Fatalf("rebuilt %v", rebuilt)
	}
	compare(t, st, e, fleettest.Direct(events))
}

func fleettestTime(ms int64) string {
	return timeString(ms)
}
