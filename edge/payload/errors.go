package payload

import (
	"errors"
	"strconv"
	"strings"
)

// Sentinel errors. Every *Error unwraps to the sentinel of its Reason, so
// errors.Is(err, ErrNonFinite) works on what Decode reports; ErrSchema is
// wrapped by NewDecoder's errors.
var (
	ErrSchema           = errors.New("invalid payload schema")
	ErrMalformedJSON    = errors.New(ReasonMalformedJSON.String())
	ErrNotObject        = errors.New(ReasonNotObject.String())
	ErrWrongType        = errors.New(ReasonWrongType.String())
	ErrNonFinite        = errors.New(ReasonNonFinite.String())
	ErrMissingField     = errors.New(ReasonMissingField.String())
	ErrMissingTimestamp = errors.New(ReasonMissingTimestamp.String())
	ErrAbsurdTimestamp  = errors.New(ReasonAbsurdTimestamp.String())
	ErrOversized        = errors.New(ReasonOversized.String())
	ErrTooManyRows      = errors.New(ReasonTooManyRows.String())
)

var sentinels = [...]error{
	ReasonMalformedJSON:    ErrMalformedJSON,
	ReasonNotObject:        ErrNotObject,
	ReasonWrongType:        ErrWrongType,
	ReasonNonFinite:        ErrNonFinite,
	ReasonMissingField:     ErrMissingField,
	ReasonMissingTimestamp: ErrMissingTimestamp,
	ReasonAbsurdTimestamp:  ErrAbsurdTimestamp,
	ReasonOversized:        ErrOversized,
	ReasonTooManyRows:      ErrTooManyRows,
}

// Error is one rejected payload or row: why (Reason, a stable label for
// metrics and dead letters), where (Index, Column) and a Detail that says what
// was wrong and what to do.
type Error struct {
	Reason Reason
	// Index is the array element or NDJSON line (0-based) the error is
	// about; 0 for a single-object payload; -1 when the whole payload was
	// rejected (oversized, malformed, not an object or array, too many
	// rows).
	Index  int
	Column string // the column at fault, "" if none
	Detail string
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("payload")
	if e.Index >= 0 {
		b.WriteString(": row ")
		b.WriteString(strconv.Itoa(e.Index))
	}
	if e.Column != "" {
		b.WriteString(": column ")
		b.WriteString(strconv.Quote(e.Column))
	}
	b.WriteString(": ")
	b.WriteString(e.Reason.String())
	b.WriteString(": ")
	b.WriteString(e.Detail)
	return b.String()
}

// Unwrap returns the sentinel error of e.Reason.
func (e *Error) Unwrap() error {
	if int(e.Reason) < len(sentinels) {
		return sentinels[e.Reason]
	}
	return nil
}
