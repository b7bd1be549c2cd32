package store

import "errors"

var (
	// ErrOpen reports a store file that cannot be opened (locked by another
	// process, unreadable, not a bbolt file).
	ErrOpen = errors.New("aggregator store: open")
	// ErrCorrupt reports an entry that cannot be decoded.
	ErrCorrupt = errors.New("aggregator store: corrupt entry")
)
