package eval

import "github.com/eddy-iot/eddy/windows"

// Env is what an expression reads: the input row, and for the output of an
// aggregating view the group keys, aggregate results and window bounds.
//
// An Env is reused from row to row by its single owner: reset Err (and set
// the fields the expression reads) before each evaluation.
type Env struct {
	Row  []windows.Value // input columns, by sql.ColumnRef.Index
	Keys []windows.Value // group keys of the group being emitted, by sql.GroupRef.Index
	Aggs []windows.Value // aggregate results, by sql.AggRef.Index

	// WindowStart and WindowEnd are the bounds of the window being emitted
	// (sql.WindowRef), Unix milliseconds.
	WindowStart, WindowEnd int64

	// Now is the processing time in Unix milliseconds, the value of
	// proctime().
	Now int64

	// Err is the first runtime error of the evaluations since it was last
	// reset (a bad CAST of a string, a division by zero, an integer
	// overflow). The failing subexpression yields NULL and evaluation goes
	// on, so the caller must check Err and dead-letter the row with it.
	Err error
}
