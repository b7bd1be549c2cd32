package aggregator

import "errors"

var (
	// ErrConfig wraps every configuration error.
	ErrConfig = errors.New("aggregator config")
	// ErrStalled reports a Kafka reader that delivered nothing while the
	// group had lag; the consumer rebuilds it.
	ErrStalled = errors.New("aggregator: kafka reader stalled")
)
