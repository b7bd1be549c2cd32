package simulate

import (
	"context"
	"fmt"
	"time"
)

// Publisher sends one MQTT message. It may send asynchronously: if it also
// implements Flusher, Publish flushes it before returning, and only then is
// every message known to be delivered.
type Publisher interface {
	Publish(topic string, qos byte, payload []byte) error
}

// Flusher is a Publisher that sends asynchronously. Flush returns when every
// message handed to Publish has been delivered (acknowledged by the broker at
// QoS ≥ 1), or with the first error.
type Flusher interface {
	Flush() error
}

// Stats counts what Publish handed to the Publisher, by kind.
type Stats struct {
	Good, Duplicate, Malformed, Late int64
	Elapsed                          time.Duration
}

// Total is the number of messages published.
func (s Stats) Total() int64 { return s.Good + s.Duplicate + s.Malformed + s.Late }

// Rate is the messages per second over Elapsed.
func (s Stats) Rate() float64 {
	if s.Elapsed <= 0 {
		return 0
	}
	return float64(s.Total()) / s.Elapsed.Seconds()
}

// String is a one-line summary.
func (s Stats) String() string {
	return fmt.Sprintf("sent %d messages (%d good, %d duplicate, %d malformed, %d late) in %v, %.0f msgs/s",
		s.Total(), s.Good, s.Duplicate, s.Malformed, s.Late, s.Elapsed.Round(time.Millisecond), s.Rate())
}

func (s *Stats) add(k Kind) {
	switch k {
	case Good:
		s.Good++
	case Duplicate:
		s.Duplicate++
	case Malformed:
		s.Malformed++
	case Late:
		s.Late++
	default:
		panic(fmt.Sprintf("simulate: Stats.add of unknown kind %d", k))
	}
}

// Publish sends g's messages through c at qos, at most rate messages per
// second (0: as fast as c takes them), until g is exhausted or ctx ends, then
// flushes c if it is a Flusher. It stops at the first error, wrapped in
// ErrPublish: a message that was not delivered would make Expect wrong, so
// skipping it silently is not an option. When ctx ends first it returns
// ctx.Err() after the flush. Stats count the messages c accepted; with a nil
// error all of them were delivered.
func Publish(ctx context.Context, c Publisher, g *Generator, qos byte, rate float64) (Stats, error) {
	if qos > 2 {
		return Stats{}, fmt.Errorf("%w: qos %d, use 0, 1 or 2", ErrPublish, qos)
	}
	if !(rate >= 0) {
		return Stats{}, fmt.Errorf("%w: rate %v msgs/s, use 0 (unlimited) or more", ErrPublish, rate)
	}
	var st Stats
	start := time.Now()
	err := publishAll(ctx, c, g, qos, rate, start, &st)
	if f, ok := c.(Flusher); ok {
		if ferr := f.Flush(); ferr != nil && err == nil {
			err = fmt.Errorf("%w: %v", ErrPublish, ferr)
		}
	}
	st.Elapsed = time.Since(start)
	return st, err
}

func publishAll(ctx context.Context, c Publisher, g *Generator, qos byte, rate float64, start time.Time, st *Stats) error {
	var timer *time.Timer
	for i := int64(0); ; i++ {
		if err := ctx.Err(); err != nil {
			return err
		}
		if rate > 0 {
			due := start.Add(time.Duration(float64(i) / rate * float64(time.Second)))
			if d := time.Until(due); d > 0 {
				if timer == nil {
					timer = time.NewTimer(d)
					defer timer.Stop()
				} else {
					timer.Reset(d)
				}
				select {
				case <-timer.C:
				case <-ctx.Done():
					return ctx.Err()
				}
			}
		}
		m, ok := g.Next()
		if !ok {
			return nil
		}
		if err := c.Publish(m.Topic, qos, m.Payload); err != nil {
			return fmt.Errorf("%w: message %d (%s) on %s: %v", ErrPublish, i, m.Kind, m.Topic, err)
		}
		st.add(m.Kind)
	}
}
