package simulate

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/eddy-iot/eddy/edge/payload"
)

// TestAgentDecoderAgrees runs every message through the agent's own payload
// decoder, configured as SQL declares the source: good messages and
// duplicates give one row with the message's event time and temperature,
// and each malformed message is rejected with exactly its Reason.
func TestAgentDecoderAgrees(t *testing.T) {
	var names []string
	for _, r := range payload.Reasons() {
		names = append(names, r.String())
	}
	for _, r := range Reasons() {
		if !slices.Contains(names, r) {
			t.Fatalf("reason %q is not one of edge/payload's %v", r, names)
		}
	}

	dec, err := payload.NewDecoder(payload.Schema{
		Columns: []payload.Column{
			{Name: "site", Type: payload.TypeString, Capture: "site"},
			{Name: "device", Type: payload.TypeString, Capture: "device"},
			{Name: "seq", Type: payload.TypeInt, Required: true},
			{Name: "ts", Type: payload.TypeTimestamp},
			{Name: "temp", Type: payload.TypeFloat, Required: true},
			{Name: "humidity", Type: payload.TypeFloat},
		},
		Captures:  []string{"site", "device"},
		EventTime: "ts",
		Sequence:  "seq",
	}, payload.Options{})
	if err != nil {
		t.Fatal(err)
	}
	cfg := testCfg
	cfg.MalformedRate = 0.2
	now := time.Now().UnixMilli()
	seen := map[string]int{}
	for _, m := range all(cfg) {
		levels := strings.Split(m.Topic, "/")
		b := dec.Decode(m.Payload, levels[1:3], now)
		if m.Kind == Malformed {
			seen[m.Reason]++
			if len(b.Rows) != 0 || len(b.Errors) != 1 || b.Errors[0].Reason.String() != m.Reason {
				t.Fatalf("malformed (%s) %s: rows %d, errors %v", m.Reason, m.Payload, len(b.Rows), b.Errors)
			}
			continue
		}
		if len(b.Rows) != 1 || len(b.Errors) != 0 {
			t.Fatalf("%s %s: rows %d, errors %v", m.Kind, m.Payload, len(b.Rows), b.Errors)
		}
		row := b.Rows[0]
		if row.Time != m.Time || row.Values[1].S != m.Device || row.Values[2].I != m.Seq {
			t.Fatalf("%s %s: time %d device %q seq %d; message says %d %q %d", m.Kind, m.Payload,
				row.Time, row.Values[1].S, row.Values[2].I, m.Time, m.Device, m.Seq)
		}
		if f := row.Values[4].F; f*16 != float64(int64(f*16)) {
			t.Fatalf("%s: temp %v is not a multiple of 1/16", m.Payload, f)
		}
	}
	for _, r := range Reasons() {
		if seen[r] == 0 {
			t.Errorf("no %s message decoded", r)
		}
	}
}
