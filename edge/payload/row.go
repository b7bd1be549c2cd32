package payload

import (
	"fmt"
	"slices"

	"github.com/eddy-iot/eddy/windows"
	"github.com/valyala/fastjson"
)

func (d *Decoder) decodeRow(obj *fastjson.Value, index int, captures []string, now int64) {
	start := len(d.values)
	d.values = slices.Grow(d.values, len(d.cols))[:start+len(d.cols)]
	row := d.values[start:]
	t := now
	for ci := range d.cols {
		c, v := &d.cols[ci], &row[ci]
		*v = windows.Null
		e := d.column(c, obj, captures, now, v)
		if e == nil && v.Kind == windows.KindNull {
			switch {
			case ci == d.timeIdx && d.opts.MissingTime == MissingTimeNow:
				*v = windows.Int(now)
			case ci == d.timeIdx:
				e = &Error{Reason: ReasonMissingTimestamp, Detail: fmt.Sprintf("event-time field %s is missing or null; send it, or let the source use processing time for missing timestamps", c.where())}
			case c.Required:
				e = &Error{Reason: ReasonMissingField, Detail: fmt.Sprintf("required field %s is missing or null; send it, or make the column optional", c.where())}
			}
		}
		if e != nil {
			e.Index, e.Column = index, c.Name
			d.batch.Errors = append(d.batch.Errors, e)
			d.values = d.values[:start]
			return
		}
		if ci == d.timeIdx {
			t = v.I
		}
	}
	d.marks = append(d.marks, rowMark{index: index, time: t, start: start})
}

// where names the field a column reads, for messages.
func (c *col) where() string {
	if c.capture >= 0 {
		return "{" + c.Capture + "} of the topic"
	}
	if c.Path != "" {
		return fmt.Sprintf("%q", c.Path)
	}
	return fmt.Sprintf("%q", c.Name)
}

// column reads one column into *dst, which is NULL on entry; a missing or
// null field leaves it NULL with a nil error.
func (d *Decoder) column(c *col, obj *fastjson.Value, captures []string, now int64, dst *windows.Value) *Error {
	if c.capture >= 0 {
		if c.capture >= len(captures) {
			return nil
		}
		return d.fromString(c, captures[c.capture], true, now, dst)
	}
	jv := obj.Get(c.path...)
	if jv == nil {
		return nil
	}
	t := jv.Type()
	switch {
	case t == fastjson.TypeNull:
		return nil
	case c.Type == TypeJSON:
		d.scratch = jv.MarshalTo(d.scratch[:0])
		*dst = windows.String(d.intern.get(b2s(d.scratch)))
		return nil
	}
	switch t {
	case fastjson.TypeString:
		b, _ := jv.StringBytes()
		return d.fromString(c, b2s(b), false, now, dst)
	case fastjson.TypeNumber:
		d.scratch = jv.MarshalTo(d.scratch[:0])
		return d.fromNumber(c, b2s(d.scratch), now, dst)
	case fastjson.TypeTrue, fastjson.TypeFalse:
		return fromBool(c, t == fastjson.TypeTrue, dst)
	}
	return wrongType(c, t.String(), "")
}
