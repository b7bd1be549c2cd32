package simulate

import "errors"

var (
	// ErrConfig reports an invalid Config.
	ErrConfig = errors.New("simulate config")
	// ErrPublish wraps a message the Publisher did not accept or the broker
	// did not acknowledge.
	ErrPublish = errors.New("simulate publish")
)
