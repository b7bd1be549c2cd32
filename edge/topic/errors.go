package topic

import "errors"

// ErrPattern is wrapped by every error Compile returns.
var ErrPattern = errors.New("invalid topic pattern")
