package fleet

import (
	"math/rand/v2"
	"testing"
	"time"

	"github.com/valyala/fastjson"
)

func TestParseStamp(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for range 100000 {
		ms := rng.Int64N(2<<40) - 1<<40 // about ±35 years around 1970… and more
		ms += rng.Int64N(253402300799999 - 1<<41)
		s := time.UnixMilli(ms).UTC().Format("2006-01-02T15:04:05.000Z")
		got, err := ParseStamp([]byte(s))
		if err != nil || got != ms {
			t.Fatalf("%s: got %d, %v; want %d", s, got, err, ms)
		}
	}
	for _, s := range []string{"2024-02-29T23:59:59.999Z", "0000-01-01T00:00:00.000Z", "1969-12-31T23:59:59.999Z",
		"2026-11-25T12:00:00Z", "2026-11-25T12:00:00.5+02:00", "2026-11-25T12:00:00.123456Z"} {
		want, err := time.Parse(time.RFC3339Nano, s)
		got, err2 := ParseStamp([]byte(s))
		if err != nil || err2 != nil || got != want.UnixMilli() {
			t.Errorf("%s: got %d, %v; want %d, %v", s, got, err2, want.UnixMilli(), err)
		}
	}
	for _, s := range []string{"2023-02-29T00:00:00.000Z", "2026-13-01T00:00:00.000Z", "2026-11-31T00:00:00.000Z",
		"2026-11-25T24:00:00.000Z", "2026-11-25T12:60:00.000Z", "2026-11-25T12:00:60.000Z", "2026-11-25T12:00:0x.000Z",
		"2026-11-25 12:00:00.000Z", ""} {
		if _, err := ParseStamp([]byte(s)); err == nil {
			t.Errorf("%s: no error", s)
		}
	}
}

func TestParseRowKey(t *testing.T) {
	var p fastjson.Parser
	var r Row
	base := `{"agent":"gw-1","view":"v","window_start":"2026-11-25T12:00:00.000Z","window_end":"2026-11-25T12:01:00.000Z","revision":2,"final":true,`
	cases := []struct{ json, key string }{
		{base + `"device":"d1","site":"s","readings":3,"readings__count":3,"t":1.5,"t__sum":4.5,"t__count":3,"p__state":"AA=="}`,
			"gw-1\x00device\x00\"d1\"\x00site\x00\"s\"\x00"},
		{base + `"__sum":1,"__":2,"n":null}`, "gw-1\x00__\x002\x00n\x00null\x00"},
		{base + `"x__max":1,"x":2,"y":3}`, "gw-1\x00y\x003\x00"},
	}
	for _, c := range cases {
		if err := ParseRow(&p, []byte(c.json), &r); err != nil {
			t.Fatal(err)
		}
		if got := string(r.Key[8:]); got != c.key {
			t.Errorf("%s: key %q, want %q", c.json, got, c.key)
		}
		if r.Agent != "gw-1" || r.View != "v" || r.Revision != 2 || !r.Final || r.End-r.Start != 60000 {
			t.Errorf("%s: %+v", c.json, r)
		}
	}
	for _, bad := range []string{`{"view":"v","revision":1}`, `{"agent":"a","view":"v"}`, `{"agent":"a","view":"v","revision":1,"window_start":"x","window_end":"y"}`} {
		if err := ParseRow(&p, []byte(bad), &r); err == nil {
			t.Errorf("%s: no error", bad)
		}
	}
}
