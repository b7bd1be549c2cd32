package payload

import (
	"math"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/eddy-iot/eddy/windows"
)

func fuzzSchemas() []struct {
	s Schema
	o Options
} {
	all := Schema{
		Columns: []Column{
			{Name: "device", Type: TypeString, Required: true},
			{Name: "ts", Type: TypeTimestamp},
			{Name: "n", Type: TypeInt},
			{Name: "x", Type: TypeFloat, Path: "m.x"},
			{Name: "ok", Type: TypeBool},
			{Name: "raw", Type: TypeJSON, Path: "m"},
			{Name: "first", Type: TypeFloat, Path: "v.0"},
			{Name: "site", Type: TypeString, Capture: "site"},
			{Name: "num", Type: TypeInt, Capture: "num"},
			{Name: "t2", Type: TypeTimestamp, Unit: UnitSeconds},
		},
		Captures:  []string{"site", "num"},
		EventTime: "ts",
		Sequence:  "n",
	}
	return []struct {
		s Schema
		o Options
	}{
		{sensorSchema(), Options{}},
		{all, Options{MissingTime: MissingTimeNow, NaiveUTC: true, MaxRows: 50}},
		{all, Options{Format: FormatNDJSON, MaxBytes: 4096, InternLimit: 3}},
	}
}

// FuzzDecode feeds arbitrary payloads to decoders with several schemas. It
// must never panic, and whatever it returns must keep the contract: rows
// and errors partition the elements, values have their column's kind,
// numbers are finite and timestamps within bounds.
func FuzzDecode(f *testing.F) {
	for _, s := range []string{
		`{"device":"d-42","ts":1732406400123,"temp":21.5,"hum":40.2,"seq":1234}`,
		`[{"device":"a","ts":"2024-11-24T00:00:00Z","n":"3.0","m":{"x":"1e3"},"ok":"TRUE","v":[1]},7,{"ts":NaN}]`,
		"{\"device\":\"a\",\"ts\":1732406400}\n{\"device\":\"b\"}\n\n[1]\n{",
		`{"device":"\u00e9\ud800","ts":1.7e18,"t2":1732406400.5,"m":{"x":-Inf},"n":9223372036854775808}`,
		`{"device":1,"ts":"2024-11-24 01:00:00,5+0100","ok":0,"raw":[1,{"a":null}]}`,
		`[[],{},null,"",{"device":"x","ts":"1732406400123"}]`,
		``, `null`, `{`, `[`, `"`, `{"a":"\`,
	} {
		f.Add([]byte(s))
	}
	schemas := fuzzSchemas()
	decoders := make([]*Decoder, len(schemas))
	for i, sc := range schemas {
		decoders[i] = mustDecoder(f, sc.s, sc.o)
	}
	f.Fuzz(func(t *testing.T, payload []byte) {
		for i, d := range decoders {
			b := d.Decode(payload, []string{"site-1", "12"}, now)
			checkBatch(t, schemas[i].s, d.opts, b, len(payload))
		}
	})
}

func checkBatch(t *testing.T, s Schema, o Options, b *Batch, size int) {
	t.Helper()
	seen := map[int]bool{}
	last := -1
	for _, r := range b.Rows {
		if r.Index <= last {
			t.Fatalf("row indices not increasing: %d after %d", r.Index, last)
		}
		last = r.Index
		seen[r.Index] = true
		if len(r.Values) != len(s.Columns) {
			t.Fatalf("row has %d values for %d columns", len(r.Values), len(s.Columns))
		}
		for ci, v := range r.Values {
			c := s.Columns[ci]
			if v.Kind != windows.KindNull && v.Kind != c.Type.Kind() {
				t.Fatalf("column %s (%v) holds a %v", c.Name, c.Type, v.Kind)
			}
			if v.Kind == windows.KindNull && c.Required {
				t.Fatalf("required column %s is NULL", c.Name)
			}
			if v.Kind == windows.KindFloat && (math.IsNaN(v.F) || math.IsInf(v.F, 0)) {
				t.Fatalf("column %s holds %v", c.Name, v.F)
			}
			if c.Type == TypeTimestamp && v.Kind == windows.KindInt &&
				(v.I < o.MinTime || o.MaxAhead >= 0 && v.I > now+o.MaxAhead.Milliseconds()) {
				t.Fatalf("column %s holds absurd time %d", c.Name, v.I)
			}
			if c.Name == s.EventTime && v.I != r.Time {
				t.Fatalf("row time %d differs from its event-time column %d", r.Time, v.I)
			}
		}
	}
	for _, e := range b.Errors {
		if e.Reason == 0 || e.Reason >= numReasons || e.Detail == "" {
			t.Fatalf("bad error %#v", e)
		}
		if e.Index >= 0 && seen[e.Index] {
			t.Fatalf("index %d is both a row and an error", e.Index)
		}
		if e.Index < 0 && (len(b.Rows) > 0 || len(b.Errors) > 1) {
			t.Fatalf("whole-payload error %v together with other results", e)
		}
		if e.Reason == ReasonOversized && size <= o.MaxBytes {
			t.Fatalf("oversized reported for %d bytes", size)
		}
		_ = e.Error()
	}
}

// FuzzParseDateTime checks parseDateTime against the standard library: every
// fixed-width string time.Parse accepts as RFC 3339 must give the same
// instant (to the millisecond, rounding down), and whatever parseDateTime accepts must be a
// well-formed date and time that the standard library agrees with once
// normalised.
func FuzzParseDateTime(f *testing.F) {
	for _, s := range []string{
		"2024-11-24T00:00:00.123Z", "2024-11-24T01:00:00+01:00", "1969-12-31T23:59:59.999-00:30",
		"0001-01-01T00:00:00Z", "9999-12-31T23:59:59.999999999+23:59", "2024-02-30T00:00:00Z",
		"2024-11-24 00:00:00,5+0100", "2024-11-24T00:00:00", "2024-11-24t00:00:00.1z",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		ms, st := parseDateTime(s, false)
		if tm, err := time.Parse(time.RFC3339Nano, s); err == nil && fixedWidth(s) {
			if st != dtOK {
				t.Fatalf("%q: time.Parse accepts it, parseDateTime says %d", s, st)
			}
			if want := tm.UnixMilli(); want != ms {
				t.Fatalf("%q: %d, time.Parse %d", s, ms, want)
			}
		}
		if st != dtOK {
			return
		}
		// Normalise the accepted spelling to the standard one and compare.
		norm := []byte(s)
		norm[10] = 'T'
		n := string(norm)
		n = strings.Replace(n, ",", ".", 1)
		if i := strings.IndexAny(n[19:], "zZ+-"); i >= 0 {
			zone := n[19+i:]
			switch {
			case zone == "z":
				zone = "Z"
			case len(zone) == 3:
				zone += ":00"
			case len(zone) == 5:
				zone = zone[:3] + ":" + zone[3:]
			}
			n = n[:19+i] + zone
		}
		tm, err := time.Parse(time.RFC3339Nano, n)
		if err != nil {
			t.Fatalf("%q accepted, but its normal form %q is not RFC 3339: %v", s, n, err)
		}
		if tm.UnixMilli() != ms {
			t.Fatalf("%q: %d, time.Parse(%q) %d", s, ms, n, tm.UnixMilli())
		}
	})
}

// fixedWidth reports whether s starts with the fixed-width
// "2006-01-02T15:04:05" that RFC 3339 requires and has no offset hour above
// 23; time.Parse also accepts one-digit hours and offset fields out of range (+24:00, +00:60), which
// parseDateTime refuses on purpose.
func fixedWidth(s string) bool {
	if len(s) < 19 {
		return false
	}
	if z := s[len(s)-6:]; (z[0] == '+' || z[0] == '-') && (z[1:3] > "23" || z[4:6] > "59") {
		return false
	}
	for i := 0; i < 19; i++ {
		switch i {
		case 4, 7, 10, 13, 16:
		default:
			if !isDigit(s[i]) {
				return false
			}
		}
	}
	return true
}

// FuzzParseNum checks parseNum against strconv: an accepted text parses
// with strconv to the same value, and an integer literal is exact.
func FuzzParseNum(f *testing.F) {
	for _, s := range []string{"42", "-7", "+3.5", ".5", "5.", "1e400", "NaN", "-Infinity", "0x10", "1_0", " 1 ", "9223372036854775808"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, bad := parseNum(s)
		if bad != numOK {
			return
		}
		trimmed := strings.Trim(s, " \t\r\n")
		want, err := strconv.ParseFloat(trimmed, 64)
		if err != nil || want != n.f || math.IsNaN(n.f) || math.IsInf(n.f, 0) {
			t.Fatalf("%q: parseNum %v, strconv %v (%v)", s, n.f, want, err)
		}
		if n.isInt {
			if i, err := strconv.ParseInt(trimmed, 10, 64); err != nil || i != n.i {
				t.Fatalf("%q: int %d, strconv %d (%v)", s, n.i, i, err)
			}
		}
	})
}
