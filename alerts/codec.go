package alerts

import (
	"encoding/binary"
	"fmt"
	"slices"

	"github.com/eddy-iot/eddy/windows"
)

// The encodings of history and snapshots are built from these: unsigned and
// signed varints, length-prefixed strings, values as windows.AppendKey
// (length-prefixed), and label maps as a count of sorted pairs.

func appendString(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

func appendValue(b []byte, v windows.Value) []byte {
	var tmp [16]byte
	k := windows.AppendKey(tmp[:0], v)
	b = binary.AppendUvarint(b, uint64(len(k)))
	return append(b, k...)
}

func appendLabels(b []byte, m map[string]string) []byte {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	b = binary.AppendUvarint(b, uint64(len(keys)))
	for _, k := range keys {
		b = appendString(b, k)
		b = appendString(b, m[k])
	}
	return b
}

// reader decodes; the first error sticks and later reads return zeros.
type reader struct {
	b   []byte
	off int
	err error
}

func (r *reader) fail(what string) {
	if r.err == nil {
		r.err = fmt.Errorf("%w: %s at byte %d", ErrCorrupt, what, r.off)
	}
}

func (r *reader) byte_() byte {
	if r.err != nil || r.off >= len(r.b) {
		r.fail("truncated")
		return 0
	}
	c := r.b[r.off]
	r.off++
	return c
}

func (r *reader) uvarint() uint64 {
	if r.err != nil {
		return 0
	}
	x, n := binary.Uvarint(r.b[r.off:])
	if n <= 0 {
		r.fail("bad varint")
		return 0
	}
	r.off += n
	return x
}

func (r *reader) varint() int64 {
	if r.err != nil {
		return 0
	}
	x, n := binary.Varint(r.b[r.off:])
	if n <= 0 {
		r.fail("bad varint")
		return 0
	}
	r.off += n
	return x
}

// count reads a number of elements of at least min bytes each, so that a
// hostile count cannot make the decoder allocate more than the input.
func (r *reader) count(min int) int {
	n := r.uvarint()
	if r.err == nil && n > uint64((len(r.b)-r.off)/min) {
		r.fail("count larger than the input")
		return 0
	}
	return int(n)
}

func (r *reader) bytes() []byte {
	n := r.count(1)
	if r.err != nil {
		return nil
	}
	b := r.b[r.off : r.off+n]
	r.off += n
	return b
}

func (r *reader) string() string { return string(r.bytes()) }

func (r *reader) value() windows.Value {
	k := r.bytes()
	if r.err != nil {
		return windows.Value{}
	}
	vs, err := windows.DecodeKey(nil, k)
	if err != nil || len(vs) != 1 {
		r.fail("bad value")
		return windows.Value{}
	}
	return vs[0]
}

func (r *reader) values() []windows.Value {
	k := r.bytes()
	if r.err != nil {
		return nil
	}
	vs, err := windows.DecodeKey(nil, k)
	if err != nil {
		r.fail("bad values")
	}
	return vs
}

func (r *reader) labels() map[string]string {
	n := r.count(2)
	m := make(map[string]string, n)
	prev := ""
	for i := 0; i < n && r.err == nil; i++ {
		k, v := r.string(), r.string()
		if i > 0 && k <= prev {
			r.fail("labels out of order")
		}
		m[k], prev = v, k
	}
	return m
}

func (r *reader) state() State {
	s := State(r.byte_())
	if s >= numStates {
		r.fail("bad state")
	}
	return s
}

func (r *reader) done() error {
	if r.err == nil && r.off != len(r.b) {
		r.fail("trailing bytes")
	}
	return r.err
}

func appendUvarint(b []byte, x uint64) []byte { return binary.AppendUvarint(b, x) }
func appendVarint(b []byte, x int64) []byte   { return binary.AppendVarint(b, x) }

func decodeGroup(key string) ([]windows.Value, error) {
	return windows.DecodeKey(nil, []byte(key))
}
