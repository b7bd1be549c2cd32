package windows

import (
	"encoding/binary"
	"fmt"
	"math"
	"unsafe"

	"github.com/axiomhq/hyperloglog"
	metro "github.com/dgryski/go-metro"
)

// approx_count_distinct and count_distinct estimate the number of distinct
// non-NULL values with HyperLogLog++ (github.com/axiomhq/hyperloglog: sparse
// representation at 2^25 buckets while few values are seen, dense registers
// after). count_distinct is the same approximation, not an exact count: an
// exact set per key per window is unbounded memory on a gateway.
//
// Precision p (AggArgs.Precision, DefaultHLLPrecision when 0) sets 2^p
// registers: a standard error of 1.04/√(2^p) once dense (1.6% at p = 12),
// and 2^p + 14 bytes of encoded state. While sparse the count is nearly
// exact and the encoding takes about 3 bytes per distinct value (62 bytes
// for 10 values, 326 for 100, 2,824 for 1,000). The library stays sparse up
// to 2^p distinct values; AppendBinary switches a state to dense registers
// as soon as they are smaller, so an encoded state never exceeds about
// 2^p + 14 bytes (4,110 at p = 12). In memory a sparse sketch between
// 2^p/3 and 2^p values can be larger than that until the next encoding.
// Measured figures: TestDistinctErrorBound, TestAggStateBytes.
//
// Values hash with MetroHash64 (the library's own hash) on a canonical form,
// so that every gateway hashes alike and their sketches merge: numbers that
// are equal are one value (1, 1.0 and -0.0/0.0), bools, numbers and strings
// never collide by kind. The hash is persisted in states: changing it needs a
// new encoding version.
//
// Result: Int, 0 for an empty state. Mergeable exposes Count, the number of
// non-NULL inputs. Encoding: header, precision byte, and when any value was
// added the library's encoding (sparse keys or dense registers).

// DefaultHLLPrecision is the HyperLogLog precision when AggArgs.Precision is
// 0: 4096 registers, 1.6% standard error, at most 4 KB of dense state.
const DefaultHLLPrecision = 12

type distinctAgg struct {
	name string
	p    uint8
}

func newDistinctAgg(name string, a AggArgs) (Aggregate, error) {
	p := a.Precision
	if p == 0 {
		p = DefaultHLLPrecision
	}
	if p < 4 || p > 18 {
		return nil, fmt.Errorf("%w: %s precision %d is not in [4, 18]", ErrAggregateArgs, name, p)
	}
	return &distinctAgg{name: name, p: p}, nil
}

func (a *distinctAgg) Name() string    { return a.name }
func (a *distinctAgg) NewState() State { return &distinctState{agg: a} }

type distinctState struct {
	agg *distinctAgg
	n   int64               // non-NULL inputs
	sk  *hyperloglog.Sketch // nil until the first flush
	// buf holds the hashes of the latest inputs, not yet in sk. A sketch
	// insert reaches through three objects (the sketch, its set, the set's
	// table), cold in cache when thousands of keys take turns; gathering
	// inputs in the state, which the operator keeps next to its window,
	// pays those misses once per addBuffer inputs. Every read flushes first.
	buf [addBuffer]uint64
	nb  int8
	// fed is true while sk is a sketch this state created and only
	// inserted into, with few enough inputs that it is surely still sparse
	// (see Reset); false once it merged, was decoded or turned dense.
	fed bool
}

// addBuffer is how many inputs a sketch state gathers before it updates its
// sketch.
const addBuffer = 8

// Hash seeds per canonical kind.
const (
	hashSeedNumber = 0x45444459_4e554d31 // "EDDYNUM1"
	hashSeedFloat  = 0x45444459_464c5431 // "EDDYFLT1"
	hashSeedString = 0x45444459_53545231 // "EDDYSTR1"
	hashSeedBool   = 0x45444459_424f4f31 // "EDDYBOO1"
)

// hashValue returns the stable 64-bit hash of v's canonical form; ok is false
// for NULL and NaN.
func hashValue(v Value) (h uint64, ok bool) {
	var b [8]byte
	switch v.Kind {
	case KindInt:
		binary.LittleEndian.PutUint64(b[:], uint64(v.I))
		return metro.Hash64(b[:], hashSeedNumber), true
	case KindFloat:
		f := v.F
		if f != f {
			return 0, false
		}
		if t := math.Trunc(f); t == f && f >= -0x1p63 && f < 0x1p63 {
			binary.LittleEndian.PutUint64(b[:], uint64(int64(f))) // same as the Int
			return metro.Hash64(b[:], hashSeedNumber), true
		}
		binary.LittleEndian.PutUint64(b[:], math.Float64bits(f))
		return metro.Hash64(b[:], hashSeedFloat), true
	case KindBool:
		b[0] = byte(v.I & 1)
		return metro.Hash64(b[:1], hashSeedBool), true
	case KindString:
		// Read-only view of the string's bytes: no copy on the hot path.
		return metro.Hash64(unsafe.Slice(unsafe.StringData(v.S), len(v.S)), hashSeedString), true
	}
	return 0, false
}

func (s *distinctState) Add(v Value, _ int64) {
	h, ok := hashValue(v)
	if !ok {
		return
	}
	s.n++
	s.buf[s.nb] = h
	if s.nb++; int(s.nb) == addBuffer {
		s.flush()
	}
}

// flush inserts the buffered hashes into the sketch.
func (s *distinctState) flush() {
	if s.nb == 0 {
		return
	}
	if s.sk == nil {
		s.sk, s.fed = s.newSketch(), true
	}
	for _, h := range s.buf[:s.nb] {
		s.sk.InsertHash(h)
	}
	s.nb = 0
}

func (s *distinctState) newSketch() *hyperloglog.Sketch {
	sk, err := hyperloglog.NewSketch(s.agg.p, true)
	if err != nil {
		panic("windows: HLL precision checked by newDistinctAgg: " + err.Error())
	}
	return sk
}

func (s *distinctState) Merge(o State) error {
	ob, ok := o.(*distinctState)
	if !ok || ob.agg.p != s.agg.p {
		return mismatch(s.agg.name, o)
	}
	if ob.n == 0 {
		return nil
	}
	s.flush()
	switch {
	case ob.sk == nil: // all of ob is in its buffer
	case s.sk == nil:
		s.sk, s.fed = ob.sk.Clone(), false
	default:
		s.fed = false
		if err := s.sk.Merge(ob.sk); err != nil {
			return fmt.Errorf("%w: %s: %v", ErrStateMismatch, s.agg.name, err)
		}
	}
	if ob.nb > 0 {
		if s.sk == nil {
			s.sk, s.fed = s.newSketch(), true
		}
		for _, h := range ob.buf[:ob.nb] {
			s.sk.InsertHash(h)
		}
	}
	s.n += ob.n
	return nil
}

func (s *distinctState) Result() Value {
	s.flush()
	if s.sk == nil {
		return Int(0)
	}
	return Int(int64(s.sk.Estimate()))
}

func (s *distinctState) Mergeable() Mergeable { return Mergeable{Count: s.n} }

// Reset keeps a sketch that is surely still sparse, to reuse its memory,
// and drops any other, so that a recycled state behaves and encodes exactly
// as a fresh one. Surely sparse: created here and only inserted into, with
// at most 2^p/8 inputs. The library turns dense when its sparse list
// outgrows 2^p bytes, and an entry takes at most 5 bytes; a merge, a decode
// or AppendBinary's switch may have made it dense.
func (s *distinctState) Reset() {
	if s.sk != nil && s.fed && s.n <= 1<<s.agg.p/8 {
		s.sk.Reset()
	} else {
		s.sk, s.fed = nil, false
	}
	s.n, s.nb = 0, 0
}

func (s *distinctState) AppendBinary(dst []byte) []byte {
	dst = append(appendHeader(dst, tagDistinct), s.agg.p)
	dst = appendUvarint(dst, uint64(s.n))
	if s.n == 0 {
		return dst
	}
	s.flush()
	s.sk.Estimate() // folds the unsorted temporary set into the compressed list
	out := s.appendSketch(dst)
	if len(out)-len(dst) > 8+1<<s.agg.p {
		// The library stays sparse up to 2^p distinct values, at about 3
		// bytes each: from about 2^p/3 values on, dense registers are
		// smaller. Switch the state too, so that it and its encoding agree.
		d := s.newSketchDense()
		if err := d.Merge(s.sk); err == nil {
			s.sk, s.fed = d, false
			out = s.appendSketch(dst)
		}
	}
	return out
}

func (s *distinctState) appendSketch(dst []byte) []byte {
	out, err := s.sk.AppendBinary(dst)
	if err != nil { // only for a zero-value sketch, which s.sk never is
		panic("windows: HLL encoding: " + err.Error())
	}
	return out
}

func (s *distinctState) newSketchDense() *hyperloglog.Sketch {
	sk, err := hyperloglog.NewSketch(s.agg.p, false)
	if err != nil {
		panic("windows: HLL precision checked by newDistinctAgg: " + err.Error())
	}
	return sk
}

func (s *distinctState) UnmarshalBinary(b []byte) error {
	r := newStateReader(b, tagDistinct, s.agg.name)
	if p := r.byte(); r.err == nil && p != s.agg.p {
		r.failf("precision %d, want %d", p, s.agg.p)
	}
	n := r.count()
	var sk *hyperloglog.Sketch
	if r.err == nil && n > 0 {
		rest := b[r.off:]
		if len(rest) < 2 || rest[1] != s.agg.p { // byte 1 of the library's header
			r.fail("HLL header")
		} else {
			sk = new(hyperloglog.Sketch)
			if err := sk.UnmarshalBinary(rest); err != nil {
				r.fail(err.Error())
			}
			r.off = len(b)
		}
	}
	if err := r.end(); err != nil {
		return err
	}
	s.n, s.sk, s.nb, s.fed = n, sk, 0, false
	return nil
}
