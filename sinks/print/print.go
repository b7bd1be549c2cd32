// Package print is the sink that writes result rows to standard output (or any
// writer), one JSON object a line, prefixed with the sink name as Flink's print
// connector prefixes its rows. It is meant for development and demos.
//
// Every write to the underlying writer holds whole lines only, at most
// writeMax bytes unless one line is longer: a process killed between two
// writes leaves no torn line for the next one to be glued to (the sink is
// at least once, and after a restart the rows not yet marked done are
// written again), and writes of up to 4 KiB to a pipe are atomic.
package print

import (
	"context"
	"io"
	"sync"
)

// writeMax bounds one write: PIPE_BUF on Linux.
const writeMax = 4096

// Sink writes rows to a writer.
type Sink struct {
	mu     sync.Mutex
	w      io.Writer
	buf    []byte
	prefix string
}

// New returns a print sink; name, when not empty, prefixes each line as "name> ".
func New(w io.Writer, name string) *Sink {
	s := &Sink{w: w}
	if name != "" {
		s.prefix = name + "> "
	}
	return s
}

// Write writes each row on its own line; it returns once they are all
// written.
func (s *Sink) Write(_ context.Context, rows [][]byte) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.buf = s.buf[:0]
	for _, r := range rows {
		n := len(s.prefix) + len(r) + 1
		if len(s.buf) > 0 && len(s.buf)+n > writeMax {
			if err := s.flush(); err != nil {
				return err
			}
		}
		s.buf = append(append(append(s.buf, s.prefix...), r...), '\n')
	}
	return s.flush()
}

func (s *Sink) flush() error {
	if len(s.buf) == 0 {
		return nil
	}
	_, err := s.w.Write(s.buf)
	s.buf = s.buf[:0]
	return err
}

// Close has nothing to flush: Write writes through.
func (s *Sink) Close() error { return nil }
