package fleet

import "errors"

var (
	// ErrRow reports a result row that cannot be decoded; the consumer
	// counts and skips it.
	ErrRow = errors.New("fleet: bad result row")
	// ErrPlan reports a fleet view the aggregator cannot run, with what to
	// change.
	ErrPlan = errors.New("fleet: view")
)
