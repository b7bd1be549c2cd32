package windows

import (
	"encoding/binary"
	"fmt"
	"math"
)

// Group keys are encoded by the caller, once per event, into bytes that the
// operator uses as a map key without allocating (a map lookup with
// string(bytes) does not copy). The encoding is a sequence of values, each a
// kind byte and a payload:
//
//	KindNull    nothing
//	KindInt     zig-zag varint
//	KindFloat   8 bytes, IEEE 754 big-endian
//	KindString  uvarint length, bytes
//	KindBool    1 byte, 0 or 1
//
// Two keys are the same group when their encodings are equal bytes, so
// Int(1) and Float(1) are different groups, as are 0.0 and -0.0.

// AppendKey appends the encoding of the group-key values vals to dst and
// returns the extended slice. Reusing dst across events makes it
// allocation-free.
func AppendKey(dst []byte, vals ...Value) []byte {
	for _, v := range vals {
		dst = append(dst, byte(v.Kind))
		switch v.Kind {
		case KindInt:
			dst = binary.AppendVarint(dst, v.I)
		case KindFloat:
			dst = binary.BigEndian.AppendUint64(dst, math.Float64bits(v.F))
		case KindString:
			dst = binary.AppendUvarint(dst, uint64(len(v.S)))
			dst = append(dst, v.S...)
		case KindBool:
			b := byte(0)
			if v.I != 0 {
				b = 1
			}
			dst = append(dst, b)
		}
	}
	return dst
}

// uvarintLen is the length of the canonical uvarint of x. DecodeKey rejects
// longer encodings: a group is identified by its bytes, so each key must
// have exactly one encoding.
func uvarintLen(x uint64) int {
	n := 1
	for x >= 0x80 {
		x >>= 7
		n++
	}
	return n
}

// DecodeKey appends the values encoded in key to dst and returns the extended
// slice. It accepts only what AppendKey produces. Strings are copied out of key (one allocation each); nothing else
// allocates when dst has capacity.
func DecodeKey(dst []Value, key []byte) ([]Value, error) {
	for i := 0; i < len(key); {
		k := Kind(key[i])
		i++
		switch k {
		case KindNull:
			dst = append(dst, Null)
		case KindInt:
			x, n := binary.Varint(key[i:])
			if n <= 0 || n != uvarintLen(uint64(x<<1^x>>63)) {
				return dst, fmt.Errorf("%w: bad int at byte %d", ErrKey, i)
			}
			i += n
			dst = append(dst, Int(x))
		case KindFloat:
			if len(key)-i < 8 {
				return dst, fmt.Errorf("%w: truncated float at byte %d", ErrKey, i)
			}
			dst = append(dst, Float(math.Float64frombits(binary.BigEndian.Uint64(key[i:]))))
			i += 8
		case KindString:
			l, n := binary.Uvarint(key[i:])
			if n <= 0 || n != uvarintLen(l) || l > uint64(len(key)-i-n) {
				return dst, fmt.Errorf("%w: bad string length at byte %d", ErrKey, i)
			}
			i += n
			dst = append(dst, String(string(key[i:i+int(l)])))
			i += int(l)
		case KindBool:
			if i >= len(key) || key[i] > 1 {
				return dst, fmt.Errorf("%w: bad bool at byte %d", ErrKey, i)
			}
			dst = append(dst, Bool(key[i] == 1))
			i++
		default:
			return dst, fmt.Errorf("%w: unknown kind %d at byte %d", ErrKey, k, i-1)
		}
	}
	return dst, nil
}
