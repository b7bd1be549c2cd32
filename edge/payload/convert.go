package payload

import (
	"fmt"
	"math"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/eddy-iot/eddy/windows"
)

func wrongType(c *col, got, value string) *Error {
	var hint string
	switch c.Type {
	case TypeInt:
		hint = "send an integer or a string holding one"
	case TypeFloat:
		hint = "send a number or a string holding one"
	case TypeBool:
		hint = `send true/false, "true"/"false" or 0/1`
	case TypeString:
		hint = "send a string or a number; declare the column json for nested values"
	case TypeTimestamp:
		hint = "send epoch seconds/ms/µs/ns as a number, or an RFC 3339 string such as 2024-11-24T10:00:00Z"
	}
	if value != "" {
		got += " " + quoteShort(value)
	}
	return &Error{Reason: ReasonWrongType, Detail: fmt.Sprintf("got %s, want %v; %s", got, c.Type, hint)}
}

func nonFinite(c *col, value string) *Error {
	return &Error{Reason: ReasonNonFinite, Detail: fmt.Sprintf("%s is not a finite number; send a finite number, or omit the field to make it NULL", quoteShort(value))}
}

// quoteShort quotes s for a message, cut to 40 bytes.
func quoteShort(s string) string {
	if len(s) > 40 {
		return fmt.Sprintf("%q...", s[:40])
	}
	return fmt.Sprintf("%q", s)
}

func (d *Decoder) fromNumber(c *col, text string, now int64) (windows.Value, *Error) {
	n, bad := parseNum(text)
	switch bad {
	case numNonFinite:
		return windows.Null, nonFinite(c, text)
	case numSyntax:
		return windows.Null, &Error{Reason: ReasonMalformedJSON, Detail: fmt.Sprintf("number %s is not valid JSON", quoteShort(text))}
	}
	return d.fromNum(c, n, text, now)
}

// fromNum converts a valid finite number whose text is text.
func (d *Decoder) fromNum(c *col, n num, text string, now int64) (windows.Value, *Error) {
	switch c.Type {
	case TypeString:
		return windows.String(d.intern.get(text)), nil
	case TypeInt:
		if i, ok := n.asInt64(); ok {
			return windows.Int(i), nil
		}
		return windows.Null, wrongType(c, "non-integral number", text)
	case TypeFloat:
		return windows.Float(n.f), nil
	case TypeBool:
		if i, ok := n.asInt64(); ok && (i == 0 || i == 1) {
			return windows.Bool(i == 1), nil
		}
		return windows.Null, wrongType(c, "number", text)
	}
	return d.epoch(c, n, text, now)
}

// fromString converts a JSON string or a topic capture. owned tells whether
// s may be kept as it is (a capture) or must be copied (a parser buffer).
func (d *Decoder) fromString(c *col, s string, owned bool, now int64) (windows.Value, *Error) {
	switch c.Type {
	case TypeString:
		if owned {
			return windows.String(s), nil
		}
		if !utf8.ValidString(s) {
			return windows.Null, &Error{Reason: ReasonWrongType, Detail: "string is not valid UTF-8; send UTF-8 text"}
		}
		return windows.String(d.intern.get(s)), nil
	case TypeBool:
		switch {
		case strings.EqualFold(s, "true") || s == "1":
			return windows.Bool(true), nil
		case strings.EqualFold(s, "false") || s == "0":
			return windows.Bool(false), nil
		}
		return windows.Null, wrongType(c, "string", s)
	}
	n, bad := parseNum(s)
	switch {
	case bad == numNonFinite:
		return windows.Null, nonFinite(c, s)
	case bad == numOK:
		return d.fromNum(c, n, s, now)
	case c.Type != TypeTimestamp:
		return windows.Null, wrongType(c, "string", s)
	}
	ms, st := parseDateTime(s, d.opts.NaiveUTC)
	switch st {
	case dtNoZone:
		return windows.Null, &Error{Reason: ReasonWrongType, Detail: fmt.Sprintf("date-time %s has no UTC offset; send it with Z or +hh:mm, or configure the source to read such times as UTC", quoteShort(s))}
	case dtSyntax:
		return windows.Null, wrongType(c, "string", s)
	}
	return d.checkTime(ms, s, now)
}

func fromBool(c *col, b bool) (windows.Value, *Error) {
	switch c.Type {
	case TypeBool:
		return windows.Bool(b), nil
	case TypeString:
		if b {
			return windows.String("true"), nil
		}
		return windows.String("false"), nil
	}
	return windows.Null, wrongType(c, "boolean", "")
}

func (d *Decoder) epoch(c *col, n num, text string, now int64) (windows.Value, *Error) {
	ms, ok := epochMillis(n, c.Unit)
	if !ok {
		return windows.Null, &Error{Reason: ReasonAbsurdTimestamp, Detail: fmt.Sprintf("%s is out of range for a time; check the device clock and the unit", quoteShort(text))}
	}
	return d.checkTime(ms, text, now)
}

func (d *Decoder) checkTime(ms int64, text string, now int64) (windows.Value, *Error) {
	if ms < d.opts.MinTime {
		return windows.Null, &Error{Reason: ReasonAbsurdTimestamp, Detail: fmt.Sprintf(
			"%s reads as %s, before the earliest accepted time %s; check the device clock, and that the number is epoch seconds, ms, µs or ns",
			quoteShort(text), fmtMillis(ms), fmtMillis(d.opts.MinTime))}
	}
	if d.maxAheadMs >= 0 && now <= math.MaxInt64-d.maxAheadMs && ms > now+d.maxAheadMs {
		return windows.Null, &Error{Reason: ReasonAbsurdTimestamp, Detail: fmt.Sprintf(
			"%s reads as %s, more than %v ahead of the agent clock (%s); check the device clock",
			quoteShort(text), fmtMillis(ms), d.opts.MaxAhead, fmtMillis(now))}
	}
	return windows.Int(ms), nil
}

func fmtMillis(ms int64) string {
	return time.UnixMilli(ms).UTC().Format("2006-01-02T15:04:05.000Z07:00")
}
