package payload_test

import (
	"fmt"

	"github.com/eddy-iot/eddy/edge/payload"
	"github.com/eddy-iot/eddy/edge/topic"
)

// A source subscribes a topic pattern; its captures and the payload fields
// become the columns of each row.
func Example() {
	pattern := topic.MustCompile("sensors/{site}/{device}/telemetry")
	dec, err := payload.NewDecoder(payload.Schema{
		Columns: []payload.Column{
			{Name: "site", Type: payload.TypeString, Capture: "site"},
			{Name: "device", Type: payload.TypeString, Capture: "device"},
			{Name: "ts", Type: payload.TypeTimestamp},
			{Name: "temp", Type: payload.TypeFloat},
			{Name: "seq", Type: payload.TypeInt},
		},
		Captures:  pattern.Names(),
		EventTime: "ts",
		Sequence:  "seq",
	}, payload.Options{})
	if err != nil {
		panic(err)
	}

	var captures []string // reused across messages
	captures, ok := pattern.Match(captures[:0], "sensors/berlin/d-42/telemetry")
	if !ok {
		panic("no match")
	}
	now := int64(1732406401000) // the gateway clock, Unix ms
	batch := dec.Decode([]byte(`[
		{"ts": 1732406400123, "temp": 21.5, "seq": 1},
		{"ts": "2024-11-24T00:00:00.500Z", "temp": "NaN", "seq": 2},
		{"ts": 1732406400.9, "temp": "21.7", "seq": "3"}
	]`), captures, now)

	for _, row := range batch.Rows {
		fmt.Println(row.Index, row.Time, row.Values)
	}
	for _, e := range batch.Errors {
		fmt.Println(e.Reason, e)
	}
	// Output:
	// 0 1732406400123 ["berlin" "d-42" 1732406400123 21.5 1]
	// 2 1732406400900 ["berlin" "d-42" 1732406400900 21.7 3]
	// non_finite payload: row 1: column "temp": non_finite: "NaN" is not a finite number; send a finite number, or omit the field to make it NULL
}
