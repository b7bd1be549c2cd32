package compile

import "errors"

var (
	// ErrPlan is returned by Compile for a bound view the engine cannot
	// run: an expression eval does not know, an aggregate windows does not
	// know, a spec that does not validate. It means the binder and the
	// engine disagree, not that the user's SQL is wrong.
	ErrPlan = errors.New("compile: cannot plan view")

	// ErrRow is returned by Record, Output and Project for a row that
	// cannot be processed: a runtime evaluation error, a non-finite
	// aggregate input, a NULL or non-timestamp event time. The caller
	// dead-letters the row with the message.
	ErrRow = errors.New("compile: bad row")
)
