// Package payload decodes MQTT payloads into typed rows for a source schema,
// on the agent's hot path: no reflection, one fastjson.Parser per Decoder,
// and no allocation per row in the steady state.
//
// # Shapes
//
// With FormatJSON a payload is one JSON object (one row) or a JSON array of
// objects (one row each); with FormatNDJSON it is one object per line. Any
// other top-level value is ReasonNotObject. A column reads the field at its
// Path (the column name by default; dotted paths reach nested objects and
// array elements) or a topic capture. Unknown fields are ignored; a missing
// or null field is NULL unless the column is Required. If an object repeats a
// key, the first occurrence counts. See README.md for examples.
//
// # Conversions
//
// int: integers, also as strings ("42"), and numbers without a fractional
// part ("3.0", 1e3); 3.5 is ReasonWrongType. float: numbers and numeric
// strings ("21.5"). bool: true/false, "true"/"false" in any case, 0/1 and
// "0"/"1". string: strings, numbers (their text as sent: 1.50 stays "1.50")
// and booleans ("true"); objects and arrays are ReasonWrongType. json: any
// value as compact JSON text. NaN and ±Inf, as bare JSON extensions, as
// strings ("NaN", "-Infinity") or as numbers that overflow ("1e400"), are
// ReasonNonFinite in every column type. Numeric strings follow JSON number
// syntax with an optional '+' and surrounding blanks; hexadecimal and the
// like are ReasonWrongType.
//
// # Timestamps
//
// A timestamp column yields Unix milliseconds (windows.KindInt). Numbers and
// numeric strings are epoch times whose unit is detected by magnitude unless
// Column.Unit fixes it: below 1e11 seconds, below 1e14 milliseconds, below
// 1e17 microseconds, else nanoseconds. Every unit is then read correctly for
// instants from 1973-03-03 to 5138-11-16. Fractions are kept to the
// millisecond (1700000000.123 → 1700000000123); finer digits are dropped.
// Strings are RFC 3339 date-times with Z or a ±hh:mm offset
// ("2024-11-24T10:00:00.123+01:00"; also 't', a space, ',' for the decimal
// point, and ±hhmm or ±hh offsets); without an offset they are refused
// unless Options.NaiveUTC. Times before Options.MinTime (default 2000-01-01)
// or more than Options.MaxAhead (default 1 h) after the now passed to Decode
// are ReasonAbsurdTimestamp, in every timestamp column. A missing event time
// is ReasonMissingTimestamp or, with MissingTimeNow, processing time.
//
// # Ownership
//
// A Decoder is owned by one goroutine. Decode returns a *Batch that the
// Decoder reuses: its slices are valid until the next Decode, so copy the
// Values a caller keeps longer. The strings inside Values, however, are
// ordinary Go strings that may be kept forever: fastjson's bytes (valid only
// until the next parse) are interned in a bounded per-Decoder table
// (Options.InternLimit entries of at most 64 bytes), so the device ids and
// states a fleet repeats cost no allocation after their first appearance,
// and other strings are copied. Capture columns reuse the caller's capture
// strings.
//
// # Errors
//
// Every rejection is an *Error with a Reason (a stable label for metrics and
// dead letters), the row Index (-1 for the whole payload) and Column, and a
// Detail saying what was wrong and what to do; it unwraps to the Reason's
// sentinel. Oversized payloads are refused before parsing. In an array or
// NDJSON payload, a bad element is reported and the good ones are still
// returned; within a row the first failing column is reported.
//
// # Caveats
//
// fastjson is lenient where strict JSON is not: it accepts control
// characters and invalid escapes inside strings (kept as sent) and bare NaN
// and Inf (rejected here as non-finite). String values that are not valid
// UTF-8 are ReasonWrongType. Columns are looked up key by key, which is
// quick for the small objects sensors send but linear in the number of keys.
package payload
