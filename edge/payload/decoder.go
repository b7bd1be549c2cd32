package payload

import (
	"bytes"
	"fmt"

	"github.com/eddy-iot/eddy/windows"
	"github.com/valyala/fastjson"
)

// Decoder turns payloads of one source into rows. It owns a fastjson.Parser
// and reusable buffers, so it is not safe for concurrent use: give each
// decoding goroutine its own Decoder (they are cheap; no pool is needed for a
// goroutine that lives as long as its source).
type Decoder struct {
	cols       []col
	timeIdx    int
	seqIdx     int
	opts       Options
	maxAheadMs int64 // -1: no bound

	parser  fastjson.Parser
	intern  interner
	scratch []byte

	batch  Batch
	marks  []rowMark
	values []windows.Value
}

// Batch is what one Decode produced. It and everything it points to except
// the strings inside Values belong to the Decoder and are overwritten by the
// next Decode; copy what must outlive it. The strings are ordinary Go strings
// (interned, copied, or substrings of the captures given to Decode) and may be
// kept.
type Batch struct {
	Rows   []Row    // good rows in payload order
	Errors []*Error // rejected rows, or one Error with Index -1 for the whole payload
}

// Row is one decoded row.
type Row struct {
	// Index is the array element or NDJSON line (0-based) the row came
	// from; 0 for a single object.
	Index int
	// Time is the event time in Unix ms: the EventTime column, or the now
	// given to Decode when the schema has none or the missing-time policy
	// says so.
	Time   int64
	Values []windows.Value // one per Schema column, in order; NULL where absent
}

type rowMark struct {
	index int
	time  int64
	start int
}

// NewDecoder compiles schema. Errors wrap ErrSchema.
func NewDecoder(schema Schema, opts Options) (*Decoder, error) {
	cols, timeIdx, seqIdx, err := schema.compile()
	if err != nil {
		return nil, err
	}
	if opts.Format > FormatNDJSON || opts.MissingTime > MissingTimeNow {
		return nil, fmt.Errorf("%w: unknown format or missing-time policy", ErrSchema)
	}
	opts = opts.withDefaults()
	d := &Decoder{cols: cols, timeIdx: timeIdx, seqIdx: seqIdx, opts: opts, intern: newInterner(opts.InternLimit)}
	d.maxAheadMs = -1
	if opts.MaxAhead >= 0 {
		d.maxAheadMs = opts.MaxAhead.Milliseconds()
	}
	return d, nil
}

// Index returns the position of the named column in Row.Values, or -1.
func (d *Decoder) Index(name string) int {
	for i := range d.cols {
		if d.cols[i].Name == name {
			return i
		}
	}
	return -1
}

// EventTimeIndex returns the position of Schema.EventTime, or -1.
func (d *Decoder) EventTimeIndex() int { return d.timeIdx }

// SequenceIndex returns the position of Schema.Sequence, or -1.
func (d *Decoder) SequenceIndex() int { return d.seqIdx }

// Decode decodes payload. captures are the topic captures in
// Schema.Captures order (from topic.Pattern.Match; a capture column whose
// capture is not supplied is NULL); now is the processing
// time in Unix ms, used for missing event times and the MaxAhead bound.
//
// A bad array element or line is reported in Batch.Errors and the other rows
// are still returned. Within a row the first failing column is reported.
// The returned Batch is valid until the next Decode.
func (d *Decoder) Decode(payload []byte, captures []string, now int64) *Batch {
	clear(d.batch.Errors)
	d.batch.Errors = d.batch.Errors[:0]
	d.batch.Rows = d.batch.Rows[:0]
	d.marks = d.marks[:0]
	d.values = d.values[:0]
	switch {
	case len(payload) > d.opts.MaxBytes:
		d.fail(-1, ReasonOversized, "payload is %d bytes, more than the limit of %d; send smaller messages or raise the source's maximum payload size", len(payload), d.opts.MaxBytes)
	case d.opts.Format == FormatNDJSON:
		d.decodeLines(payload, captures, now)
	default:
		d.decodeDocument(payload, captures, now)
	}
	n := len(d.cols)
	for _, m := range d.marks {
		d.batch.Rows = append(d.batch.Rows, Row{Index: m.index, Time: m.time, Values: d.values[m.start : m.start+n : m.start+n]})
	}
	return &d.batch
}

func (d *Decoder) fail(index int, r Reason, format string, args ...any) {
	d.batch.Errors = append(d.batch.Errors, &Error{Reason: r, Index: index, Detail: fmt.Sprintf(format, args...)})
}

func (d *Decoder) decodeDocument(payload []byte, captures []string, now int64) {
	v, err := d.parser.ParseBytes(payload)
	if err != nil {
		d.fail(-1, ReasonMalformedJSON, "not valid JSON (%v); send a JSON object or an array of JSON objects", err)
		return
	}
	switch v.Type() {
	case fastjson.TypeObject:
		d.decodeRow(v, 0, captures, now)
	case fastjson.TypeArray:
		elems, _ := v.Array()
		if len(elems) > d.opts.MaxRows {
			d.fail(-1, ReasonTooManyRows, "array has %d elements, more than the limit of %d; send fewer per message or raise the source's maximum rows", len(elems), d.opts.MaxRows)
			return
		}
		for i, e := range elems {
			if e.Type() != fastjson.TypeObject {
				d.fail(i, ReasonNotObject, "element is a JSON %v; every array element must be a JSON object", e.Type())
				continue
			}
			d.decodeRow(e, i, captures, now)
		}
	default:
		d.fail(-1, ReasonNotObject, "payload is a JSON %v; send a JSON object or an array of JSON objects", v.Type())
	}
}

func (d *Decoder) decodeLines(payload []byte, captures []string, now int64) {
	lines := 0
	for rest, more := payload, true; more; {
		var line []byte
		line, rest, more = bytes.Cut(rest, []byte{'\n'})
		if !blank(line) {
			lines++
		}
	}
	if lines > d.opts.MaxRows {
		d.fail(-1, ReasonTooManyRows, "payload has %d lines, more than the limit of %d; send fewer per message or raise the source's maximum rows", lines, d.opts.MaxRows)
		return
	}
	for i, rest, more := 0, payload, true; more; i++ {
		var line []byte
		line, rest, more = bytes.Cut(rest, []byte{'\n'})
		if blank(line) {
			continue
		}
		v, err := d.parser.ParseBytes(line)
		switch {
		case err != nil:
			d.fail(i, ReasonMalformedJSON, "line is not valid JSON (%v); send one JSON object per line", err)
		case v.Type() != fastjson.TypeObject:
			d.fail(i, ReasonNotObject, "line is a JSON %v; send one JSON object per line", v.Type())
		default:
			d.decodeRow(v, i, captures, now)
		}
	}
}

func blank(b []byte) bool {
	for _, c := range b {
		if c != ' ' && c != '\t' && c != '\r' {
			return false
		}
	}
	return true
}
