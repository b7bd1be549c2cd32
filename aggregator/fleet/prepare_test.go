package fleet_test

import (
	"bytes"
	"math"
	"testing"

	"github.com/eddy-iot/eddy/aggregator/fleet"
	"github.com/eddy-iot/eddy/aggregator/internal/fleettest"
	"github.com/eddy-iot/eddy/aggregator/store"
)

// TestPreparedEqualsAdd: rows prepared on the side (Preparer.Add) and
// stored with AddPrepared leave the store exactly as Add leaves it, with
// the same counts, through revisions, re-sends, stale copies, bad rows and
// expired rows.
func TestPreparedEqualsAdd(t *testing.T) {
	events := fleettest.Events(3, 3, 6, 12000, 3)
	msgs := fleettest.Rows(events, fleettest.Options{EarlyEvery: 5, ResendEvery: 9, StaleEvery: 2})
	var raws [][]byte
	for i, m := range msgs {
		raws = append(raws, m.Value)
		switch i % 97 {
		case 13:
			raws = append(raws, []byte(`{"agent": "a", "view": `)) // not JSON
		case 31:
			raws = append(raws, []byte(`{"agent": "a", "view": "fleet_minute", "revision": "x"}`))
		}
	}
	const first = 10 * 60 * 1000

	run := func(prepared bool) (fleet.Stats, [][]byte) {
		st, e := openStore(t), engine(t)
		var pp *fleet.Preparer
		if prepared {
			var err error
			if pp, err = e.NewPreparer([]fleet.Program{{Name: "fleet.sql", SQL: fleettest.FleetSQL}}); err != nil {
				t.Fatal(err)
			}
		}
		start := events[0].TS - events[0].TS%fleettest.Minute
		var total fleet.Stats
		var p fleet.Prepared
		var rows [][]byte
		for i := 0; i < len(raws); i += 400 {
			batch := raws[i:min(i+400, len(raws))]
			p.Reset()
			if prepared {
				for _, raw := range batch {
					pp.Add(&p, raw)
				}
			}
			err := st.Update(func(tx *store.Tx) error {
				b := e.Begin(tx, start+first)
				for j, raw := range batch {
					var err error
					if prepared {
						err = b.AddPrepared(&p, j, raw)
					} else {
						err = b.Add(raw)
					}
					if err != nil {
						return err
					}
				}
				changed, err := b.Finish()
				if err != nil {
					return err
				}
				for _, c := range changed { // every intermediate revision of every fleet row
					rows = append(rows, bytes.Clone(c.Row))
				}
				s := b.Stats
				total.Rows += s.Rows
				total.New += s.New
				total.Replaced += s.Replaced
				total.Duplicates += s.Duplicates
				total.Stale += s.Stale
				total.Expired += s.Expired
				total.Bad += s.Bad
				total.Misaligned += s.Misaligned
				total.Windows += s.Windows
				total.Rebuilt += s.Rebuilt
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
		}
		if err := st.View(func(tx *store.Tx) error {
			_, err := e.Rows(tx, "site_hourly", math.MinInt64, math.MaxInt64, func(row []byte) error {
				rows = append(rows, bytes.Clone(row))
				return nil
			})
			return err
		}); err != nil {
			t.Fatal(err)
		}
		return total, rows
	}
	s1, rows1 := run(false)
	s2, rows2 := run(true)
	if s1 != s2 {
		t.Fatalf("stats differ:\nAdd         %+v\nAddPrepared %+v", s1, s2)
	}
	if s1.Replaced == 0 || s1.Duplicates == 0 || s1.Stale == 0 || s1.Bad == 0 || s1.Expired == 0 || s1.Rebuilt == 0 {
		t.Fatalf("the stream should exercise every path: %+v", s1)
	}
	if len(rows1) == 0 || len(rows1) != len(rows2) {
		t.Fatalf("fleet rows: %d with Add, %d with AddPrepared", len(rows1), len(rows2))
	}
	for i := range rows1 {
		if !bytes.Equal(rows1[i], rows2[i]) {
			t.Fatalf("fleet row %d differs:\n%s\n%s", i, rows1[i], rows2[i])
		}
	}
}
