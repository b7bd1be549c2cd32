// Package file is the sink that appends result rows to a file as JSON lines,
// rotating it by size and keeping a bounded number of old files.
//
// Rotation renames path to path.1, path.1 to path.2, and so on up to Keep,
// dropping the oldest; a new path is then opened. Every Write ends with a
// flush to the OS; Sync (fsync) is optional because on a gateway the bbolt
// outbox, not this file, is the durable record.
package file

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"strconv"
	"sync"
)

// Options configure a file sink.
type Options struct {
	Path     string // required
	MaxBytes int64  // rotate when the file would exceed this; 0 = never
	Keep     int    // rotated files to keep; 0 = keep none
	Sync     bool   // fsync after each Write
}

// ErrNoPath is returned when Options.Path is empty.
var ErrNoPath = errors.New("file sink: option path is required (for example path = '/var/lib/eddy/results.jsonl')")

// Sink appends rows to a file.
type Sink struct {
	mu   sync.Mutex
	opts Options
	f    *os.File
	w    *bufio.Writer
	size int64
}

// New opens (or creates) the file for appending.
func New(o Options) (*Sink, error) {
	if o.Path == "" {
		return nil, ErrNoPath
	}
	s := &Sink{opts: o}
	if err := s.open(); err != nil {
		return nil, err
	}
	return s, nil
}

func (s *Sink) open() error {
	f, err := os.OpenFile(s.opts.Path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return fmt.Errorf("file sink: open %s: %w", s.opts.Path, err)
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return fmt.Errorf("file sink: stat %s: %w", s.opts.Path, err)
	}
	s.f, s.size = f, st.Size()
	if s.w == nil {
		s.w = bufio.NewWriterSize(f, 64<<10)
	} else {
		s.w.Reset(f)
	}
	return nil
}

// Write appends rows, one a line, rotating first when needed.
func (s *Sink) Write(_ context.Context, rows [][]byte) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.f == nil {
		return fmt.Errorf("file sink: %s is closed", s.opts.Path)
	}
	for _, r := range rows {
		n := int64(len(r) + 1)
		if s.opts.MaxBytes > 0 && s.size > 0 && s.size+n > s.opts.MaxBytes {
			if err := s.rotate(); err != nil {
				return err
			}
		}
		s.w.Write(r)
		s.w.WriteByte('\n')
		s.size += n
	}
	if err := s.w.Flush(); err != nil {
		return fmt.Errorf("file sink: write %s: %w", s.opts.Path, err)
	}
	if s.opts.Sync {
		if err := s.f.Sync(); err != nil {
			return fmt.Errorf("file sink: sync %s: %w", s.opts.Path, err)
		}
	}
	return nil
}

func (s *Sink) rotate() error {
	if err := s.w.Flush(); err != nil {
		return fmt.Errorf("file sink: write %s: %w", s.opts.Path, err)
	}
	if err := s.f.Close(); err != nil {
		return fmt.Errorf("file sink: close %s: %w", s.opts.Path, err)
	}
	p := s.opts.Path
	if s.opts.Keep <= 0 {
		if err := os.Remove(p); err != nil {
			return fmt.Errorf("file sink: rotate %s: %w", p, err)
		}
	} else {
		os.Remove(p + "." + strconv.Itoa(s.opts.Keep))
		for i := s.opts.Keep - 1; i >= 1; i-- {
			os.Rename(p+"."+strconv.Itoa(i), p+"."+strconv.Itoa(i+1)) // missing files are fine
		}
		if err := os.Rename(p, p+".1"); err != nil {
			return fmt.Errorf("file sink: rotate %s: %w", p, err)
		}
	}
	return s.open()
}

// Close flushes and closes the file.
func (s *Sink) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.f == nil {
		return nil
	}
	err := s.w.Flush()
	if cerr := s.f.Close(); err == nil {
		err = cerr
	}
	s.f = nil
	return err
}
