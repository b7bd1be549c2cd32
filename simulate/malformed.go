package simulate

import (
	"strconv"
)

// malformed corrupts the good reading r in one way, so that the agent
// rejects it for exactly one reason. It does not consume r: the good reading
// is still published later, as if the device sent a corrupted copy and then
// the right one. An agent that recorded the sequence number before
// validating the payload would drop that good reading, and the expectation
// would catch it.
func (g *Generator) malformed(r reading) Message {
	reasons := Reasons()
	reason := reasons[g.rng.intn(int64(len(reasons)))]
	name := g.names[r.dev]
	good := appendPayload(nil, name, r)
	temp := string(appendSixteenths(nil, r.temp16))
	fields := []field{
		{"device", strconv.Quote(name)},
		{"seq", strconv.FormatInt(r.k+1, 10)},
		{"ts", strconv.FormatInt(r.ts, 10)},
		{"temp", temp},
		{"humidity", string(appendTenths(nil, r.hum10))},
	}
	pick := func(options ...string) string { return options[g.rng.intn(int64(len(options)))] }
	var payload []byte
	switch reason {
	case ReasonMalformedJSON:
		// Cut anywhere inside the object: no proper prefix of an object is
		// JSON.
		payload = good[:1+g.rng.intn(int64(len(good)-1))]
	case ReasonNotObject:
		payload = []byte(pick(temp, strconv.Quote(temp)))
	case ReasonWrongType:
		// A decimal comma ("21,5"), which a numeric column must refuse. A
		// whole number has no point to replace, and "21" as a string is a
		// number the agent accepts: give it a comma anyway.
		comma := []byte(temp)
		hasPoint := false
		for i, c := range comma {
			if c == '.' {
				comma[i] = ','
				hasPoint = true
			}
		}
		if !hasPoint {
			comma = append(comma, ",0"...)
		}
		payload = object(set(fields, "temp", pick(`"abc"`, strconv.Quote(string(comma)), "true",
			`{"value":`+temp+`}`, "["+temp+"]")))
	case ReasonNonFinite:
		col := pick("temp", "temp", "humidity")
		payload = object(set(fields, col, pick(`"NaN"`, `"-Infinity"`, `"Infinity"`, "1e999")))
	case ReasonMissingField:
		payload = object(set(fields, "temp", pick("", "null")))
	case ReasonMissingTimestamp:
		payload = object(set(fields, "ts", pick("", "null")))
	case ReasonAbsurdTimestamp:
		var ts int64
		if g.rng.intn(2) == 0 {
			// Milliseconds since boot of a device whose clock was never set
			// (at most a week): read as seconds, a time in 1970.
			ts = 1000 + g.rng.intn(7*dayMs)
		} else {
			ts = r.ts + 100*365*dayMs // a century ahead
		}
		payload = object(set(fields, "ts", strconv.FormatInt(ts, 10)))
	}
	return Message{Topic: g.topics[r.dev], Payload: payload, Kind: Malformed, Reason: reason,
		Device: name, Seq: r.k + 1, Time: r.ts}
}

// field is one member of a JSON object, its value as raw JSON text.
type field struct{ key, raw string }

// set returns a copy of fields with key's value replaced by raw, or removed
// if raw is "".
func set(fields []field, key, raw string) []field {
	out := make([]field, 0, len(fields))
	for _, f := range fields {
		if f.key == key {
			if raw == "" {
				continue
			}
			f.raw = raw
		}
		out = append(out, f)
	}
	return out
}

// object writes fields as a JSON object in order.
func object(fields []field) []byte {
	b := []byte{'{'}
	for i, f := range fields {
		if i > 0 {
			b = append(b, ',')
		}
		b = strconv.AppendQuote(b, f.key)
		b = append(b, ':')
		b = append(b, f.raw...)
	}
	return append(b, '}')
}
