package windows

import (
	"fmt"
	"strconv"
)

// Session windows group a key's events separated by less than Gap ms of
// inactivity: a lone event at t has the window [t, t+Gap), and windows of
// one key that overlap merge, also when a late event bridges two sessions.
//
// MaxDuration, if > 0, caps a session's length End−Start (last event − first
// event + Gap): an event that would stretch a session beyond it starts a new
// session instead. With MaxDuration the split points depend on arrival order
// when events arrive out of order; without it, sessions do not.
type Session struct {
	Gap         int64 // ms, > 0
	MaxDuration int64 // ms, 0 = unlimited, else >= Gap
}

func (s Session) Assign(dst []Window, ts int64) []Window {
	return append(dst, Window{Start: ts, End: ts + s.Gap})
}

func (s Session) Merge(a, b Window) (Window, bool) {
	if a.Start >= b.End || b.Start >= a.End {
		return Window{}, false
	}
	m := Window{Start: min(a.Start, b.Start), End: max(a.End, b.End)}
	if s.MaxDuration > 0 && m.End-m.Start > s.MaxDuration {
		return Window{}, false
	}
	return m, true
}

func (s Session) Validate() error {
	switch {
	case s.Gap <= 0 || s.Gap > maxWindowSize:
		return fmt.Errorf("%w: session gap must be between 1 ms and %d ms, got %d", ErrSpec, maxWindowSize, s.Gap)
	case s.MaxDuration < 0 || s.MaxDuration > maxWindowSize:
		return fmt.Errorf("%w: session max duration must be 0 (unlimited) or up to %d ms, got %d", ErrSpec, maxWindowSize, s.MaxDuration)
	case s.MaxDuration > 0 && s.MaxDuration < s.Gap:
		return fmt.Errorf("%w: session max duration (%d ms) must be at least the gap (%d ms)", ErrSpec, s.MaxDuration, s.Gap)
	}
	return nil
}

func (s Session) String() string {
	str := "session(gap=" + strconv.FormatInt(s.Gap, 10) + "ms"
	if s.MaxDuration > 0 {
		str += ", max=" + strconv.FormatInt(s.MaxDuration, 10) + "ms"
	}
	return str + ")"
}
