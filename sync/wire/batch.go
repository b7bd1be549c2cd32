package wire

import (
	"encoding/binary"
	"fmt"

	"github.com/golang/snappy"
)

const batchV1 = 1

// maxBatchRows bounds what DecodeBatch accepts, so a corrupt length cannot
// make it loop or allocate without bound.
const maxBatchRows = 1 << 20

// BatchEncoder accumulates rows and encodes them as one outbox entry. Reuse it
// with Reset to avoid garbage.
type BatchEncoder struct {
	raw  []byte
	rows int
	out  []byte
}

// Add appends one row (for example AppendJSON's output).
func (e *BatchEncoder) Add(row []byte) {
	e.raw = binary.AppendUvarint(e.raw, uint64(len(row)))
	e.raw = append(e.raw, row...)
	e.rows++
}

// Rows is the number of rows added since the last Reset.
func (e *BatchEncoder) Rows() int { return e.rows }

// RawBytes is the uncompressed size of the rows added so far.
func (e *BatchEncoder) RawBytes() int { return len(e.raw) }

// Encode returns the entry: version byte, row count, snappy block. The result
// is valid until the next call on e.
func (e *BatchEncoder) Encode() []byte {
	e.out = append(e.out[:0], batchV1)
	e.out = binary.AppendUvarint(e.out, uint64(e.rows))
	n := snappy.MaxEncodedLen(len(e.raw))
	start := len(e.out)
	e.out = append(e.out, make([]byte, n)...)
	enc := snappy.Encode(e.out[start:], e.raw)
	return e.out[:start+len(enc)]
}

// Reset empties e, keeping its buffers.
func (e *BatchEncoder) Reset() { e.raw, e.rows = e.raw[:0], 0 }

// DecodeBatch calls fn for each row of an entry made by BatchEncoder. Rows
// alias a buffer that is reused by the next call with the same scratch; buf
// may be nil.
func DecodeBatch(entry, scratch []byte, fn func(row []byte) error) ([]byte, error) {
	if len(entry) == 0 {
		return scratch, fmt.Errorf("%w: empty outbox batch", ErrCorrupt)
	}
	if entry[0] != batchV1 {
		return scratch, fmt.Errorf("%w: outbox batch version %d", ErrVersion, entry[0])
	}
	rows, n := binary.Uvarint(entry[1:])
	if n <= 0 || rows > maxBatchRows {
		return scratch, fmt.Errorf("%w: outbox batch row count", ErrCorrupt)
	}
	block := entry[1+n:]
	dlen, err := snappy.DecodedLen(block)
	if err != nil || dlen > len(block)*64+1024 {
		return scratch, fmt.Errorf("%w: outbox batch block: bad length", ErrCorrupt)
	}
	if cap(scratch) < dlen {
		scratch = make([]byte, dlen)
	}
	raw, err := snappy.Decode(scratch[:cap(scratch)], block)
	if err != nil {
		return scratch, fmt.Errorf("%w: outbox batch block: %v", ErrCorrupt, err)
	}
	for i := uint64(0); i < rows; i++ {
		l, n := binary.Uvarint(raw)
		if n <= 0 || l > uint64(len(raw)-n) {
			return scratch, fmt.Errorf("%w: outbox batch row %d of %d truncated", ErrCorrupt, i+1, rows)
		}
		if err := fn(raw[n : n+int(l)]); err != nil {
			return scratch, err
		}
		raw = raw[n+int(l):]
	}
	if len(raw) != 0 {
		return scratch, fmt.Errorf("%w: outbox batch has %d trailing bytes", ErrCorrupt, len(raw))
	}
	return scratch, nil
}
