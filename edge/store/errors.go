package store

import "errors"

var (
	// ErrLocked: another process (another agent on the same data directory)
	// holds the file lock and did not release it within Options.LockTimeout.
	ErrLocked = errors.New("store: file is locked by another process")
	// ErrSchemaTooNew: the file was written by a newer build; nothing was
	// changed in it.
	ErrSchemaTooNew = errors.New("store: file schema is newer than this build")
	// ErrNotStore: the file is a bbolt database but not an Eddy store.
	ErrNotStore = errors.New("store: not an eddy store")
	// ErrCorrupt: the file or a record in it cannot be read.
	ErrCorrupt = errors.New("store: corrupt data")
	// ErrStoreFull: the batch would grow the file past Options.MaxSize;
	// nothing of it was written. Drain the outbox, drop state, or raise the cap.
	ErrStoreFull = errors.New("store: file reached its size cap")
	// ErrOutboxFull: the outbox quota is full and the policy is backpressure;
	// nothing of the batch was written. Stop acknowledging input, wait
	// (WaitOutboxSpace) and commit the same batch again.
	ErrOutboxFull = errors.New("store: outbox quota full")
	// ErrEntryTooLarge: one outbox entry is larger than the whole quota and
	// could never be stored.
	ErrEntryTooLarge = errors.New("store: outbox entry larger than the quota")
	// ErrInvalid: a caller error, such as an empty key or pipeline name.
	ErrInvalid = errors.New("store: invalid argument")
	// ErrClosed: the store was closed.
	ErrClosed = errors.New("store: closed")
)
