package payload

import "time"

// Format is the framing of a payload.
type Format uint8

const (
	// FormatJSON: one JSON object (one row) or a JSON array of objects
	// (one row each).
	FormatJSON Format = iota
	// FormatNDJSON: one JSON object per line; blank lines are skipped.
	FormatNDJSON
)

// MissingTime says what to do with a row whose event-time column is missing
// or null.
type MissingTime uint8

const (
	MissingTimeReject MissingTime = iota // reject the row: ReasonMissingTimestamp
	MissingTimeNow                       // use processing time, the now given to Decode
)

// Defaults for the zero Options fields.
const (
	DefaultMaxBytes    = 256 << 10
	DefaultMaxRows     = 1000
	DefaultMinTime     = 946684800000 // 2000-01-01T00:00:00Z in Unix ms
	DefaultMaxAhead    = time.Hour
	DefaultInternLimit = 16384
)

// Options tune a Decoder. The zero value is usable: every zero field takes
// its default.
type Options struct {
	Format Format
	// MaxBytes rejects longer payloads before parsing (ReasonOversized).
	MaxBytes int
	// MaxRows rejects payloads with more array elements or lines
	// (ReasonTooManyRows).
	MaxRows     int
	MissingTime MissingTime
	// MinTime is the earliest acceptable timestamp in Unix ms; earlier
	// ones are ReasonAbsurdTimestamp. Set math.MinInt64 to accept any.
	MinTime int64
	// MaxAhead is how far past the now given to Decode a timestamp may
	// lie. Negative accepts any future time. A device clock far ahead
	// would drag the watermark forward and make every other device late,
	// hence a tight default.
	MaxAhead time.Duration
	// NaiveUTC accepts date-time strings without a UTC offset
	// ("2024-11-24T10:00:00", Flink's TIMESTAMP) as UTC; by default they
	// are ReasonWrongType, because the device's zone is unknown.
	NaiveUTC bool
	// InternLimit bounds the table of interned strings (see the package
	// documentation). Negative disables interning: every string value is
	// then a fresh allocation.
	InternLimit int
}

func (o Options) withDefaults() Options {
	if o.MaxBytes <= 0 {
		o.MaxBytes = DefaultMaxBytes
	}
	if o.MaxRows <= 0 {
		o.MaxRows = DefaultMaxRows
	}
	if o.MinTime == 0 {
		o.MinTime = DefaultMinTime
	}
	if o.MaxAhead == 0 {
		o.MaxAhead = DefaultMaxAhead
	}
	if o.InternLimit == 0 {
		o.InternLimit = DefaultInternLimit
	}
	return o
}
