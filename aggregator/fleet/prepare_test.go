package fleet_test

import (
	"bytes"
	"math"
	"testing"

	"github.com/eddy-iot/eddy/aggregator/fleet"
	"github.com/eddy-iot/eddy/aggregator/internal/fleettest"
	"github.com/eddy-iot/eddy/aggregator/store"
)

// prepareSQL has three fleet views over one edge view: the hourly one of
// fleettest, a hopping one with WHERE and state-merged aggregates, and one
// without a window.
const prepareSQL = fleettest.FleetSQL + `
CREATE MATERIALIZED VIEW site_hop AS
SELECT site, count(*) AS n, approx_count_distinct(device) AS devs, stddev(temp_avg) AS sd,
  first_value(temp_min) AS f, last_value(temp_max) AS l, sum(readings) AS r, avg(temp_avg) AS a
FROM HOP(device_stats, window_start, INTERVAL '10' MINUTE, INTERVAL '30' MINUTE) WHERE site <> 'site-0' GROUP BY site;
CREATE MATERIALIZED VIEW dev_all AS SELECT device, max(temp_max) AS m, count(*) AS n, avg(temp_avg) AS a FROM device_stats GROUP BY device;
`

// TestPreparedEqualsAdd: rows prepared on the side (Preparer.Add) and
// stored with AddPrepared leave the store exactly as Add leaves it, with
// the same counts and the same changed rows batch after batch, through
// revisions, re-sends, stale copies, rows that do not parse, rows whose
// partial fails for a view, NaN values and expired rows, over several fleet
// views of one edge view.
func TestPreparedEqualsAdd(t *testing.T) {
	progs := []fleet.Program{{Name: "fleet.sql", SQL: prepareSQL}}
	events := fleettest.Events(3, 3, 6, 12000, 3)
	msgs := fleettest.Rows(events, fleettest.Options{EarlyEvery: 5, ResendEvery: 9, StaleEvery: 2})
	var raws [][]byte
	for i, m := range msgs {
		v := m.Value
		if i%23 == 0 { // the avg merge fails: __count is not an integer
			v = bytes.Replace(v, []byte(`"temp_avg__count":`), []byte(`"temp_avg__count":0.5,"x":`), 1)
		}
		if i%31 == 0 {
			v = bytes.Replace(v, []byte(`"temp_avg":`), []byte(`"temp_avg":NaN,"y":`), 1)
			v = bytes.Replace(v, []byte(`"temp_max":`), []byte(`"temp_max":NaN,"z":`), 1)
		}
		raws = append(raws, v)
		switch i % 97 {
		case 13:
			raws = append(raws, []byte(`{"agent": "a", "view": `)) // not JSON
		case 31:
			raws = append(raws, []byte(`{"agent": "a", "view": "device_stats", "revision": "x"}`))
		}
	}
	const first = 10 * 60 * 1000 // rows of the first ten minutes are expired

	run := func(prepared bool) (fleet.Stats, [][]byte) {
		st := openStore(t)
		e, err := fleet.New(progs)
		if err != nil {
			t.Fatal(err)
		}
		pp, err := e.NewPreparer(progs)
		if err != nil {
			t.Fatal(err)
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
					rows = append(rows, append([]byte(c.View+":"), c.Row...))
				}
				addStats(&total, b.Stats)
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
		}
		if err := st.View(func(tx *store.Tx) error {
			for _, name := range []string{"site_hourly", "site_hop", "dev_all"} {
				_, err := e.Rows(tx, name, math.MinInt64, math.MaxInt64, func(row []byte) error {
					rows = append(rows, append([]byte(name+"="), row...))
					return nil
				})
				if err != nil {
					return err
				}
			}
			return nil
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
