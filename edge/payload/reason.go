package payload

import "strconv"

// Reason classifies why a payload or row was rejected. Its String is stable:
// use it as a metric label and in dead letters.
type Reason uint8

const (
	_                      Reason = iota
	ReasonMalformedJSON           // not parseable JSON
	ReasonNotObject               // payload, array element or line is not a JSON object
	ReasonWrongType               // a field cannot be converted to its column's type
	ReasonNonFinite               // NaN or ±Inf, also spelled as a string or by a huge exponent
	ReasonMissingField            // a required column is missing or null
	ReasonMissingTimestamp        // the event-time column is missing or null
	ReasonAbsurdTimestamp         // a timestamp outside the configured bounds
	ReasonOversized               // payload longer than Options.MaxBytes, rejected before parsing
	ReasonTooManyRows             // more array elements or lines than Options.MaxRows
	numReasons
)

var reasonNames = [...]string{
	ReasonMalformedJSON:    "malformed_json",
	ReasonNotObject:        "not_object",
	ReasonWrongType:        "wrong_type",
	ReasonNonFinite:        "non_finite",
	ReasonMissingField:     "missing_field",
	ReasonMissingTimestamp: "missing_timestamp",
	ReasonAbsurdTimestamp:  "absurd_timestamp",
	ReasonOversized:        "oversized",
	ReasonTooManyRows:      "too_many_rows",
}

func (r Reason) String() string {
	if r > 0 && r < numReasons {
		return reasonNames[r]
	}
	return "reason(" + strconv.Itoa(int(r)) + ")"
}

// Reasons returns every Reason, for registering one counter each up front.
func Reasons() []Reason {
	out := make([]Reason, 0, numReasons-1)
	for r := Reason(1); r < numReasons; r++ {
		out = append(out, r)
	}
	return out
}
