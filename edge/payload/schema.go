package payload

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/eddy-iot/eddy/windows"
)

// Type is a column's type. It decides which JSON values a column accepts and
// the windows.Kind it produces.
type Type uint8

const (
	_             Type = iota
	TypeInt            // windows.KindInt
	TypeFloat          // windows.KindFloat
	TypeString         // windows.KindString
	TypeBool           // windows.KindBool
	TypeTimestamp      // windows.KindInt, Unix milliseconds
	TypeJSON           // windows.KindString holding compact JSON text
)

var typeNames = [...]string{
	TypeInt: "int", TypeFloat: "float", TypeString: "string", TypeBool: "bool",
	TypeTimestamp: "timestamp", TypeJSON: "json",
}

func (t Type) String() string {
	if t > 0 && int(t) < len(typeNames) {
		return typeNames[t]
	}
	return "type(" + strconv.Itoa(int(t)) + ")"
}

// Kind returns the kind of the values a column of type t produces.
func (t Type) Kind() windows.Kind {
	switch t {
	case TypeInt, TypeTimestamp:
		return windows.KindInt
	case TypeFloat:
		return windows.KindFloat
	case TypeString, TypeJSON:
		return windows.KindString
	case TypeBool:
		return windows.KindBool
	}
	return windows.KindNull
}

// ParseType maps an SQL type name, as Flink and RisingWave users write it, to
// a Type. It is case-insensitive.
func ParseType(name string) (Type, error) {
	switch strings.ToLower(strings.Join(strings.Fields(name), " ")) {
	case "int", "integer", "bigint", "smallint", "tinyint", "int2", "int4", "int8", "serial", "bigserial":
		return TypeInt, nil
	case "float", "double", "double precision", "real", "float4", "float8", "decimal", "numeric":
		return TypeFloat, nil
	case "string", "varchar", "text", "char", "character varying":
		return TypeString, nil
	case "bool", "boolean":
		return TypeBool, nil
	case "timestamp", "timestamptz", "timestamp with time zone", "timestamp_ltz":
		return TypeTimestamp, nil
	case "json", "jsonb":
		return TypeJSON, nil
	}
	return 0, fmt.Errorf("%w: unknown column type %q; use int, float, string, bool, timestamp or json", ErrSchema, name)
}

// TimeUnit fixes how a TypeTimestamp column reads numbers.
type TimeUnit uint8

const (
	UnitAuto    TimeUnit = iota // detect by magnitude (see the package documentation)
	UnitSeconds                 // epoch seconds, fractions allowed
	UnitMillis
	UnitMicros
	UnitNanos
)

// Column describes one column of a source.
type Column struct {
	Name string
	Type Type
	// Path locates the field in the payload object: keys separated by
	// dots ("meta.device.id"); a key containing a dot is written with a
	// backslash ("a\.b"); a decimal key indexes an array ("values.0").
	// Empty means the column name as a single key.
	Path string
	// Capture, if set, names a topic capture (Schema.Captures) that
	// fills the column instead of the payload; Path must then be empty.
	Capture string
	// Required rejects rows where the field is missing or null
	// (ReasonMissingField); otherwise such a column is NULL.
	Required bool
	// Unit applies to TypeTimestamp columns only.
	Unit TimeUnit
}

// Schema describes the rows of one source.
type Schema struct {
	Columns []Column
	// Captures names the topic captures Decode receives, in order: the
	// topic pattern's Names().
	Captures []string
	// EventTime names the TypeTimestamp column holding the event time; it
	// becomes Row.Time. Empty means every row gets processing time (the
	// now given to Decode).
	EventTime string
	// Sequence names the TypeInt column holding the device's sequence
	// number, if any; Decoder.SequenceIndex reports its position.
	Sequence string
}

// col is a Column compiled for decoding.
type col struct {
	Column
	path    []string // payload path keys; nil for captures
	capture int      // index into the captures given to Decode, or -1
}

func (s *Schema) compile() ([]col, int, int, error) {
	fail := func(format string, args ...any) ([]col, int, int, error) {
		return nil, 0, 0, fmt.Errorf("%w: %s", ErrSchema, fmt.Sprintf(format, args...))
	}
	if len(s.Columns) == 0 {
		return fail("no columns")
	}
	for i, name := range s.Captures {
		for _, other := range s.Captures[:i] {
			if other == name {
				return fail("topic capture %q listed twice", name)
			}
		}
	}
	cols := make([]col, len(s.Columns))
	timeIdx, seqIdx := -1, -1
	for i, c := range s.Columns {
		if c.Name == "" {
			return fail("column %d has no name", i+1)
		}
		for _, other := range s.Columns[:i] {
			if other.Name == c.Name {
				return fail("column %q defined twice", c.Name)
			}
		}
		if c.Type.Kind() == windows.KindNull {
			return fail("column %q has no valid type (got %v)", c.Name, c.Type)
		}
		if c.Unit != UnitAuto && (c.Type != TypeTimestamp || c.Unit > UnitNanos) {
			return fail("column %q: a time unit applies only to timestamp columns", c.Name)
		}
		cc := col{Column: c, capture: -1}
		if c.Capture != "" {
			if c.Path != "" {
				return fail("column %q has both a path and a topic capture; keep one", c.Name)
			}
			if c.Type == TypeJSON {
				return fail("column %q reads a topic capture, which is text, not JSON; declare it string", c.Name)
			}
			for j, name := range s.Captures {
				if name == c.Capture {
					cc.capture = j
				}
			}
			if cc.capture < 0 {
				return fail("column %q reads topic capture {%s}, which the topic pattern does not have (it has %v)", c.Name, c.Capture, s.Captures)
			}
		} else {
			cc.path = []string{c.Name}
			if c.Path != "" {
				keys, err := splitPath(c.Path)
				if err != nil {
					return fail("column %q: path %q: %v", c.Name, c.Path, err)
				}
				cc.path = keys
			}
		}
		if c.Name == s.EventTime {
			if c.Type != TypeTimestamp {
				return fail("event-time column %q is %v; it must be a timestamp", c.Name, c.Type)
			}
			timeIdx = i
		}
		if c.Name == s.Sequence {
			if c.Type != TypeInt {
				return fail("sequence column %q is %v; it must be an int", c.Name, c.Type)
			}
			seqIdx = i
		}
		cols[i] = cc
	}
	if s.EventTime != "" && timeIdx < 0 {
		return fail("event-time column %q is not among the columns", s.EventTime)
	}
	if s.Sequence != "" && seqIdx < 0 {
		return fail("sequence column %q is not among the columns", s.Sequence)
	}
	return cols, timeIdx, seqIdx, nil
}

// splitPath splits a dotted path into keys; `\.` is a literal dot and `\\` a
// backslash.
func splitPath(p string) ([]string, error) {
	var keys []string
	var cur strings.Builder
	for i := 0; i < len(p); i++ {
		switch c := p[i]; c {
		case '\\':
			if i+1 == len(p) || p[i+1] != '.' && p[i+1] != '\\' {
				return nil, fmt.Errorf(`a backslash must precede '.' or '\' at byte %d`, i+1)
			}
			i++
			cur.WriteByte(p[i])
		case '.':
			if cur.Len() == 0 {
				return nil, fmt.Errorf("empty key at byte %d; write keys separated by single dots", i+1)
			}
			keys = append(keys, cur.String())
			cur.Reset()
		default:
			cur.WriteByte(c)
		}
	}
	if cur.Len() == 0 {
		return nil, fmt.Errorf("empty key at the end; write keys separated by single dots")
	}
	return append(keys, cur.String()), nil
}
