package sql

import (
	"strconv"
	"strings"
)

// TypeName is a type as written in a column definition or CAST, and the
// Type it normalises to.
type TypeName struct {
	At     Pos
	Name   string // canonical spelling: VARCHAR, DOUBLE PRECISION, TIMESTAMP_LTZ, ...
	Params []int  // VARCHAR(255), DECIMAL(10, 2), TIMESTAMP(3)
	Zone   string // "", "WITH TIME ZONE", "WITHOUT TIME ZONE", "WITH LOCAL TIME ZONE"
	T      Type
}

func (t *TypeName) Pos() Pos { return t.At }

func (t *TypeName) String() string {
	var b strings.Builder
	b.WriteString(t.Name)
	if len(t.Params) > 0 {
		b.WriteByte('(')
		for i, p := range t.Params {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(strconv.Itoa(p))
		}
		b.WriteByte(')')
	}
	if t.Zone != "" {
		b.WriteByte(' ')
		b.WriteString(t.Zone)
	}
	return b.String()
}

// typeInfo describes one type word.
type typeInfo struct {
	t         Type
	maxParams int
	canonical string // spelling used by String, "" for the word itself
}

// typeWords maps every accepted type word (upper case) to its type.
// Multi-word types (DOUBLE PRECISION, CHARACTER VARYING, TIMESTAMP WITH TIME
// ZONE) are completed by the parser.
var typeWords = map[string]typeInfo{
	"VARCHAR": {TypeString, 1, ""}, "CHAR": {TypeString, 1, ""},
	"CHARACTER": {TypeString, 1, ""}, "STRING": {TypeString, 0, ""},
	"TEXT": {TypeString, 0, ""},
	"INT":  {TypeInt, 0, ""}, "INTEGER": {TypeInt, 0, ""}, "INT4": {TypeInt, 0, ""},
	"BIGINT": {TypeInt, 0, ""}, "INT8": {TypeInt, 0, ""},
	"SMALLINT": {TypeInt, 0, ""}, "INT2": {TypeInt, 0, ""}, "TINYINT": {TypeInt, 0, ""},
	"DOUBLE": {TypeFloat, 0, ""}, "FLOAT": {TypeFloat, 1, ""},
	"FLOAT4": {TypeFloat, 0, ""}, "FLOAT8": {TypeFloat, 0, ""}, "REAL": {TypeFloat, 0, ""},
	"DECIMAL": {TypeFloat, 2, ""}, "NUMERIC": {TypeFloat, 2, ""}, "DEC": {TypeFloat, 2, ""},
	"BOOLEAN": {TypeBool, 0, ""}, "BOOL": {TypeBool, 0, ""},
	"TIMESTAMP": {TypeTimestamp, 1, ""}, "TIMESTAMPTZ": {TypeTimestamp, 1, ""},
	"TIMESTAMP_LTZ": {TypeTimestamp, 1, ""},
	"JSONB":         {TypeJSON, 0, ""}, "JSON": {TypeJSON, 0, ""},
}

// unsupportedTypes are real SQL types Eddy does not have, with what to use.
var unsupportedTypes = map[string]string{
	"DATE":      "use TIMESTAMP, or VARCHAR to keep the text",
	"TIME":      "use TIMESTAMP, or VARCHAR to keep the text",
	"DATETIME":  "use TIMESTAMP",
	"BYTES":     "use VARCHAR (for example base64 text)",
	"BYTEA":     "use VARCHAR (for example base64 text)",
	"BINARY":    "use VARCHAR (for example base64 text)",
	"VARBINARY": "use VARCHAR (for example base64 text)",
	"BLOB":      "use VARCHAR (for example base64 text)",
	"ARRAY":     "use JSONB for nested data and read it with -> and ->>",
	"MAP":       "use JSONB for nested data and read it with -> and ->>",
	"ROW":       "use JSONB for nested data and read it with -> and ->>",
	"STRUCT":    "use JSONB for nested data and read it with -> and ->>",
	"MULTISET":  "use JSONB for nested data and read it with -> and ->>",
	"INTERVAL":  "store a number of milliseconds in BIGINT",
	"UUID":      "use VARCHAR",
}

// typeWordList returns the accepted type words, for suggestions.
func typeWordList() []string {
	out := make([]string, 0, len(typeWords))
	for w := range typeWords {
		out = append(out, w)
	}
	return out
}
