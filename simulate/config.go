package simulate

import (
	"fmt"
	"strings"
)

// Defaults for the zero Config fields.
const (
	// DefaultStart is 2024-11-24T00:00:00Z in Unix ms: a fixed first event
	// time, so that a seed alone names a stream.
	DefaultStart    int64 = 1732406400000
	DefaultInterval int64 = 1000
	DefaultPrefix         = "sensors"
	DefaultSites          = 1
)

// Config describes a fleet and its faults. The zero value of Start, Interval,
// TopicPrefix and Sites takes the defaults above; Devices and Readings must be
// set.
type Config struct {
	Devices int   // virtual devices, named d0000, d0001, ...
	Seed    int64 // the same seed and Config give the same messages, byte for byte
	// Start is the Unix ms of the first reading. Each device reads at
	// Start + phase + k·Interval, with a phase of its own in [0, Interval).
	Start int64
	// Interval is the time in ms between two readings of one device.
	Interval int64
	// Readings is how many good readings each device sends.
	Readings int
	// Disorder bounds the event-time disorder in ms: messages are published
	// out of event-time order, but a good reading or a duplicate is never
	// more than Disorder behind the newest event time already published. A
	// watermark of max(ts) − Disorder therefore never makes one late.
	Disorder int64
	// DupRate and MalformedRate are the expected fractions of all messages
	// that are duplicates and malformed (e.g. 0.01 and 0.005).
	DupRate, MalformedRate float64
	// TopicPrefix: topics are <prefix>/<site>/<device>/telemetry.
	TopicPrefix string
	// Sites spreads the devices over this many sites, s00, s01, ...,
	// device i at site i mod Sites.
	Sites int
	// ClockSkew sets each device's clock off by a constant of its own in
	// [−ClockSkew, +ClockSkew] ms: the payload's ts is the true time plus
	// that offset. Disorder stays bounded within each device, not across
	// the fleet, which is why SQL partitions the watermark by device. At
	// most an hour, since the agent rejects times further ahead.
	ClockSkew int64
	// DropoutRate is the fraction of devices that drop out once, for
	// DropoutReadings consecutive readings from a point of their own, and
	// then come back: the readings of the gap are never sent (the device
	// was off or out of range), so their sequence numbers are missing.
	DropoutRate     float64
	DropoutReadings int
	// LateRate is the fraction of readings a device sends late: held back
	// LateBy ms beyond the Disorder bound (a device that buffered them
	// while its uplink was down). Such a message is Kind Late: the agent
	// must count it as late and not add it to a window that already
	// closed. With LateBy ≥ window + Interval + Disorder every late reading
	// arrives after its window closed, for a tumbling view of that window
	// whose watermark delay is Disorder and which allows no lateness, so
	// Expect leaves late readings out. Devices that drop out send none.
	// An agent advances its watermarks once per batch of messages (as Flink
	// emits watermarks periodically), so it counts a reading late only when
	// a batch boundary lies between it and the reading that closed its
	// window: about (LateBy − window − Disorder)/Interval rounds of the
	// fleet. Tests that compare exactly keep the agent's batches smaller
	// than that.
	LateRate float64
	LateBy   int64
}

// withDefaults returns c with the zero fields that have defaults filled.
func (c Config) withDefaults() Config {
	if c.Start == 0 {
		c.Start = DefaultStart
	}
	if c.Interval == 0 {
		c.Interval = DefaultInterval
	}
	if c.TopicPrefix == "" {
		c.TopicPrefix = DefaultPrefix
	}
	if c.Sites == 0 {
		c.Sites = DefaultSites
	}
	return c
}

// Validate reports the first problem in c (after defaults), saying what to
// change. Errors wrap ErrConfig.
func (c Config) Validate() error {
	c = c.withDefaults()
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%w: "+format, append([]any{ErrConfig}, args...)...)
	}
	switch {
	case c.Devices < 1:
		return bad("devices = %d: need at least 1", c.Devices)
	case c.Readings < 1:
		return bad("readings = %d: need at least 1 per device", c.Readings)
	case c.Interval < 1:
		return bad("interval = %d ms: need at least 1", c.Interval)
	case c.Disorder < 0:
		return bad("disorder = %d ms: must not be negative", c.Disorder)
	case c.Sites < 1:
		return bad("sites = %d: need at least 1", c.Sites)
	case c.Start < minStart:
		return bad("start = %d: before 2000-01-01 (%d), every reading would be an absurd timestamp", c.Start, minStart)
	case !(c.DupRate >= 0 && c.DupRate < 1) || !(c.MalformedRate >= 0 && c.MalformedRate < 1) ||
		!(c.DupRate+c.MalformedRate < 1):
		return bad("dup rate %v and malformed rate %v: each in [0, 1) and their sum below 1", c.DupRate, c.MalformedRate)
	case c.ClockSkew < 0 || c.ClockSkew > 3600000:
		return bad("clock skew %d ms: between 0 and an hour (3600000)", c.ClockSkew)
	case !(c.DropoutRate >= 0 && c.DropoutRate <= 1) || c.DropoutReadings < 0:
		return bad("dropout rate %v and %d readings: a rate in [0, 1] and a count of at least 0", c.DropoutRate, c.DropoutReadings)
	case !(c.LateRate >= 0 && c.LateRate < 1) || c.LateBy < 0:
		return bad("late rate %v and late by %d ms: a rate in [0, 1) and a delay of at least 0", c.LateRate, c.LateBy)
	case c.LateRate > 0 && c.LateBy == 0:
		return bad("late rate %v with late by 0: say how far beyond the disorder bound late readings come (at least the window + interval)", c.LateRate)
	case c.DropoutRate > 0 && c.DropoutReadings == 0:
		return bad("dropout rate %v with 0 dropout readings: say how many readings a dropout misses", c.DropoutRate)
	case strings.ContainsAny(c.TopicPrefix, "+#\x00") || strings.HasSuffix(c.TopicPrefix, "/"):
		return bad("topic prefix %q: no wildcards (+, #), no NUL and no trailing '/'", c.TopicPrefix)
	}
	if int64(c.Readings) > (maxStart-c.Start)/c.Interval {
		return bad("start %d + readings %d × interval %d ms runs past the year 5000", c.Start, c.Readings, c.Interval)
	}
	return nil
}

// Bounds of sensible event times: the agent rejects times before 2000 as
// absurd, and epoch-unit detection is exact up to the year 5138.
const (
	minStart int64 = 946684800000   // 2000-01-01T00:00:00Z
	maxStart int64 = 95617584000000 // 5000-01-01T00:00:00Z
)
