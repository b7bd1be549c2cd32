package payload

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
	"unsafe"
)

// now is the processing time used by the tests: 2024-11-24T00:00:01.123Z.
const now = 1732406401123

func sensorSchema() Schema {
	return Schema{
		Columns: []Column{
			{Name: "device", Type: TypeString, Required: true},
			{Name: "ts", Type: TypeTimestamp},
			{Name: "temp", Type: TypeFloat},
			{Name: "hum", Type: TypeFloat},
			{Name: "seq", Type: TypeInt},
		},
		EventTime: "ts",
		Sequence:  "seq",
	}
}

func mustDecoder(t testing.TB, s Schema, o Options) *Decoder {
	t.Helper()
	d, err := NewDecoder(s, o)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// render prints a batch as one line per row or error, for comparisons.
func render(b *Batch) string {
	var out []string
	for _, r := range b.Rows {
		vals := make([]string, len(r.Values))
		for i, v := range r.Values {
			vals[i] = v.String()
		}
		out = append(out, fmt.Sprintf("%d@%d %s", r.Index, r.Time, strings.Join(vals, " ")))
	}
	for _, e := range b.Errors {
		out = append(out, fmt.Sprintf("%d %s %s", e.Index, e.Column, e.Reason))
	}
	return strings.Join(out, "\n")
}

func TestDecodeSensorObject(t *testing.T) {
	d := mustDecoder(t, sensorSchema(), Options{})
	b := d.Decode([]byte(`{"device":"d-42","ts":1732406400123,"temp":21.5,"hum":40.2,"seq":1234}`), nil, now)
	if got, want := render(b), `0@1732406400123 "d-42" 1732406400123 21.5 40.2 1234`; got != want {
		t.Fatalf("got\n%s\nwant\n%s", got, want)
	}
	if d.EventTimeIndex() != 1 || d.SequenceIndex() != 4 || d.Index("hum") != 3 || d.Index("nope") != -1 {
		t.Fatalf("indices %d %d %d %d", d.EventTimeIndex(), d.SequenceIndex(), d.Index("hum"), d.Index("nope"))
	}
}

func TestDecodeArrayKeepsGoodRows(t *testing.T) {
	d := mustDecoder(t, sensorSchema(), Options{})
	payload := `[
		{"device":"a","ts":1732406400000,"temp":1,"seq":1},
		42,
		{"device":"b","ts":1732406400001,"temp":{"x":1}},
		{"device":"c","ts":1732406400002,"temp":"NaN"},
		{"device":"d","temp":2},
		{"ts":1732406400003},
		{"device":"e","ts":"2024-11-24T00:00:00.004Z","temp":"21.5","hum":null,"seq":"7"}
	]`
	want := strings.Join([]string{
		`0@1732406400000 "a" 1732406400000 1 NULL 1`,
		`6@1732406400004 "e" 1732406400004 21.5 NULL 7`,
		`1  not_object`,
		`2 temp wrong_type`,
		`3 temp non_finite`,
		`4 ts missing_timestamp`,
		`5 device missing_field`,
	}, "\n")
	if got := render(d.Decode([]byte(payload), nil, now)); got != want {
		t.Fatalf("got\n%s\nwant\n%s", got, want)
	}
}

// TestConversions decodes {"v": <json>} into a single column of each type.
func TestConversions(t *testing.T) {
	f := func(typ Type, json, want string) {
		t.Helper()
		d := mustDecoder(t, Schema{Columns: []Column{{Name: "v", Type: typ}}}, Options{})
		got := render(d.Decode([]byte(`{"v":`+json+`}`), nil, now))
		got = strings.TrimPrefix(strings.TrimPrefix(got, "0@1732406401123 "), "0 v ")
		if got != want {
			t.Errorf("%v from %s: got %s, want %s", typ, json, got, want)
		}
	}
	f(TypeInt, `42`, `42`)
	f(TypeInt, `-7`, `-7`)
	f(TypeInt, `"42"`, `42`)
	f(TypeInt, `" 42 "`, `42`)
	f(TypeInt, `"+42"`, `42`)
	f(TypeInt, `3.0`, `3`)
	f(TypeInt, `"3.0"`, `3`)
	f(TypeInt, `1e3`, `1000`)
	f(TypeInt, `9223372036854775807`, `9223372036854775807`)
	f(TypeInt, `-9223372036854775808`, `-9223372036854775808`)
	f(TypeInt, `3.5`, `wrong_type`)
	f(TypeInt, `9223372036854775808`, `wrong_type`) // out of int64 range
	f(TypeInt, `1e19`, `wrong_type`)
	f(TypeInt, `"abc"`, `wrong_type`)
	f(TypeInt, `"0x10"`, `wrong_type`)
	f(TypeInt, `"1_000"`, `wrong_type`)
	f(TypeInt, `""`, `wrong_type`)
	f(TypeInt, `true`, `wrong_type`)
	f(TypeInt, `[1]`, `wrong_type`)
	f(TypeInt, `{}`, `wrong_type`)
	f(TypeInt, `null`, `NULL`)
	f(TypeInt, `NaN`, `non_finite`)
	f(TypeFloat, `21.5`, `21.5`)
	f(TypeFloat, `"21.5"`, `21.5`)
	f(TypeFloat, `".5"`, `0.5`)
	f(TypeFloat, `-1.25e-3`, `-0.00125`)
	f(TypeFloat, `1e-400`, `0`)
	f(TypeFloat, `12345678901234567890`, `1.2345678901234567e+19`)
	f(TypeFloat, `NaN`, `non_finite`)
	f(TypeFloat, `-Inf`, `non_finite`)
	f(TypeFloat, `inf`, `non_finite`)
	f(TypeFloat, `1e400`, `non_finite`)
	f(TypeFloat, `-1e309`, `non_finite`)
	f(TypeFloat, `"NaN"`, `non_finite`)
	f(TypeFloat, `"nan"`, `non_finite`)
	f(TypeFloat, `"-Infinity"`, `non_finite`)
	f(TypeFloat, `"+inf"`, `non_finite`)
	f(TypeFloat, `"1e999"`, `non_finite`)
	f(TypeFloat, `"21,5"`, `wrong_type`)
	f(TypeFloat, `"1e"`, `wrong_type`)
	f(TypeFloat, `"."`, `wrong_type`)
	f(TypeFloat, `"-"`, `wrong_type`)
	f(TypeFloat, `1-2`, `malformed_json`) // fastjson scans it as a number
	f(TypeFloat, `false`, `wrong_type`)
	f(TypeBool, `true`, `true`)
	f(TypeBool, `false`, `false`)
	f(TypeBool, `"TRUE"`, `true`)
	f(TypeBool, `"False"`, `false`)
	f(TypeBool, `1`, `true`)
	f(TypeBool, `0`, `false`)
	f(TypeBool, `"1"`, `true`)
	f(TypeBool, `"0"`, `false`)
	f(TypeBool, `2`, `wrong_type`)
	f(TypeBool, `"yes"`, `wrong_type`)
	f(TypeBool, `[]`, `wrong_type`)
	f(TypeString, `"d-42"`, `"d-42"`)
	f(TypeString, `"a\"b\\c\u00e9\n"`, `"a\"b\\cé\n"`)
	f(TypeString, `""`, `""`)
	f(TypeString, `42`, `"42"`)
	f(TypeString, `1.50`, `"1.50"`)
	f(TypeString, `true`, `"true"`)
	f(TypeString, `{"a":1}`, `wrong_type`)
	f(TypeString, `["a"]`, `wrong_type`)
	f(TypeString, `NaN`, `non_finite`)
	f(TypeString, "\"\xff\xfe\"", `wrong_type`)
	f(TypeJSON, `{"a": [1, "x", null]}`, `"{\"a\":[1,\"x\",null]}"`)
	f(TypeJSON, `"s"`, `"\"s\""`)
	f(TypeJSON, `12.0`, `"12.0"`)
	f(TypeJSON, `null`, `NULL`)
}

func TestTimestamps(t *testing.T) {
	f := func(json string, o Options, want string) {
		t.Helper()
		d := mustDecoder(t, Schema{Columns: []Column{{Name: "ts", Type: TypeTimestamp}}}, o)
		got := render(d.Decode([]byte(`{"ts":`+json+`}`), nil, now))
		got = strings.TrimPrefix(strings.TrimPrefix(got, "0@1732406401123 "), "0 ts ")
		if got != want {
			t.Errorf("ts %s: got %s, want %s", json, got, want)
		}
	}
	var def Options
	const ms = "1732406400123"
	f(`1732406400`, def, `1732406400000`)          // seconds
	f(`1732406400.123`, def, ms)                   // float seconds
	f(`1700000000.123`, def, `1700000000123`)      // binary fraction below .123
	f(`1732406400123`, def, ms)                    // milliseconds
	f(`1732406400123.9`, def, ms)                  // sub-ms fraction dropped
	f(`1732406400123456`, def, ms)                 // microseconds
	f(`1732406400123456789`, def, ms)              // nanoseconds
	f(`1.732406400123e12`, def, ms)                // milliseconds in exponent form
	f(`"1732406400123"`, def, ms)                  // numeric string
	f(`"1732406400.123"`, def, ms)                 //
	f(`"2024-11-24T00:00:00.123Z"`, def, ms)       // RFC 3339
	f(`"2024-11-24T00:00:00.123456789Z"`, def, ms) //
	f(`"2024-11-24T01:00:00.123+01:00"`, def, ms)
	f(`"2024-11-23T19:30:00.123-04:30"`, def, ms)
	f(`"2024-11-24 01:00:00.123+0100"`, def, ms)
	f(`"2024-11-24t01:00:00,123+01"`, def, ms)
	f(`"2024-11-24T00:00:00.1z"`, def, `1732406400100`)
	f(`"2024-11-24T00:00:00Z"`, def, `1732406400000`)
	f(`"2024-02-29T00:00:00Z"`, def, `1709164800000`)
	f(`"2023-02-29T00:00:00Z"`, def, `wrong_type`)
	f(`"2024-11-24T24:00:00Z"`, def, `wrong_type`)
	f(`"2024-11-24T00:00:00.Z"`, def, `wrong_type`)
	f(`"2024-11-24T00:00:00+1:00"`, def, `wrong_type`)
	f(`"2024-11-24"`, def, `wrong_type`)
	f(`"yesterday"`, def, `wrong_type`)
	f(`"2024-11-24T00:00:00.123"`, def, `wrong_type`) // no offset
	f(`"2024-11-24T00:00:00.123"`, Options{NaiveUTC: true}, ms)
	f(`true`, def, `wrong_type`)
	f(`{}`, def, `wrong_type`)
	f(`"NaN"`, def, `non_finite`)
	f(`null`, def, `NULL`)
	// Bounds: before 2000, more than an hour ahead of now, out of range.
	f(`946684799`, def, `absurd_timestamp`)
	f(`946684800`, def, `946684800000`)
	f(`"1999-12-31T23:59:59Z"`, def, `absurd_timestamp`)
	f(`0`, def, `absurd_timestamp`)
	f(`-1732406400`, def, `absurd_timestamp`)
	f(`1732410001123`, def, `1732410001123`) // exactly one hour ahead
	f(`1732410001124`, def, `absurd_timestamp`)
	f(`1732410001124`, Options{MaxAhead: -1}, `1732410001124`)
	f(`1e30`, def, `absurd_timestamp`)
	f(`"9999-12-31T23:59:59Z"`, def, `absurd_timestamp`)
	f(`"9999-12-31T23:59:59Z"`, Options{MaxAhead: -1}, `253402300799000`)
	f(`"1970-01-01T00:00:00Z"`, Options{MinTime: -1 << 63}, `0`)
	f(`-1.5`, Options{MinTime: -1 << 63}, `-1500`)
	f(`-1`, Options{MinTime: -1 << 63}, `-1000`)
	f(`1`, Options{MinTime: 5000}, `absurd_timestamp`)
}

func TestTimestampUnitOverride(t *testing.T) {
	f := func(unit TimeUnit, json, want string) {
		t.Helper()
		d := mustDecoder(t, Schema{Columns: []Column{{Name: "ts", Type: TypeTimestamp, Unit: unit}}}, Options{MinTime: -1 << 63, MaxAhead: -1})
		got := strings.TrimPrefix(strings.TrimPrefix(render(d.Decode([]byte(`{"ts":`+json+`}`), nil, now)), "0@1732406401123 "), "0 ts ")
		if got != want {
			t.Errorf("unit %d, %s: got %s, want %s", unit, json, got, want)
		}
	}
	f(UnitSeconds, `1732406400123`, `1732406400123000`)
	f(UnitMillis, `1732406400`, `1732406400`)
	f(UnitMicros, `1732406400`, `1732406`)
	f(UnitNanos, `1732406400`, `1732`)
	f(UnitNanos, `-1`, `-1`) // rounds down
	f(UnitSeconds, `9223372036854775`, `9223372036854775000`)
	f(UnitSeconds, `9223372036854776`, `absurd_timestamp`)
	f(UnitMillis, `"1732406400.5"`, `1732406400`)
}

func TestMissingEventTime(t *testing.T) {
	s := sensorSchema()
	payload := []byte(`[{"device":"a"},{"device":"b","ts":null},{"device":"c","ts":1732406400000}]`)
	d := mustDecoder(t, s, Options{})
	if got, want := render(d.Decode(payload, nil, now)), "2@1732406400000 \"c\" 1732406400000 NULL NULL NULL\n0 ts missing_timestamp\n1 ts missing_timestamp"; got != want {
		t.Errorf("reject:\n%s\nwant\n%s", got, want)
	}
	d = mustDecoder(t, s, Options{MissingTime: MissingTimeNow})
	want := "0@1732406401123 \"a\" 1732406401123 NULL NULL NULL\n1@1732406401123 \"b\" 1732406401123 NULL NULL NULL\n2@1732406400000 \"c\" 1732406400000 NULL NULL NULL"
	if got := render(d.Decode(payload, nil, now)); got != want {
		t.Errorf("now:\n%s\nwant\n%s", got, want)
	}
	// Without an event-time column every row gets processing time.
	s.EventTime = ""
	d = mustDecoder(t, s, Options{})
	if got := render(d.Decode([]byte(`{"device":"a","ts":1732406400000}`), nil, now)); got != `0@1732406401123 "a" 1732406400000 NULL NULL NULL` {
		t.Errorf("processing time: %s", got)
	}
}

func TestNDJSON(t *testing.T) {
	d := mustDecoder(t, sensorSchema(), Options{Format: FormatNDJSON})
	payload := "{\"device\":\"a\",\"ts\":1732406400000}\r\n\n  \n{\"device\":\"b\",\"ts\":1732406400001}\n{oops\n[1]\n{\"device\":\"c\",\"ts\":1732406400002,\"seq\":1.5}\n{\"device\":\"d\",\"ts\":1732406400003}"
	want := strings.Join([]string{
		`0@1732406400000 "a" 1732406400000 NULL NULL NULL`,
		`3@1732406400001 "b" 1732406400001 NULL NULL NULL`,
		`7@1732406400003 "d" 1732406400003 NULL NULL NULL`,
		`4  malformed_json`,
		`5  not_object`,
		`6 seq wrong_type`,
	}, "\n")
	if got := render(d.Decode([]byte(payload), nil, now)); got != want {
		t.Fatalf("got\n%s\nwant\n%s", got, want)
	}
	// FormatJSON refuses the same payload as a whole.
	d = mustDecoder(t, sensorSchema(), Options{})
	if got := render(d.Decode([]byte(payload), nil, now)); got != `-1  malformed_json` {
		t.Fatalf("FormatJSON: %s", got)
	}
}

func TestWholePayloadErrors(t *testing.T) {
	f := func(o Options, payload, want string) {
		t.Helper()
		d := mustDecoder(t, sensorSchema(), o)
		if got := render(d.Decode([]byte(payload), nil, now)); got != want {
			t.Errorf("%.40q: got %s, want %s", payload, got, want)
		}
	}
	row := `{"device":"a","ts":1732406400000}`
	f(Options{}, ``, `-1  malformed_json`)
	f(Options{}, `{"device":`, `-1  malformed_json`)
	f(Options{}, row+`x`, `-1  malformed_json`)
	f(Options{}, `"text"`, `-1  not_object`)
	f(Options{}, `42`, `-1  not_object`)
	f(Options{}, `null`, `-1  not_object`)
	f(Options{}, `[]`, ``)
	f(Options{}, ` [ ] `, ``)
	// The size limit is checked first: an oversized payload is not parsed.
	f(Options{MaxBytes: 10}, `{"device":"a"}`, `-1  oversized`)
	f(Options{MaxBytes: 10}, `not json at all`, `-1  oversized`)
	f(Options{MaxBytes: 14}, `{"device":"a"}`, `0 ts missing_timestamp`)
	f(Options{MaxRows: 2}, `[`+row+`,`+row+`,`+row+`]`, `-1  too_many_rows`)
	f(Options{MaxRows: 2}, `[`+row+`,`+row+`]`, "0@1732406400000 \"a\" 1732406400000 NULL NULL NULL\n1@1732406400000 \"a\" 1732406400000 NULL NULL NULL")
	f(Options{MaxRows: 2, Format: FormatNDJSON}, row+"\n"+row+"\n\n"+row, `-1  too_many_rows`)
	f(Options{MaxRows: 2, Format: FormatNDJSON}, row+"\n\n"+row+"\n", "0@1732406400000 \"a\" 1732406400000 NULL NULL NULL\n2@1732406400000 \"a\" 1732406400000 NULL NULL NULL")
	f(Options{Format: FormatNDJSON}, "", ``)
}

func TestCaptures(t *testing.T) {
	s := Schema{
		Columns: []Column{
			{Name: "site", Type: TypeString, Capture: "site"},
			{Name: "device", Type: TypeInt, Capture: "device", Required: true},
			{Name: "temp", Type: TypeFloat},
		},
		Captures: []string{"site", "device"},
	}
	d := mustDecoder(t, s, Options{})
	f := func(caps []string, want string) {
		t.Helper()
		if got := render(d.Decode([]byte(`{"temp":1.5,"site":"ignored"}`), caps, now)); got != want {
			t.Errorf("captures %q: got %s, want %s", caps, got, want)
		}
	}
	f([]string{"berlin", "42"}, `0@1732406401123 "berlin" 42 1.5`)
	f([]string{"", "007"}, `0@1732406401123 "" 7 1.5`)
	f([]string{"berlin", "d42"}, `0 device wrong_type`)
	f([]string{"berlin"}, `0 device missing_field`)
	// Capture strings are used as they are, not copied.
	caps := []string{strings.Repeat("s", 100), "1"}
	b := d.Decode([]byte(`{}`), caps, now)
	if unsafe.StringData(b.Rows[0].Values[0].S) != unsafe.StringData(caps[0]) {
		t.Fatal("capture value differs")
	}
}

func TestNestedPaths(t *testing.T) {
	s := Schema{Columns: []Column{
		{Name: "id", Type: TypeString, Path: "meta.device.id"},
		{Name: "second", Type: TypeFloat, Path: "values.1"},
		{Name: "dotted", Type: TypeInt, Path: `a\.b`},
		{Name: "x.y", Type: TypeInt}, // no path: the name is one key
		{Name: "deep", Type: TypeJSON, Path: "meta.device"},
	}}
	d := mustDecoder(t, s, Options{})
	got := render(d.Decode([]byte(`{"meta":{"device":{"id":"d1"}},"values":[1.5,2.5],"a.b":3,"x.y":4,"x":{"y":5}}`), nil, now))
	if want := `0@1732406401123 "d1" 2.5 3 4 "{\"id\":\"d1\"}"`; got != want {
		t.Fatalf("got %s, want %s", got, want)
	}
	got = render(d.Decode([]byte(`{"meta":{"device":"flat"},"values":{"1":7}}`), nil, now))
	if want := `0@1732406401123 NULL 7 NULL NULL "\"flat\""`; got != want {
		t.Fatalf("got %s, want %s", got, want)
	}
}

func TestSchemaErrors(t *testing.T) {
	f := func(s Schema, want string) {
		t.Helper()
		_, err := NewDecoder(s, Options{})
		if err == nil || !errors.Is(err, ErrSchema) || !strings.Contains(err.Error(), want) {
			t.Errorf("got %v, want ErrSchema containing %q", err, want)
		}
	}
	c := func(cols ...Column) Schema { return Schema{Columns: cols} }
	f(Schema{}, "no columns")
	f(c(Column{Type: TypeInt}), "column 1 has no name")
	f(c(Column{Name: "a", Type: TypeInt}, Column{Name: "a", Type: TypeFloat}), `column "a" defined twice`)
	f(c(Column{Name: "a"}), `column "a" has no valid type`)
	f(c(Column{Name: "a", Type: 99}), `no valid type`)
	f(c(Column{Name: "a", Type: TypeInt, Unit: UnitSeconds}), "time unit applies only to timestamp")
	f(c(Column{Name: "a", Type: TypeInt, Path: "x..y"}), "empty key")
	f(c(Column{Name: "a", Type: TypeInt, Path: "x."}), "empty key at the end")
	f(c(Column{Name: "a", Type: TypeInt, Path: `x\y`}), "backslash")
	f(c(Column{Name: "a", Type: TypeInt, Capture: "dev"}), "topic capture {dev}, which the topic pattern does not have")
	f(Schema{Columns: []Column{{Name: "a", Type: TypeInt, Capture: "d", Path: "x"}}, Captures: []string{"d"}}, "both a path and a topic capture")
	f(Schema{Columns: []Column{{Name: "a", Type: TypeJSON, Capture: "d"}}, Captures: []string{"d"}}, "declare it string")
	f(Schema{Columns: []Column{{Name: "a", Type: TypeInt}}, Captures: []string{"d", "d"}}, "listed twice")
	f(Schema{Columns: []Column{{Name: "a", Type: TypeInt}}, EventTime: "a"}, "must be a timestamp")
	f(Schema{Columns: []Column{{Name: "a", Type: TypeInt}}, EventTime: "b"}, `event-time column "b" is not among`)
	f(Schema{Columns: []Column{{Name: "a", Type: TypeFloat}}, Sequence: "a"}, "must be an int")
	f(Schema{Columns: []Column{{Name: "a", Type: TypeInt}}, Sequence: "b"}, `sequence column "b" is not among`)
	if _, err := NewDecoder(c(Column{Name: "a", Type: TypeInt}), Options{Format: 7}); !errors.Is(err, ErrSchema) {
		t.Errorf("unknown format accepted: %v", err)
	}
}

func TestParseType(t *testing.T) {
	f := func(name string, want Type) {
		t.Helper()
		got, err := ParseType(name)
		if err != nil || got != want {
			t.Errorf("ParseType(%q) = %v, %v; want %v", name, got, err, want)
		}
	}
	f("INT", TypeInt)
	f("bigint", TypeInt)
	f("DOUBLE  PRECISION", TypeFloat)
	f("Varchar", TypeString)
	f("BOOLEAN", TypeBool)
	f("timestamp with time zone", TypeTimestamp)
	f("JSONB", TypeJSON)
	if _, err := ParseType("blob"); !errors.Is(err, ErrSchema) {
		t.Errorf("ParseType(blob) = %v", err)
	}
}

func TestErrors(t *testing.T) {
	d := mustDecoder(t, sensorSchema(), Options{})
	b := d.Decode([]byte(`[{"device":"a","ts":1732406400000,"temp":"NaN"}]`), nil, now)
	if len(b.Errors) != 1 {
		t.Fatalf("errors: %v", b.Errors)
	}
	var err error = b.Errors[0]
	if !errors.Is(err, ErrNonFinite) || errors.Is(err, ErrWrongType) {
		t.Errorf("errors.Is broken for %v", err)
	}
	want := `payload: row 0: column "temp": non_finite: "NaN" is not a finite number; send a finite number, or omit the field to make it NULL`
	if err.Error() != want {
		t.Errorf("message\n%s\nwant\n%s", err, want)
	}
	b = d.Decode([]byte(`[{"device":"a","ts":"2024-11-24T00:00:00"}]`), nil, now)
	if msg := b.Errors[0].Error(); !strings.Contains(msg, "has no UTC offset; send it with Z or +hh:mm") {
		t.Errorf("naive time message: %s", msg)
	}
	b = d.Decode([]byte(`{"device":"a","ts":1000}`), nil, now)
	if msg := b.Errors[0].Error(); !strings.Contains(msg, `"1000" reads as 1970-01-01T00:16:40.000Z, before the earliest accepted time 2000-01-01T00:00:00.000Z`) {
		t.Errorf("absurd time message: %s", msg)
	}
	b = d.Decode([]byte(`12`), nil, now)
	if msg := b.Errors[0].Error(); msg != "payload: not_object: payload is a JSON number; send a JSON object or an array of JSON objects" {
		t.Errorf("payload message: %s", msg)
	}
	seen := map[string]bool{}
	for _, r := range Reasons() {
		s := r.String()
		if seen[s] || strings.HasPrefix(s, "reason(") {
			t.Errorf("reason %d has label %q", r, s)
		}
		seen[s] = true
		if !errors.Is(&Error{Reason: r}, sentinels[r]) || sentinels[r].Error() != s {
			t.Errorf("reason %s has no matching sentinel", s)
		}
	}
	if len(seen) != 9 {
		t.Errorf("%d reasons", len(seen))
	}
}

// TestStringsOutliveDecode checks the ownership contract: strings in Values
// survive later Decodes, interned or not, while the parser's buffer is reused.
func TestStringsOutliveDecode(t *testing.T) {
	for _, limit := range []int{0, -1, 1} {
		d := mustDecoder(t, sensorSchema(), Options{InternLimit: limit})
		long := strings.Repeat("L", 100)
		b := d.Decode([]byte(`[{"device":"dev-1","ts":1732406400000},{"device":"`+long+`","ts":1732406400000}]`), nil, now)
		short, kept := b.Rows[0].Values[0].S, b.Rows[1].Values[0].S
		for i := range 50 {
			d.Decode([]byte(fmt.Sprintf(`[{"device":"XXX-%d","ts":1732406400000},{"device":"%s","ts":1732406400000}]`, i, strings.Repeat("Z", 100))), nil, now)
		}
		if short != "dev-1" || kept != long {
			t.Fatalf("limit %d: kept strings changed to %q, %q", limit, short, kept)
		}
	}
}

func TestInternBounded(t *testing.T) {
	d := mustDecoder(t, sensorSchema(), Options{InternLimit: 4})
	for i := range 100 {
		d.Decode([]byte(fmt.Sprintf(`{"device":"d-%d","ts":1732406400000}`, i)), nil, now)
		if d.intern.len() > 4 {
			t.Fatalf("intern table grew to %d", d.intern.len())
		}
	}
	d = mustDecoder(t, sensorSchema(), Options{InternLimit: -1})
	d.Decode([]byte(`{"device":"d","ts":1732406400000}`), nil, now)
	if d.intern.len() != 0 {
		t.Fatal("interning not disabled")
	}
}

func TestSteadyStateDoesNotAllocate(t *testing.T) {
	f := func(name string, s Schema, o Options, payload string, rows int) {
		t.Helper()
		d := mustDecoder(t, s, o)
		p := []byte(payload)
		d.Decode(p, []string{"site-1", "dev-9"}, now) // warm up buffers and the intern table
		allocs := testing.AllocsPerRun(200, func() {
			if b := d.Decode(p, []string{"site-1", "dev-9"}, now); len(b.Rows) != rows || len(b.Errors) != 0 {
				t.Fatalf("%s: %s", name, render(b))
			}
		})
		if allocs != 0 {
			t.Errorf("%s: %.1f allocations per Decode", name, allocs)
		}
	}
	obj := `{"device":"d-42","ts":1732406400123,"temp":21.5,"hum":40.2,"seq":1234}`
	f("object", sensorSchema(), Options{}, obj, 1)
	f("array", sensorSchema(), Options{}, "["+strings.Repeat(obj+",", 9)+obj+"]", 10)
	f("ndjson", sensorSchema(), Options{Format: FormatNDJSON}, strings.Repeat(obj+"\n", 10), 10)
	f("rfc3339", sensorSchema(), Options{}, `{"device":"d-42","ts":"2024-11-24T00:00:00.123+01:00","temp":"21.5","hum":40.2,"seq":"1234"}`, 1)
	capSchema := sensorSchema()
	capSchema.Captures = []string{"site", "dev"}
	capSchema.Columns = append(capSchema.Columns, Column{Name: "site", Type: TypeString, Capture: "site"}, Column{Name: "dev", Type: TypeString, Capture: "dev"})
	f("captures", capSchema, Options{}, obj, 1)
}

func TestBatchReuse(t *testing.T) {
	d := mustDecoder(t, sensorSchema(), Options{})
	d.Decode([]byte(`[{"device":"a","ts":1732406400000},{"device":"b","ts":1732406400000},5]`), nil, now)
	b := d.Decode([]byte(`{"device":"c","ts":1732406400001}`), nil, now)
	if got := render(b); got != `0@1732406400001 "c" 1732406400001 NULL NULL NULL` {
		t.Fatalf("second batch: %s", got)
	}
	if cap(b.Rows[0].Values) != len(b.Rows[0].Values) {
		t.Fatal("Row.Values has spare capacity: appending would overwrite the next row")
	}
}

func TestDefaultsDocumented(t *testing.T) {
	if got := time.UnixMilli(DefaultMinTime).UTC().Format(time.RFC3339); got != "2000-01-01T00:00:00Z" {
		t.Fatalf("DefaultMinTime is %s", got)
	}
}
