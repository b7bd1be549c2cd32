package fleet

import (
	"encoding/binary"
	"fmt"
	"math"

	"github.com/eddy-iot/eddy/windows"
)

// avgAgg is avg for fleet views: its state is (count, compensated sum), so
// that it takes an edge avg's partial from the row's __count and __sum
// columns as well as plain values. avg(avg_column) then merges partial
// averages exactly (Σsum / Σcount), never averaging averages.
type avgAgg struct{}

func (avgAgg) Name() string            { return "avg" }
func (avgAgg) NewState() windows.State { return &avgState{} }

type avgState struct {
	n         int64
	sum, comp float64 // Neumaier compensated sum
}

const avgV1 = 1

func (s *avgState) add(x float64) {
	t := s.sum + x
	if math.Abs(s.sum) >= math.Abs(x) {
		s.comp += (s.sum - t) + x
	} else {
		s.comp += (x - t) + s.sum
	}
	s.sum = t
}

// Add takes one value: Int, Bool or finite Float; anything else is skipped
// as NULL.
func (s *avgState) Add(v windows.Value, _ int64) {
	if v.Kind == windows.KindString || v.IsNull() || !v.Finite() {
		return
	}
	f, _ := v.Float64()
	s.n++
	s.add(f)
}

// setPartial folds in an edge partial: count inputs whose sum is sum.
func (s *avgState) setPartial(count int64, sum float64) {
	if count <= 0 {
		return
	}
	s.n += count
	s.add(sum)
}

func (s *avgState) Merge(o windows.State) error {
	ob, ok := o.(*avgState)
	if !ok {
		return fmt.Errorf("%w: avg state with %T", ErrRow, o)
	}
	s.n += ob.n
	s.add(ob.sum)
	s.add(ob.comp)
	return nil
}

func (s *avgState) Result() windows.Value {
	if s.n == 0 {
		return windows.Null
	}
	return windows.Float((s.sum + s.comp) / float64(s.n))
}

func (s *avgState) Mergeable() windows.Mergeable {
	return windows.Mergeable{Count: s.n, Sum: s.sum + s.comp, HasSum: true}
}

func (s *avgState) Reset() { *s = avgState{} }

func (s *avgState) AppendBinary(dst []byte) []byte {
	dst = append(dst, avgV1)
	dst = binary.AppendUvarint(dst, uint64(s.n))
	dst = binary.BigEndian.AppendUint64(dst, math.Float64bits(s.sum))
	return binary.BigEndian.AppendUint64(dst, math.Float64bits(s.comp))
}

func (s *avgState) UnmarshalBinary(b []byte) error {
	if len(b) < 1 || b[0] != avgV1 {
		return fmt.Errorf("%w: avg state version", ErrRow)
	}
	n, w := binary.Uvarint(b[1:])
	if w <= 0 || len(b) != 1+w+16 || n > math.MaxInt64 {
		return fmt.Errorf("%w: avg state length", ErrRow)
	}
	b = b[1+w:]
	*s = avgState{n: int64(n), sum: math.Float64frombits(binary.BigEndian.Uint64(b)),
		comp: math.Float64frombits(binary.BigEndian.Uint64(b[8:]))}
	return nil
}
