package windows

import (
	"fmt"
	"strconv"
)

// maxWindowSize bounds window sizes, slides and gaps (about 35,000 years) so
// that window arithmetic on valid event times never overflows.
const maxWindowSize int64 = 1 << 50

// Tumbling windows are fixed-size, non-overlapping and aligned to the UTC
// epoch plus Offset: [Offset + k·Size, Offset + (k+1)·Size). An event exactly
// on a boundary belongs to the window that starts there. Offset may be
// negative or larger than Size; only Offset mod Size matters. There is no
// calendar: a one-day window is 86,400,000 ms from UTC midnight, DST-free.
type Tumbling struct {
	Size   int64 // ms, > 0
	Offset int64 // ms
}

func (t Tumbling) Assign(dst []Window, ts int64) []Window {
	off := floorMod(t.Offset, t.Size)
	start := floorDiv(ts-off, t.Size)*t.Size + off
	return append(dst, Window{Start: start, End: start + t.Size})
}

func (t Tumbling) Validate() error {
	if t.Size <= 0 || t.Size > maxWindowSize {
		return fmt.Errorf("%w: tumbling window size must be between 1 ms and %d ms, got %d", ErrSpec, maxWindowSize, t.Size)
	}
	return nil
}

func (t Tumbling) String() string {
	s := "tumbling(size=" + strconv.FormatInt(t.Size, 10) + "ms"
	if t.Offset != 0 {
		s += ", offset=" + strconv.FormatInt(t.Offset, 10) + "ms"
	}
	return s + ")"
}
