package sql

import (
	"errors"
	"strings"
)

// Sentinel errors. Every *Error wraps exactly one of them; check with
// errors.Is (an ErrorList matches if any of its errors does).
var (
	// ErrSyntax: the text is not in the dialect (lexical or grammar error).
	ErrSyntax = errors.New("syntax error")
	// ErrTooComplex: an expression nests deeper than the parser allows.
	ErrTooComplex = errors.New("statement too complex")
	// ErrUnsupported: valid SQL elsewhere (joins, ORDER BY, subqueries,
	// types such as ARRAY) that Eddy does not run.
	ErrUnsupported = errors.New("not supported")
	// ErrExists: CREATE of a name that is already taken.
	ErrExists = errors.New("already exists")
	// ErrUnknownRelation: a source, view or sink that does not exist.
	ErrUnknownRelation = errors.New("unknown relation")
	// ErrUnknownColumn: a column that is not in scope.
	ErrUnknownColumn = errors.New("unknown column")
	// ErrUnknownFunction: a function name that is neither scalar nor
	// aggregate.
	ErrUnknownFunction = errors.New("unknown function")
	// ErrType: operand or argument types that do not fit.
	ErrType = errors.New("type error")
	// ErrAggregate: aggregate misuse: nested, in WHERE, a column missing
	// from GROUP BY, wrong parameters.
	ErrAggregate = errors.New("aggregate error")
	// ErrWindow: an invalid TUMBLE/HOP/SESSION or watermark.
	ErrWindow = errors.New("window error")
	// ErrOption: a WITH option or FORMAT that is missing, unknown or
	// invalid for its connector or view.
	ErrOption = errors.New("invalid option")
	// ErrDependency: DROP of an object others still read from.
	ErrDependency = errors.New("dependent objects")
)

// Error is one problem in SQL text: where, what, and what to do.
type Error struct {
	// File names the text for messages; Catalog.Exec sets it from its
	// file argument. Empty for Parse and ParseExpr.
	File string
	Pos  Pos
	Msg  string // starts lowercase, names the token, says what was expected
	Err  error  // one of the sentinel errors above
}

// Error renders "file:line:col: message", or "line:col: message" when File
// is empty.
func (e *Error) Error() string {
	if e.File != "" {
		return e.File + ":" + e.Pos.String() + ": " + e.Msg
	}
	return e.Pos.String() + ": " + e.Msg
}

// Unwrap returns the sentinel.
func (e *Error) Unwrap() error { return e.Err }

// ErrorList is every error found in one text. Parse returns syntax errors
// in order of position; Catalog.Exec returns syntax and semantic errors
// together, sorted by position.
type ErrorList []*Error

// Error renders one error a line.
func (l ErrorList) Error() string {
	var b strings.Builder
	for i, e := range l {
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(e.Error())
	}
	return b.String()
}

// Unwrap lets errors.Is and errors.As see every error of the list.
func (l ErrorList) Unwrap() []error {
	out := make([]error, len(l))
	for i, e := range l {
		out[i] = e
	}
	return out
}

// Err returns l as an error, or nil when it is empty (a nil ErrorList in an
// error interface is not nil).
func (l ErrorList) Err() error {
	if len(l) == 0 {
		return nil
	}
	return l
}

func newError(pos Pos, sentinel error, msg string) *Error {
	return &Error{Pos: pos, Msg: msg, Err: sentinel}
}
