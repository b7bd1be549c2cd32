// Package fleettest builds what the aggregator's tests and benchmark feed
// it: raw sensor events of a simulated fleet, the result rows the agents
// would send for them (partial states built with the windows package,
// encoded with sync/wire exactly as agent/pipeline does), and the fleet
// view computed directly on the raw events, to compare with.
package fleettest

import (
	"fmt"
	"math/rand/v2"
	"slices"

	"github.com/eddy-iot/eddy/sync/wire"
	"github.com/eddy-iot/eddy/windows"
)

// Minute and Hour in ms.
const (
	Minute = 60_000
	Hour   = 60 * Minute
)

// EdgeSQL is the agents' view whose rows the messages carry.
const EdgeSQL = `CREATE MATERIALIZED VIEW telemetry_stats AS
SELECT device, site, count(*) AS readings, avg(temp) AS temp_avg,
       approx_percentile(0.95) WITHIN GROUP (ORDER BY temp) AS temp_p95,
       min(temp) AS temp_min, max(temp) AS temp_max
FROM telemetry GROUP BY device, site, TUMBLE(ts, INTERVAL '1' MINUTE);`

// FleetSQL is the fleet view over it: per site and hour.
const FleetSQL = `CREATE SOURCE device_stats (agent VARCHAR, device VARCHAR, site VARCHAR, readings BIGINT,
    temp_avg DOUBLE, temp_p95 DOUBLE, temp_min DOUBLE, temp_max DOUBLE, window_start TIMESTAMP)
  WITH (connector = 'eddy', view = 'telemetry_stats');
CREATE MATERIALIZED VIEW site_hourly AS
SELECT site, sum(readings) AS readings, avg(temp_avg) AS temp_avg,
       approx_percentile(0.95) WITHIN GROUP (ORDER BY temp_p95) AS temp_p95,
       min(temp_min) AS temp_min, max(temp_max) AS temp_max
FROM TUMBLE(device_stats, window_start, INTERVAL '1' HOUR) GROUP BY site;`

// Event is one raw reading.
type Event struct {
	Agent, Site, Device string
	TS                  int64
	Temp                float64
}

// Base is the start of the simulated time, an hour boundary
// (2026-11-25T06:00:00Z).
const Base int64 = 1_795_600_800_000 - 1_795_600_800_000%Hour

// Events returns n readings from agents×devices devices over hours of
// event time. Every device belongs to one agent; each agent's devices
// spread over 3 sites, so sites span agents. Temperatures are multiples of
// 1/4, so sums are exact in float64 and averages compare exactly.
func Events(seed uint64, agents, devicesPerAgent, n, hours int) []Event {
	rng := rand.New(rand.NewPCG(seed, 7))
	start := Base
	out := make([]Event, n)
	for i := range out {
		a := rng.IntN(agents)
		d := rng.IntN(devicesPerAgent)
		out[i] = Event{
			Agent:  fmt.Sprintf("gw-%03d", a),
			Site:   fmt.Sprintf("site-%d", (a+d)%3),
			Device: fmt.Sprintf("gw-%03d-dev-%02d", a, d),
			TS:     start + rng.Int64N(int64(hours)*Hour),
			Temp:   float64(60+rng.IntN(120)) / 4,
		}
	}
	return out
}

// Aggregates returns the edge view's aggregates, in order.
func Aggregates() []windows.Aggregate {
	mk := func(name string, a windows.AggArgs) windows.Aggregate {
		agg, err := windows.NewAggregate(name, a)
		if err != nil {
			panic(err)
		}
		return agg
	}
	return []windows.Aggregate{
		mk("count", windows.AggArgs{Star: true}),
		mk("avg", windows.AggArgs{}),
		mk("approx_percentile", windows.AggArgs{Quantiles: []float64{0.95}}),
		mk("min", windows.AggArgs{}),
		mk("max", windows.AggArgs{}),
	}
}

var aggNames = []string{"readings", "temp_avg", "temp_p95", "temp_min", "temp_max"}

// Msg is one Kafka message as an agent's forwarder writes it.
type Msg struct {
	Agent string // the key
	Value []byte
}

// Options shape the stream of rows.
type Options struct {
	// EarlyEvery: every EarlyEvery-th window is first sent as an early
	// result (revision 0, from the first half of its events) and then as
	// the final one (revision 1): the aggregator must replace, not add.
	EarlyEvery int
	// ResendEvery: every ResendEvery-th row is sent twice (at-least-once).
	ResendEvery int
	// StaleEvery: every StaleEvery-th early window's revision 0 is sent
	// again after its revision 1 (an old copy arriving late).
	StaleEvery int
}

type group struct {
	agent, site, device string
	start               int64
	events              []Event
}

// Rows returns the result rows of every agent, in the order each agent
// would send them (per agent: by window start), interleaved across agents.
func Rows(events []Event, o Options) []Msg {
	groups := map[string]*group{}
	for _, e := range events {
		ws := e.TS - e.TS%Minute
		k := fmt.Sprintf("%s|%s|%d", e.Agent, e.Device, ws)
		g := groups[k]
		if g == nil {
			g = &group{agent: e.Agent, site: e.Site, device: e.Device, start: ws}
			groups[k] = g
		}
		g.events = append(g.events, e)
	}
	list := make([]*group, 0, len(groups))
	for _, g := range groups {
		list = append(list, g)
	}
	slices.SortFunc(list, func(a, b *group) int {
		if a.start != b.start {
			return int(a.start - b.start)
		}
		if a.agent != b.agent {
			return cmpStr(a.agent, b.agent)
		}
		return cmpStr(a.device, b.device)
	})
	aggs := Aggregates()
	var out []Msg
	for i, g := range list {
		send := func(evs []Event, rev uint32, final bool) {
			m := Msg{Agent: g.agent, Value: Row(aggs, g.agent, g.site, g.device, g.start, evs, rev, final)}
			out = append(out, m)
			if o.ResendEvery > 0 && len(out)%o.ResendEvery == 0 {
				out = append(out, m)
			}
		}
		if o.EarlyEvery > 0 && i%o.EarlyEvery == 0 && len(g.events) > 1 {
			send(g.events[:len(g.events)/2], 0, false)
			send(g.events, 1, true)
			if o.StaleEvery > 0 && (i/o.EarlyEvery)%o.StaleEvery == 0 {
				send(g.events[:len(g.events)/2], 0, false)
			}
			continue
		}
		send(g.events, 0, true)
	}
	return out
}

func cmpStr(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// Row encodes the result row of one device-minute as an agent does.
func Row(aggs []windows.Aggregate, agent, site, device string, start int64, evs []Event, rev uint32, final bool) []byte {
	r := wire.Result{Agent: agent, View: "telemetry_stats", Windowed: true, WindowStart: start, WindowEnd: start + Minute,
		Revision: rev, Final: final,
		Keys: []wire.Column{{Name: "device", Value: windows.String(device)}, {Name: "site", Value: windows.String(site)}}}
	for i, a := range aggs {
		s := a.NewState()
		for _, e := range evs {
			s.Add(windows.Float(e.Temp), e.TS)
		}
		agg, _ := wire.AggOf(aggNames[i], a.Name(), s, nil)
		r.Aggs = append(r.Aggs, agg)
	}
	return wire.AppendJSON(nil, &r)
}

// Expected is a row of site_hourly computed on the raw events.
type Expected struct {
	Site               string
	Start              int64
	Readings           int64
	Avg, P95, Min, Max float64
}

// Direct computes site_hourly on the raw events, keyed by "site|start".
func Direct(events []Event) map[string]Expected {
	aggs := Aggregates()
	states := map[string][]windows.State{}
	meta := map[string]Expected{}
	for _, e := range events {
		hs := e.TS - e.TS%Hour
		k := fmt.Sprintf("%s|%d", e.Site, hs)
		ss := states[k]
		if ss == nil {
			for _, a := range aggs {
				ss = append(ss, a.NewState())
			}
			states[k] = ss
			meta[k] = Expected{Site: e.Site, Start: hs}
		}
		for _, s := range ss {
			s.Add(windows.Float(e.Temp), e.TS)
		}
	}
	out := map[string]Expected{}
	for k, ss := range states {
		x := meta[k]
		x.Readings = ss[0].Result().I
		x.Avg = ss[1].Result().F
		x.P95 = ss[2].Result().F
		x.Min = ss[3].Result().F
		x.Max = ss[4].Result().F
		out[k] = x
	}
	return out
}

// Identities returns the distinct result identities of msgs (agent, device,
// window start) and the highest revision of each.
func Identities(events []Event) int {
	seen := map[string]bool{}
	for _, e := range events {
		seen[fmt.Sprintf("%s|%s|%d", e.Agent, e.Device, e.TS-e.TS%Minute)] = true
	}
	return len(seen)
}
