package simulate

import (
	"encoding/json"
	"fmt"
	"strings"
)

// WindowKey names one tumbling window of one device.
type WindowKey struct {
	Device      string
	WindowStart int64 // Unix ms, a multiple of the window size
}

// Agg is what the view of SQL computes for one window: count(*), sum(temp),
// min(temp) and max(temp) over the good readings.
type Agg struct {
	Count         int64
	Sum, Min, Max float64
}

// Expect computes, independently of Eddy's engine, the exact result of the
// view of SQL(cfg, window) over the stream cfg describes: for tumbling
// windows of window ms aligned to the Unix epoch, per device, the count, sum,
// minimum and maximum of temp over the good readings, each counted once.
// Duplicates and malformed messages contribute nothing.
//
// It regenerates the stream and reads each good message back as a consumer
// would: the device from the topic, ts and temp by encoding/json from the
// payload. Sums are exact, whatever order an engine adds in, because every
// temperature is a multiple of 1/16 (see the package documentation). It
// panics if window < 1 or cfg is invalid.
func Expect(cfg Config, window int64) map[WindowKey]Agg {
	if window < 1 {
		panic(fmt.Sprintf("simulate: Expect window = %d ms, need at least 1", window))
	}
	out := make(map[WindowKey]Agg)
	g := New(cfg)
	for {
		m, ok := g.Next()
		if !ok {
			return out
		}
		if m.Kind != Good {
			continue
		}
		var v struct {
			TS   int64   `json:"ts"`
			Temp float64 `json:"temp"`
		}
		if err := json.Unmarshal(m.Payload, &v); err != nil {
			panic(fmt.Sprintf("simulate: good payload %s does not decode: %v", m.Payload, err))
		}
		levels := strings.Split(m.Topic, "/")
		k := WindowKey{Device: levels[len(levels)-2], WindowStart: floorDiv(v.TS, window) * window}
		a, seen := out[k]
		if !seen {
			a.Min, a.Max = v.Temp, v.Temp
		}
		a.Count++
		a.Sum += v.Temp
		a.Min = min(a.Min, v.Temp)
		a.Max = max(a.Max, v.Temp)
		out[k] = a
	}
}

// floorDiv is a/b rounded towards minus infinity, for b > 0.
func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && a < 0 {
		q--
	}
	return q
}
