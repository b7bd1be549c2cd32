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

func (d *Decoder) fromNumber(c *col, text string, now int64, dst *windows.Value) *Error {
	n, bad := parseNum(text)
	switch bad {
	case numNonFinite:
		return nonFinite(c, text)
	case numSyntax:
		return &Error{Reason: ReasonMalformedJSON, Detail: fmt.Sprintf("number %s is not valid JSON", quoteShort(text))}
	}
	return d.fromNum(c, n, text, now, dst)
}

// fromNum converts a valid finite number whose text is text.
func (d *Decoder) fromNum(c *col, n num, text string, now int64, dst *windows.Value) *Error {
	switch c.Type {
	case TypeString:
		*dst = windows.String(d.intern.get(text))
		return nil
	case TypeInt:
		if i, ok := n.asInt64(); ok {
			*dst = windows.Int(i)
			return nil
		}
		return wrongType(c, "non-integral number", text)
	case TypeFloat:
		*dst = windows.Float(n.f)
		return nil
	case TypeBool:
		if i, ok := n.asInt64(); ok && (i == 0 || i == 1) {
			*dst = windows.Bool(i == 1)
			return nil
		}
		return wrongType(c, "number", text)
	}
	return d.epoch(c, n, text, now, dst)
}

// fromString converts a JSON string or a topic capture. owned tells whether
// s may be kept as it is (a capture) or must be copied (a parser buffer).
func (d *Decoder) fromString(c *col, s string, owned bool, now int64, dst *windows.Value) *Error {
	switch c.Type {
	case TypeString:
		if owned {
			*dst = windows.String(s)
			return nil
		}
		if !utf8.ValidString(s) {
			return &Error{Reason: ReasonWrongType, Detail: "string is not valid UTF-8; send UTF-8 text"}
		}
		*dst = windows.String(d.intern.get(s))
		return nil
	case TypeBool:
		switch {
		case strings.EqualFold(s, "true") || s == "1":
			*dst = windows.Bool(true)
			return nil
		case strings.EqualFold(s, "false") || s == "0":
			*dst = windows.Bool(false)
			return nil
		}
		return wrongType(c, "string", s)
	}
	n, bad := parseNum(s)
	switch {
	case bad == numNonFinite:
		return nonFinite(c, s)
	case bad == numOK:
		return d.fromNum(c, n, s, now, dst)
	case c.Type != TypeTimestamp:
		return wrongType(c, "string", s)
	}
	ms, st := parseDateTime(s, d.opts.NaiveUTC)
	switch st {
	case dtNoZone:
		return &Error{Reason: ReasonWrongType, Detail: fmt.Sprintf("date-time %s has no UTC offset; send it with Z or +hh:mm, or configure the source to read such times as UTC", quoteShort(s))}
	case dtSyntax:
		return wrongType(c, "string", s)
	}
	return d.checkTime(ms, s, now, dst)
}

func fromBool(c *col, b bool, dst *windows.Value) *Error {
	switch c.Type {
	case TypeBool:
		*dst = windows.Bool(b)
		return nil
	case TypeString:
		if b {
			*dst = windows.String("true")
			return nil
		}
		*dst = windows.String("false")
		return nil
	}
	return wrongType(c, "boolean", "")
}

func (d *Decoder) epoch(c *col, n num, text string, now int64, dst *windows.Value) *Error {
	ms, ok := epochMillis(n, c.Unit)
	if !ok {
		return &Error{Reason: ReasonAbsurdTimestamp, Detail: fmt.Sprintf("%s is out of range for a time; check the device clock and the unit", quoteShort(text))}
	}
	return d.checkTime(ms, text, now, dst)
}

func (d *Decoder) checkTime(ms int64, text string, now int64, dst *windows.Value) *Error {
	if ms < d.opts.MinTime {
		return &Error{Reason: ReasonAbsurdTimestamp, Detail: fmt.Sprintf(
			"%s reads as %s, before the earliest accepted time %s; check the device clock, and that the number is epoch seconds, ms, µs or ns",
			quoteShort(text), fmtMillis(ms), fmtMillis(d.opts.MinTime))}
	}
	if d.maxAheadMs >= 0 && now <= math.MaxInt64-d.maxAheadMs && ms > now+d.maxAheadMs {
		return &Error{Reason: ReasonAbsurdTimestamp, Detail: fmt.Sprintf(
			"%s reads as %s, more than %v ahead of the agent clock (%s); check the device clock",
			quoteShort(text), fmtMillis(ms), d.opts.MaxAhead, fmtMillis(now))}
	}
	*dst = windows.Int(ms)
	return nil
}

func fmtMillis(ms int64) string {
	return time.UnixMilli(ms).UTC().Format("2006-01-02T15:04:05.000Z07:00")
}
