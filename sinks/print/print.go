// Package print is the sink that writes result rows to standard output (or any
// writer), one JSON object a line, prefixed with the sink name as Flink's print
// connector prefixes its rows. It is meant for development and demos.
package print

import (
	"bufio"
	"context"
	"io"
	"sync"
)

// Sink writes rows to a writer.
type Sink struct {
	mu     sync.Mutex
	w      *bufio.Writer
	prefix string
}

// New returns a print sink; name, when not empty, prefixes each line as "name> ".
func New(w io.Writer, name string) *Sink {
	s := &Sink{w: bufio.NewWriter(w)}
	if name != "" {
		s.prefix = name + "> "
	}
	return s
}

// Write writes each row on its own line and flushes.
func (s *Sink) Write(_ context.Context, rows [][]byte) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, r := range rows {
		s.w.WriteString(s.prefix)
		s.w.Write(r)
		s.w.WriteByte('\n')
	}
	return s.w.Flush()
}

// Close flushes.
func (s *Sink) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.Flush()
}
