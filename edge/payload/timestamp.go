package payload

import (
	"math"
)

// Magnitude thresholds for UnitAuto. An epoch number below 1e11 is seconds,
// below 1e14 milliseconds, below 1e17 microseconds, otherwise nanoseconds.
// Each unit then covers 1973-03-03 to 5138-11-16 (nanoseconds: to int64's
// end in 2262), so the guess is right for every instant in that range, and
// the default MinTime (2000) rejects what is below it.
const (
	secondsBelow = 1e11
	millisBelow  = 1e14
	microsBelow  = 1e17
)

func detectUnit(abs float64) TimeUnit {
	switch {
	case abs < secondsBelow:
		return UnitSeconds
	case abs < millisBelow:
		return UnitMillis
	case abs < microsBelow:
		return UnitMicros
	}
	return UnitNanos
}

// epochMillis converts an epoch number to Unix ms, rounding down. ok is
// false when the result does not fit int64.
func epochMillis(n num, unit TimeUnit) (ms int64, ok bool) {
	if unit == UnitAuto {
		unit = detectUnit(math.Abs(n.f))
	}
	if n.isInt {
		switch unit {
		case UnitSeconds:
			if n.i > math.MaxInt64/1000 || n.i < math.MinInt64/1000 {
				return 0, false
			}
			return n.i * 1000, true
		case UnitMillis:
			return n.i, true
		case UnitMicros:
			return floorDiv(n.i, 1e3), true
		default:
			return floorDiv(n.i, 1e6), true
		}
	}
	// Floats go through whole microseconds, rounded, so that
	// 1700000000.123 s (stored as ...122999906) becomes ...123 ms.
	var us float64
	switch unit {
	case UnitSeconds:
		us = n.f * 1e6
	case UnitMillis:
		us = n.f * 1e3
	case UnitMicros:
		us = n.f
	default:
		us = n.f / 1e3
	}
	us = math.Round(us)
	if !(us > -(1<<63) && us < 1<<63) {
		return 0, false
	}
	return floorDiv(int64(us), 1e3), true
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && a < 0 {
		q--
	}
	return q
}

// parseDateTime parses an RFC 3339 date-time, also with a space or 't' for
// 'T', 'z' for 'Z', ',' for the decimal point and offsets as +hh, +hhmm or
// +hh:mm, into Unix ms, rounding sub-millisecond digits down. Without an
// offset the time is taken as UTC if naiveUTC, else it is refused with
// dtNoZone.
func parseDateTime(s string, naiveUTC bool) (int64, dtErr) {
	// 2006-01-02T15:04:05
	if len(s) < 19 || s[4] != '-' || s[7] != '-' || s[13] != ':' || s[16] != ':' ||
		s[10] != 'T' && s[10] != 't' && s[10] != ' ' {
		return 0, dtSyntax
	}
	year, ok1 := digits(s[0:4])
	month, ok2 := digits(s[5:7])
	day, ok3 := digits(s[8:10])
	hour, ok4 := digits(s[11:13])
	minute, ok5 := digits(s[14:16])
	sec, ok6 := digits(s[17:19])
	if !(ok1 && ok2 && ok3 && ok4 && ok5 && ok6) ||
		month < 1 || month > 12 || day < 1 || day > daysIn(year, month) ||
		hour > 23 || minute > 59 || sec > 59 {
		return 0, dtSyntax
	}
	rest := s[19:]
	var frac int64
	if len(rest) > 0 && (rest[0] == '.' || rest[0] == ',') {
		n := 1
		for n < len(rest) && isDigit(rest[n]) {
			if n <= 3 {
				frac = frac*10 + int64(rest[n]-'0')
			}
			n++
		}
		if n == 1 {
			return 0, dtSyntax
		}
		for d := n; d <= 3; d++ { // ".5" is 500 ms
			frac *= 10
		}
		rest = rest[n:]
	}
	offset := 0 // minutes east of UTC
	switch {
	case rest == "Z" || rest == "z":
	case rest == "":
		if !naiveUTC {
			return 0, dtNoZone
		}
	case rest[0] == '+' || rest[0] == '-':
		var oh, om int
		var okh, okm bool
		switch len(rest) {
		case 3: // +hh
			oh, okh = digits(rest[1:3])
			okm = true
		case 5: // +hhmm
			oh, okh = digits(rest[1:3])
			om, okm = digits(rest[3:5])
		case 6: // +hh:mm
			oh, okh = digits(rest[1:3])
			om, okm = digits(rest[4:6])
			okm = okm && rest[3] == ':'
		}
		if !okh || !okm || oh > 23 || om > 59 {
			return 0, dtSyntax
		}
		offset = oh*60 + om
		if rest[0] == '-' {
			offset = -offset
		}
	default:
		return 0, dtSyntax
	}
	days := daysFromCivil(year, month, day)
	secs := days*86400 + int64(hour*3600+minute*60+sec) - int64(offset*60)
	return secs*1000 + frac, dtOK
}

type dtErr uint8

const (
	dtOK dtErr = iota
	dtSyntax
	dtNoZone
)

// digits parses a fixed-width run of ASCII digits.
func digits(s string) (int, bool) {
	n := 0
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) {
			return 0, false
		}
		n = n*10 + int(s[i]-'0')
	}
	return n, true
}

func daysIn(year, month int) int {
	switch month {
	case 2:
		if year%4 == 0 && (year%100 != 0 || year%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

// daysFromCivil returns the days since 1970-01-01 of a proleptic Gregorian
// date (Howard Hinnant's algorithm).
func daysFromCivil(y, m, d int) int64 {
	if m <= 2 {
		y--
	}
	era := y / 400
	if y < 0 && y%400 != 0 {
		era--
	}
	yoe := y - era*400
	mp := (m + 9) % 12
	doy := (153*mp+2)/5 + d - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return int64(era)*146097 + int64(doe) - 719468
}
