package sql

import "strings"

// Node is any element of the syntax tree.
type Node interface {
	// Pos is where the node starts in the text.
	Pos() Pos
	// String is the canonical SQL text of the node: keywords upper case,
	// identifiers as written, one space between tokens, parentheses only
	// where precedence needs them. Parsing it gives the same tree.
	String() string
}

// Statement is one ";"-separated statement.
type Statement interface {
	Node
	stmt()
}

// Expr is a scalar expression.
type Expr interface {
	Node
	expr()
}

// Ident is one identifier. Unquoted identifiers are case-insensitive:
// Name is folded to lower case, as in PostgreSQL and RisingWave. Quoted
// ("Name" or `Name`) ones keep their case. Raw is the spelling as written
// (without quotes); it names JSON fields, which are case-sensitive, so that
// a column declared deviceId reads the payload field "deviceId".
type Ident struct {
	Name   string
	Raw    string
	Quoted bool
	At     Pos
}

func (id Ident) Pos() Pos { return id.At }

// String prints id as written: unquoted words as they were (the parser
// accepted them there, so they read back the same), quoted ones in double
// quotes, so that case and any character survive.
func (id Ident) String() string {
	if id.Quoted {
		return quoteIdent(id.Raw)
	}
	return id.Raw
}

func newIdent(t token) Ident {
	if t.kind == tokQuoted {
		return Ident{Name: t.val, Raw: t.val, Quoted: true, At: t.pos}
	}
	return Ident{Name: strings.ToLower(t.val), Raw: t.val, At: t.pos}
}

func quoteIdent(s string) string {
	return `"` + strings.ReplaceAll(s, `"`, `""`) + `"`
}

func quoteString(s string) string {
	return "'" + strings.ReplaceAll(s, "'", "''") + "'"
}

// ObjectKind is what a CREATE, DROP or SHOW is about.
type ObjectKind uint8

const (
	// ObjectSource is CREATE SOURCE / STREAM, and Flink's CREATE TABLE
	// with a column list.
	ObjectSource ObjectKind = iota + 1
	// ObjectView is a (materialized) view.
	ObjectView
	// ObjectSink is a sink.
	ObjectSink
	// ObjectTable is Flink's TABLE in DROP/SHOW: a source, or the view of a
	// CREATE TABLE ... AS SELECT (and its sink).
	ObjectTable
)

func (k ObjectKind) String() string {
	switch k {
	case ObjectSource:
		return "SOURCE"
	case ObjectView:
		return "MATERIALIZED VIEW"
	case ObjectSink:
		return "SINK"
	case ObjectTable:
		return "TABLE"
	}
	return "?"
}

// noun is the lower-case name for messages.
func (k ObjectKind) noun() string {
	switch k {
	case ObjectSource:
		return "source"
	case ObjectView:
		return "materialized view"
	case ObjectSink:
		return "sink"
	case ObjectTable:
		return "table"
	}
	return "object"
}
