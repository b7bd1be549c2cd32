package windows

import (
	"encoding/binary"
	"fmt"
	"math"
)

// Encoding of aggregate states.
//
// Every state encodes as
//
//	byte 0   encoding version (aggEncVersion)
//	byte 1   state tag: which state type wrote it (stateTag)
//	...      the state's fields: unsigned LEB128 varints for counts,
//	         zig-zag varints for signed integers, 8-byte little-endian IEEE
//	         754 for floats, and Values as a kind byte plus payload.
//
// Decoders check the version, the tag, every length against the bytes that
// remain, and that nothing trails, so a truncated, corrupt or foreign input
// gives ErrCorruptState instead of a panic or a large allocation. A decoder
// reads into locals and changes its receiver only on success.

// aggEncVersion is byte 0 of every encoded state. Bump it, and keep a decoder
// for the old value, when an encoding changes.
const aggEncVersion = 1

// stateTag is byte 1 of every encoded state. Tags are persisted: never reuse
// or renumber one.
type stateTag byte

const (
	tagCountStar  stateTag = 1
	tagCount      stateTag = 2
	tagSum        stateTag = 3
	tagAvg        stateTag = 4
	tagMinMax     stateTag = 5
	tagFirst      stateTag = 6
	tagLast       stateTag = 7
	tagVariance   stateTag = 8
	tagPercentile stateTag = 9
	tagDistinct   stateTag = 10
	tagHistogram  stateTag = 11
)

func appendHeader(dst []byte, tag stateTag) []byte {
	return append(dst, aggEncVersion, byte(tag))
}

func appendUvarint(dst []byte, x uint64) []byte { return binary.AppendUvarint(dst, x) }
func appendVarint(dst []byte, x int64) []byte   { return binary.AppendVarint(dst, x) }

func appendFloat(dst []byte, f float64) []byte {
	return binary.LittleEndian.AppendUint64(dst, math.Float64bits(f))
}

// appendValue encodes v as its kind byte and a payload: nothing for NULL, a
// zig-zag varint for Int, 8 bytes for Float, a length-prefixed string, one
// byte for Bool.
func appendValue(dst []byte, v Value) []byte {
	dst = append(dst, byte(v.Kind))
	switch v.Kind {
	case KindInt:
		dst = appendVarint(dst, v.I)
	case KindFloat:
		dst = appendFloat(dst, v.F)
	case KindString:
		dst = appendUvarint(dst, uint64(len(v.S)))
		dst = append(dst, v.S...)
	case KindBool:
		dst = append(dst, byte(v.I&1))
	}
	return dst
}

// stateReader decodes one encoded state. The first error sticks; later reads
// return zero values, so a decoder reads all fields and checks r.end() once.
type stateReader struct {
	name string
	b    []byte
	off  int
	err  error
}

// newStateReader checks the version and tag bytes.
func newStateReader(b []byte, tag stateTag, name string) stateReader {
	r := stateReader{name: name, b: b}
	switch {
	case len(b) < 2:
		r.fail("truncated header")
	case b[0] != aggEncVersion:
		r.failf("unknown encoding version %d", b[0])
	case stateTag(b[1]) != tag:
		r.failf("state tag %d, want %d", b[1], tag)
	default:
		r.off = 2
	}
	return r
}

func (r *stateReader) fail(what string) {
	if r.err == nil {
		r.err = fmt.Errorf("%w: %s: %s at byte %d", ErrCorruptState, r.name, what, r.off)
	}
}

func (r *stateReader) failf(format string, args ...any) {
	if r.err == nil {
		r.fail(fmt.Sprintf(format, args...))
	}
}

// remaining is the number of undecoded bytes.
func (r *stateReader) remaining() int {
	if r.err != nil {
		return 0
	}
	return len(r.b) - r.off
}

func (r *stateReader) byte() byte {
	if r.remaining() < 1 {
		r.fail("truncated")
		return 0
	}
	c := r.b[r.off]
	r.off++
	return c
}

func (r *stateReader) uvarint() uint64 {
	if r.err != nil {
		return 0
	}
	x, n := binary.Uvarint(r.b[r.off:])
	if n <= 0 {
		r.fail("truncated or overlong varint")
		return 0
	}
	r.off += n
	return x
}

func (r *stateReader) varint() int64 {
	if r.err != nil {
		return 0
	}
	x, n := binary.Varint(r.b[r.off:])
	if n <= 0 {
		r.fail("truncated or overlong varint")
		return 0
	}
	r.off += n
	return x
}

// count reads a non-negative int64 written as a uvarint.
func (r *stateReader) count() int64 {
	x := r.uvarint()
	if x > math.MaxInt64 {
		r.fail("count out of range")
		return 0
	}
	return int64(x)
}

// length reads a uvarint that announces n items of at least minBytes bytes
// each, and rejects it unless that many bytes remain: a corrupt length cannot
// make the caller allocate more than the input's size.
func (r *stateReader) length(minBytes int) int {
	x := r.uvarint()
	if r.err != nil {
		return 0
	}
	if x > uint64(r.remaining()/max(minBytes, 1)) {
		r.failf("length %d exceeds the input", x)
		return 0
	}
	return int(x)
}

func (r *stateReader) float() float64 {
	if r.remaining() < 8 {
		r.fail("truncated float")
		return 0
	}
	f := math.Float64frombits(binary.LittleEndian.Uint64(r.b[r.off:]))
	r.off += 8
	return f
}

// value reads a Value written by appendValue. NaN is rejected: no state
// holds one.
func (r *stateReader) value() Value {
	switch k := Kind(r.byte()); k {
	case KindNull:
		return Null
	case KindInt:
		return Int(r.varint())
	case KindFloat:
		f := r.float()
		if math.IsNaN(f) {
			r.fail("NaN value")
		}
		return Float(f)
	case KindString:
		n := r.length(1)
		if r.err != nil {
			return Null
		}
		s := string(r.b[r.off : r.off+n])
		r.off += n
		return String(s)
	case KindBool:
		switch r.byte() {
		case 0:
			return Bool(false)
		case 1:
			return Bool(true)
		}
		r.fail("bad bool")
	default:
		r.failf("unknown value kind %d", k)
	}
	return Null
}

// end returns the first error, or an error if bytes trail the state.
func (r *stateReader) end() error {
	if r.err == nil && r.off != len(r.b) {
		r.failf("%d trailing bytes", len(r.b)-r.off)
	}
	return r.err
}

// mismatch is the error of Merge for a state of another type or config.
func mismatch(name string, o State) error {
	return fmt.Errorf("%w: %s cannot merge %T", ErrStateMismatch, name, o)
}
