package sql

import (
	"strconv"

	"github.com/eddy-iot/eddy/windows"
)

// Type is the small type set every declared SQL type is normalised to.
type Type uint8

const (
	// TypeNull is the type of the NULL literal: it fits anywhere.
	TypeNull Type = iota
	// TypeBool is BOOLEAN.
	TypeBool
	// TypeInt is every integer type, held as int64.
	TypeInt
	// TypeFloat is DOUBLE, REAL, FLOAT, and also DECIMAL/NUMERIC: sensor
	// data does not need exact decimals and the engine's sums are
	// compensated (see windows.sum).
	TypeFloat
	// TypeString is VARCHAR, STRING, TEXT, CHAR.
	TypeString
	// TypeTimestamp is every TIMESTAMP flavour, as Unix milliseconds (UTC).
	// Eddy does not distinguish local and zoned timestamps: event times
	// are instants.
	TypeTimestamp
	// TypeInterval is a fixed length of time, in milliseconds. It is the
	// type of INTERVAL literals; columns cannot have it.
	TypeInterval
	// TypeJSON is JSONB/JSON: a nested document whose fields are read with
	// ->, ->> or dots. Its values are typed at run time, so the binder lets
	// it stand for any type (as PostgreSQL's "unknown").
	TypeJSON
)

var typeNames = [...]string{"NULL", "BOOLEAN", "BIGINT", "DOUBLE", "VARCHAR", "TIMESTAMP", "INTERVAL", "JSONB"}

// String returns the canonical SQL name of t.
func (t Type) String() string {
	if int(t) < len(typeNames) {
		return typeNames[t]
	}
	return "type(" + strconv.Itoa(int(t)) + ")"
}

// Kind is the windows.Value kind that carries values of t at run time.
// Timestamps and intervals are milliseconds in an int. JSON is dynamic: its
// values arrive as whatever the document holds, and KindString stands for
// "not known before run time".
func (t Type) Kind() windows.Kind {
	switch t {
	case TypeBool:
		return windows.KindBool
	case TypeInt, TypeTimestamp, TypeInterval:
		return windows.KindInt
	case TypeFloat:
		return windows.KindFloat
	case TypeString, TypeJSON:
		return windows.KindString
	}
	return windows.KindNull
}

// numeric reports whether t can be used as a number (JSON and NULL may).
func (t Type) numeric() bool {
	return t == TypeInt || t == TypeFloat || t == TypeJSON || t == TypeNull
}

// dynamic reports whether t fits any other type in the binder.
func (t Type) dynamic() bool { return t == TypeJSON || t == TypeNull }
