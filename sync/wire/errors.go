package wire

import "errors"

var (
	// ErrCorrupt reports a batch or row that cannot be decoded.
	ErrCorrupt = errors.New("wire: corrupt data")
	// ErrVersion reports an encoding version this build does not know.
	ErrVersion = errors.New("wire: unknown encoding version")
)
