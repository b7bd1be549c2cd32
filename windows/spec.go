package windows

import (
	"errors"
	"fmt"
)

// TimeMode says where an event's time comes from.
type TimeMode uint8

const (
	// EventTime uses Record.Time and per-partition watermarks.
	EventTime TimeMode = iota
	// ProcessingTime uses the time of the last Advance as every event's
	// time; windows close when Advance passes their end. No event is late.
	ProcessingTime
)

func (m TimeMode) String() string {
	if m == ProcessingTime {
		return "processing-time"
	}
	return "event-time"
}

// Spec is the plan of one windowed aggregation, as the SQL compiler produces
// it. All durations are milliseconds: event time for OutOfOrderness and
// AllowedLateness, processing time for IdleTimeout and EmitEvery.
type Spec struct {
	// Window is the window kind: Tumbling, Hopping, Session or Unbounded.
	Window Windowing
	// Aggregates are computed per key and window, in this order; a Record
	// carries one input per aggregate.
	Aggregates []Aggregate
	// Time selects event time (default) or processing time.
	Time TimeMode
	// OutOfOrderness is the bound on disorder: a partition's watermark is
	// its largest event time minus this.
	OutOfOrderness int64
	// AllowedLateness keeps closed windows this long (in watermark time)
	// so that late events update them and emit a revised result. Later
	// events go to Output.Late.
	AllowedLateness int64
	// IdleTimeout, if > 0, marks a partition idle when it has sent nothing
	// for this long in processing time: it stops holding back the keys it
	// feeds, and keys fed only by idle partitions are flushed.
	IdleTimeout int64
	// EmitEvery, if > 0, emits early (non-final) results of open windows
	// that changed, at most once per this much processing time. 0 emits on
	// window close only; for Unbounded, 0 emits on every Advance.
	EmitEvery int64
	// KeyTTL, if > 0, drops the state of a key that has had no window for
	// this long (processing time): from when its last window was purged, or
	// from its creation if its first event was too late. An event that
	// gives it a window again restarts the clock. 0 keeps keys for the life
	// of the operator (about 200 bytes each); set it for high-cardinality,
	// churning keys. It has no effect on Unbounded, whose windows are never
	// purged. A key that comes back starts at its partition's watermark and
	// at the lateness horizon of the keys dropped from that partition, so
	// it does not reopen windows it already emitted when it comes back
	// through a partition that fed it before (see the package doc). Dropped
	// keys are counted in Stats.KeysDropped.
	KeyTTL int64
	// NoChanges turns off change tracking for a caller that never calls
	// Changes (state kept in memory only, tests, benchmarks): without
	// Changes the tracked changes would pile up. Entries and Restore still
	// work.
	NoChanges bool
}

// Validate reports every problem of the spec, joined, each wrapping ErrSpec.
func (s *Spec) Validate() error {
	var errs []error
	if s.Window == nil {
		errs = append(errs, fmt.Errorf("%w: no window kind: set Window to Tumbling, Hopping, Session or Unbounded", ErrSpec))
	} else if err := s.Window.Validate(); err != nil {
		errs = append(errs, err)
	}
	if len(s.Aggregates) == 0 {
		errs = append(errs, fmt.Errorf("%w: no aggregates: a windowed query needs at least one, e.g. count(*)", ErrSpec))
	}
	for i, a := range s.Aggregates {
		if a == nil {
			errs = append(errs, fmt.Errorf("%w: aggregate %d is nil", ErrSpec, i))
		}
	}
	if s.Time > ProcessingTime {
		errs = append(errs, fmt.Errorf("%w: unknown time mode %d: use EventTime or ProcessingTime", ErrSpec, s.Time))
	}
	check := func(name string, v int64) {
		if v < 0 || v > maxWindowSize {
			errs = append(errs, fmt.Errorf("%w: %s must be between 0 and %d ms, got %d", ErrSpec, name, maxWindowSize, v))
		}
	}
	check("out-of-orderness", s.OutOfOrderness)
	check("allowed lateness", s.AllowedLateness)
	check("idle timeout", s.IdleTimeout)
	check("emit interval", s.EmitEvery)
	check("key TTL", s.KeyTTL)
	if s.Time == ProcessingTime && (s.OutOfOrderness != 0 || s.AllowedLateness != 0 || s.IdleTimeout != 0) {
		errs = append(errs, fmt.Errorf("%w: out-of-orderness, allowed lateness and idle timeout apply to event time only; set them to 0 in processing-time mode", ErrSpec))
	}
	return errors.Join(errs...)
}
