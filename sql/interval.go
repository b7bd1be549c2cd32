package sql

import (
	"strconv"
	"strings"
	"time"
)

// maxInterval bounds interval literals so that every arithmetic on them in
// milliseconds and nanoseconds stays far from overflow.
const maxInterval = 100 * 365 * 24 * time.Hour

// intervalUnits maps the unit words of INTERVAL literals, singular, plural
// and abbreviated, to their length.
var intervalUnits = map[string]time.Duration{
	"ms": time.Millisecond, "msec": time.Millisecond, "msecs": time.Millisecond,
	"millisecond": time.Millisecond, "milliseconds": time.Millisecond,
	"s": time.Second, "sec": time.Second, "secs": time.Second,
	"second": time.Second, "seconds": time.Second,
	"m": time.Minute, "min": time.Minute, "mins": time.Minute,
	"minute": time.Minute, "minutes": time.Minute,
	"h": time.Hour, "hr": time.Hour, "hrs": time.Hour,
	"hour": time.Hour, "hours": time.Hour,
	"d": 24 * time.Hour, "day": 24 * time.Hour, "days": 24 * time.Hour,
	"w": 7 * 24 * time.Hour, "week": 7 * 24 * time.Hour, "weeks": 7 * 24 * time.Hour,
}

// variableUnits have no fixed length, so a window cannot use them.
var variableUnits = map[string]bool{
	"month": true, "months": true, "mon": true, "mons": true,
	"year": true, "years": true, "y": true, "yr": true, "yrs": true,
	"quarter": true, "quarters": true, "decade": true, "century": true,
}

// parseInterval computes the length of INTERVAL 'text' unit (unit may be
// empty, then text carries its units: '5 seconds', '1h30m', '00:05:00').
// Lengths are whole milliseconds, the resolution of event time. The error
// is a message for the user.
func parseInterval(text, unit string) (time.Duration, string) {
	if unit != "" {
		u := strings.ToLower(unit)
		d, ok := intervalUnits[u]
		if !ok {
			if variableUnits[u] {
				return 0, "interval unit " + strings.ToUpper(unit) + " has no fixed length: use DAY or WEEK"
			}
			return 0, "unknown interval unit " + strings.ToUpper(unit) + ": use MILLISECOND, SECOND, MINUTE, HOUR, DAY or WEEK"
		}
		s := strings.TrimSpace(text)
		neg := false
		if strings.HasPrefix(s, "-") || strings.HasPrefix(s, "+") {
			neg = s[0] == '-'
			s = strings.TrimSpace(s[1:])
		}
		v, msg := scaleDecimal(s, d)
		if msg != "" {
			return 0, "invalid interval '" + clip(text) + "' " + strings.ToUpper(unit) + ": " + msg
		}
		if neg {
			v = -v
		}
		return v, ""
	}
	s := strings.TrimSpace(text)
	if s == "" {
		return 0, "empty interval: write e.g. INTERVAL '5' SECOND or INTERVAL '5 seconds'"
	}
	neg := false
	if s[0] == '-' || s[0] == '+' {
		neg = s[0] == '-'
		s = strings.TrimSpace(s[1:])
	}
	var total time.Duration
	var msg string
	if strings.Contains(s, ":") {
		total, msg = parseClock(s)
	} else {
		total, msg = parseUnits(s)
	}
	if msg != "" {
		return 0, "invalid interval '" + clip(text) + "': " + msg
	}
	if neg {
		total = -total
	}
	return total, ""
}

// parseUnits parses "5 seconds", "1h30m", "1 hour 30 minutes".
func parseUnits(s string) (time.Duration, string) {
	var total time.Duration
	for s != "" {
		i := 0
		for i < len(s) && (s[i] >= '0' && s[i] <= '9' || s[i] == '.') {
			i++
		}
		num := s[:i]
		s = strings.TrimLeft(s[i:], " \t")
		j := 0
		for j < len(s) && (s[j] >= 'a' && s[j] <= 'z' || s[j] >= 'A' && s[j] <= 'Z') {
			j++
		}
		word := strings.ToLower(s[:j])
		s = strings.TrimLeft(s[j:], " \t,")
		if num == "" {
			return 0, "expected a number, as in '5 seconds'"
		}
		if word == "" {
			return 0, "number " + num + " has no unit: write e.g. '" + num + " seconds' or INTERVAL '" + num + "' SECOND"
		}
		unit, ok := intervalUnits[word]
		if !ok {
			if variableUnits[word] {
				return 0, "unit " + word + " has no fixed length: use days or weeks"
			}
			return 0, "unknown unit " + strconv.Quote(word) + ": use ms, seconds, minutes, hours, days or weeks"
		}
		v, msg := scaleDecimal(num, unit)
		if msg != "" {
			return 0, msg
		}
		total += v
		if total > maxInterval {
			return 0, "interval too large: the limit is 100 years"
		}
	}
	return total, ""
}

// parseClock parses "HH:MM:SS[.fff]" or "MM:SS".
func parseClock(s string) (time.Duration, string) {
	parts := strings.Split(s, ":")
	if len(parts) > 3 {
		return 0, "expected HH:MM:SS"
	}
	units := []time.Duration{time.Hour, time.Minute, time.Second}[3-len(parts):]
	var total time.Duration
	for i, p := range parts {
		if i < len(parts)-1 && strings.Contains(p, ".") {
			return 0, "only the seconds may have a fraction in HH:MM:SS"
		}
		v, msg := scaleDecimal(p, units[i])
		if msg != "" {
			return 0, msg
		}
		total += v
	}
	if total > maxInterval {
		return 0, "interval too large: the limit is 100 years"
	}
	return total, ""
}

// scaleDecimal returns num (digits with an optional fraction) times unit,
// exactly, requiring a whole number of milliseconds.
func scaleDecimal(num string, unit time.Duration) (time.Duration, string) {
	intPart, frac, _ := strings.Cut(num, ".")
	if intPart == "" && frac == "" || strings.Trim(intPart+frac, "0123456789") != "" {
		return 0, "expected a number, got " + strconv.Quote(clip(num))
	}
	var v time.Duration
	if intPart != "" {
		n, err := strconv.ParseInt(intPart, 10, 64)
		if err != nil || time.Duration(n) > maxInterval/unit {
			return 0, "interval too large: the limit is 100 years"
		}
		v = time.Duration(n) * unit
	}
	frac = strings.TrimRight(frac, "0")
	if len(frac) > 9 {
		return 0, "interval has more precision than a millisecond"
	}
	if frac != "" {
		// In milliseconds: n < 1e9 and a week is 6.048e8 ms, so the product
		// fits in an int64.
		n, _ := strconv.ParseInt(frac, 10, 64)
		scale := int64(1)
		for range len(frac) {
			scale *= 10
		}
		unitMs := int64(unit / time.Millisecond)
		if n*unitMs%scale != 0 {
			return 0, "interval has more precision than a millisecond"
		}
		v += time.Duration(n*unitMs/scale) * time.Millisecond
	}
	if v%time.Millisecond != 0 {
		return 0, "interval has more precision than a millisecond"
	}
	if v > maxInterval {
		return 0, "interval too large: the limit is 100 years"
	}
	return v, ""
}

// timestampLayouts are the forms TIMESTAMP '...' accepts; without a zone
// the time is UTC.
var timestampLayouts = []string{
	time.RFC3339Nano,
	"2006-01-02 15:04:05.999999999Z07:00",
	"2006-01-02 15:04:05.999999999Z07",
	"2006-01-02 15:04:05.999999999 Z07:00",
	"2006-01-02T15:04:05.999999999",
	"2006-01-02 15:04:05.999999999",
	"2006-01-02 15:04",
	"2006-01-02",
}

// parseTimestamp returns the Unix milliseconds of a TIMESTAMP literal.
func parseTimestamp(text string) (int64, string) {
	s := strings.TrimSpace(text)
	for _, layout := range timestampLayouts {
		if t, err := time.Parse(layout, s); err == nil {
			if t.Year() < 1 || t.Year() > 9999 {
				break
			}
			if t.Nanosecond()%int(time.Millisecond) != 0 {
				return 0, "timestamp '" + clip(text) + "' has more precision than a millisecond"
			}
			return t.UnixMilli(), ""
		}
	}
	return 0, "invalid timestamp '" + clip(text) + "': write 'YYYY-MM-DD HH:MM:SS[.fff][+HH:MM]' (UTC when no zone is given)"
}
