package windows

import (
	"fmt"
	"strconv"
)

// maxHops bounds Size/Slide, the number of windows one event updates.
const maxHops = 1024

// Hopping windows have a fixed Size and start every Slide ms from the UTC
// epoch plus Offset, so they overlap and an event belongs to ⌈Size/Slide⌉ of
// them (exactly Size/Slide when Slide divides Size). Slide == Size is a
// tumbling window.
type Hopping struct {
	Size   int64 // ms, > 0
	Slide  int64 // ms, 0 < Slide <= Size
	Offset int64 // ms
}

func (h Hopping) Assign(dst []Window, ts int64) []Window {
	off := floorMod(h.Offset, h.Slide)
	last := floorDiv(ts-off, h.Slide)*h.Slide + off // latest start <= ts
	first := last
	for first-h.Slide > ts-h.Size {
		first -= h.Slide
	}
	for s := first; s <= last; s += h.Slide {
		dst = append(dst, Window{Start: s, End: s + h.Size})
	}
	return dst
}

func (h Hopping) Validate() error {
	switch {
	case h.Size <= 0 || h.Size > maxWindowSize:
		return fmt.Errorf("%w: hopping window size must be between 1 ms and %d ms, got %d", ErrSpec, maxWindowSize, h.Size)
	case h.Slide <= 0:
		return fmt.Errorf("%w: hopping window slide must be > 0 ms, got %d", ErrSpec, h.Slide)
	case h.Slide > h.Size:
		return fmt.Errorf("%w: hopping window slide (%d ms) must not exceed its size (%d ms); events between windows would belong to none", ErrSpec, h.Slide, h.Size)
	case (h.Size+h.Slide-1)/h.Slide > maxHops:
		return fmt.Errorf("%w: hopping window size/slide = %d windows per event, more than %d; use a larger slide", ErrSpec, (h.Size+h.Slide-1)/h.Slide, maxHops)
	}
	return nil
}

func (h Hopping) String() string {
	s := "hopping(size=" + strconv.FormatInt(h.Size, 10) + "ms, slide=" + strconv.FormatInt(h.Slide, 10) + "ms"
	if h.Offset != 0 {
		s += ", offset=" + strconv.FormatInt(h.Offset, 10) + "ms"
	}
	return s + ")"
}
