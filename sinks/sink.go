// Package sinks holds the contract every output implements. Each connector is
// its own folder (print, file, mqtt, kafka, webhook) with a README and a
// sample configuration.
//
// # Contract
//
// A Sink receives batches of result rows, each one JSON object as encoded by
// sync/wire. Write is never called concurrently on one Sink; the caller owns
// ordering. A Sink must not retain the row slices after Write returns. Write
// returns an error when the batch was not (fully) written, and the caller
// decides whether to retry; a sink never panics on I/O failures.
package sinks

import "context"

// Sink is an output for result rows.
type Sink interface {
	// Write delivers rows; each is one JSON object without a trailing newline.
	Write(ctx context.Context, rows [][]byte) error
	// Close flushes and releases resources.
	Close() error
}
