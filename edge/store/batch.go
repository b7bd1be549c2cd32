package store

import (
	"encoding/binary"
	"fmt"
	"time"
	"unicode/utf8"

	bolt "go.etcd.io/bbolt"
)

// Priority is an outbox class: entries of a higher priority leave first.
type Priority uint8

const (
	// Routine is the priority of ordinary window results.
	Routine Priority = 0
	// Alert is the priority of alert rows; they leave before any Routine one.
	Alert Priority = 1
	// NumPriorities is the number of classes.
	NumPriorities = 2
)

// EntryID names one outbox entry.
type EntryID struct {
	Priority Priority
	Seq      uint64 // from the priority bucket's NextSequence, starting at 1
}

type opKind uint8

const (
	opPut opKind = iota
	opDelete
	opDropPipeline
	opPipelineMeta
	opDedupePut
	opDedupeDelete
	opDropDedupe
	opMetaPut
	opMetaDelete
	opCounter
	opEnqueue
	opDeadLetter
)

// op is one change: its key is Batch.buf[k0:v0] and its value
// buf[v0:v1] (a counter's delta: 8 bytes, big-endian). 16 bytes, because a
// batch of ten thousand events holds thirty thousand of them.
type op struct {
	kind       opKind
	prio       Priority
	ns         uint16 // pipeline or source: Batch.names[ns]
	k0, v0, v1 uint32
}

// maxBatchBytes bounds Batch.buf (offsets are 32 bits).
const maxBatchBytes uint64 = 1<<32 - 1

// Batch collects the changes of one commit. The methods copy their
// arguments, so the caller may reuse its buffers at once. Changes apply in
// the order they were added. Reset makes a committed batch reusable without
// garbage. A Batch is not safe for concurrent use; make it with
// Store.NewBatch (a zero Batch works too, with the default dead-letter
// payload limit).
type Batch struct {
	ops         []op
	names       []string // namespaces of ops
	buf         []byte
	err         error
	outboxBytes int64
	maxEntry    int64
	maxPayload  int

	tmp      [8]byte
	enqueued []EntryID
	dropped  []EntryID
	expired  int
	drops    bool // a DropPipeline or DropDedupe: applied without the log
}

// Reset empties b, keeping its memory.
func (b *Batch) Reset() {
	b.ops, b.buf, b.err = b.ops[:0], b.buf[:0], nil
	clear(b.names)
	b.names = b.names[:0]
	b.outboxBytes, b.maxEntry, b.drops = 0, 0, false
	b.enqueued, b.dropped, b.expired = b.enqueued[:0], b.dropped[:0], 0
}

// Len is the number of changes.
func (b *Batch) Len() int { return len(b.ops) }

// OutboxBytes is the payload size of the outbox entries in b.
func (b *Batch) OutboxBytes() int64 { return b.outboxBytes }

// Enqueued returns the ids given to b's outbox entries by the last
// successful Commit, in the order of Enqueue.
func (b *Batch) Enqueued() []EntryID { return b.enqueued }

// Dropped returns the ids of the entries deleted by the drop_oldest policy
// during the last successful Commit of b (possibly some of b's own).
func (b *Batch) Dropped() []EntryID { return b.dropped }

// Expired is the number of entries dropped for their TTL during the last
// successful Commit of b.
func (b *Batch) Expired() int { return b.expired }

func (b *Batch) fail(format string, args ...any) {
	if b.err == nil {
		b.err = fmt.Errorf("%w: "+format, append([]any{ErrInvalid}, args...)...)
	}
}

func (b *Batch) add(kind opKind, ns string, key, value []byte) *op {
	k0 := len(b.buf)
	b.buf = append(b.buf, key...)
	v0 := len(b.buf)
	b.buf = append(b.buf, value...)
	if uint64(len(b.buf)) > maxBatchBytes {
		b.fail("batch of more than %d bytes", maxBatchBytes)
	}
	b.ops = append(b.ops, op{kind: kind, ns: b.nsIndex(ns), k0: uint32(k0), v0: uint32(v0), v1: uint32(len(b.buf))})
	return &b.ops[len(b.ops)-1]
}

// nsIndex returns the index of ns in b.names, adding it. Ops come in runs
// of one namespace, and a batch has a few.
func (b *Batch) nsIndex(ns string) uint16 {
	if n := len(b.names); n > 0 && b.names[n-1] == ns {
		return uint16(n - 1)
	}
	for i, x := range b.names {
		if x == ns {
			return uint16(i)
		}
	}
	if len(b.names) > 0xffff {
		b.fail("more than %d namespaces in a batch", 0xffff)
		return 0
	}
	b.names = append(b.names, ns)
	return uint16(len(b.names) - 1)
}

func (b *Batch) key(o *op) []byte   { return b.buf[o.k0:o.v0:o.v0] }
func (b *Batch) value(o *op) []byte { return b.buf[o.v0:o.v1:o.v1] }

func (b *Batch) checkNS(what, ns string) {
	if ns == "" || len(ns) > bolt.MaxKeySize {
		b.fail("%s name of %d bytes", what, len(ns))
	}
}

func (b *Batch) checkKey(what string, k []byte) {
	if len(k) == 0 || len(k) > bolt.MaxKeySize {
		b.fail("%s key of %d bytes", what, len(k))
	}
}

// Put sets key to value in the window state of pipeline.
func (b *Batch) Put(pipeline string, key, value []byte) {
	b.checkNS("pipeline", pipeline)
	b.checkKey("state", key)
	b.add(opPut, pipeline, key, value)
}

// Delete removes key from the window state of pipeline.
func (b *Batch) Delete(pipeline string, key []byte) {
	b.checkNS("pipeline", pipeline)
	b.checkKey("state", key)
	b.add(opDelete, pipeline, key, nil)
}

// DropPipeline removes the state and metadata of a pipeline that no longer
// exists. Later changes in b for the same name start afresh.
func (b *Batch) DropPipeline(pipeline string) {
	b.checkNS("pipeline", pipeline)
	b.add(opDropPipeline, pipeline, nil, nil)
	b.drops = true
}

// PutPipelineMeta sets a metadata key of pipeline (watermarks, definition
// hash, operator counters: opaque to the store).
func (b *Batch) PutPipelineMeta(pipeline, key string, value []byte) {
	b.checkNS("pipeline", pipeline)
	if key == "" {
		b.fail("empty pipeline meta key")
	}
	b.add(opPipelineMeta, pipeline, []byte(key), value)
}

// PutDedupe stores the dedupe state of device in source.
func (b *Batch) PutDedupe(source, device string, state []byte) {
	b.checkNS("dedupe source", source)
	b.checkKey("device", []byte(device))
	b.add(opDedupePut, source, []byte(device), state)
}

// DeleteDedupe forgets device in source.
func (b *Batch) DeleteDedupe(source, device string) {
	b.checkNS("dedupe source", source)
	b.checkKey("device", []byte(device))
	b.add(opDedupeDelete, source, []byte(device), nil)
}

// DropDedupe forgets every device of a source that no longer exists.
func (b *Batch) DropDedupe(source string) {
	b.checkNS("dedupe source", source)
	b.add(opDropDedupe, source, nil, nil)
	b.drops = true
}

// PutMeta sets an agent-wide metadata key.
func (b *Batch) PutMeta(key string, value []byte) {
	b.checkKey("meta", []byte(key))
	b.add(opMetaPut, "", []byte(key), value)
}

// DeleteMeta removes an agent-wide metadata key.
func (b *Batch) DeleteMeta(key string) {
	b.checkKey("meta", []byte(key))
	b.add(opMetaDelete, "", []byte(key), nil)
}

// AddCounter adds delta to a persisted counter (events in, late, dropped by
// reason...). Because it commits with the events' effects, a counter never
// counts an event twice across a crash.
func (b *Batch) AddCounter(name string, delta uint64) {
	b.checkKey("counter", []byte(name))
	b.add(opCounter, "", []byte(name), binary.BigEndian.AppendUint64(b.tmp[:0], delta))
}

// Enqueue appends an outbox entry (opaque, for example a snappy batch of
// result rows from sync/wire).
func (b *Batch) Enqueue(p Priority, entry []byte) {
	if p >= NumPriorities {
		b.fail("outbox priority %d", p)
	}
	if len(entry) > bolt.MaxValueSize-outboxHeader {
		b.fail("outbox entry of %d bytes", len(entry))
	}
	b.add(opEnqueue, "", nil, entry).prio = p
	b.outboxBytes += int64(len(entry))
	b.maxEntry = max(b.maxEntry, int64(len(entry)))
}

// DeadLetter is one rejected input.
type DeadLetter struct {
	Time       time.Time // when it was rejected; zero means the store's clock at commit
	Topic      string    // MQTT topic (truncated to 512 bytes)
	Reason     string    // low-cardinality reason, e.g. "malformed_json" (truncated to 64 bytes)
	Payload    []byte    // truncated to DeadLetterOptions.MaxPayload
	PayloadLen int       // original payload length (set by the store)
	Message    string    // details, e.g. "line 1 column 7: unexpected '}'" (truncated to 1024 bytes)
}

// AddDeadLetter appends d to the dead-letter ring, truncating it.
func (b *Batch) AddDeadLetter(d DeadLetter) {
	if d.Reason == "" {
		b.fail("dead letter without a reason")
	}
	maxp := b.maxPayload
	if maxp == 0 {
		maxp = DefaultDeadLetterBytes
	}
	k0 := len(b.buf)
	b.buf = appendDeadLetter(b.buf, d, maxp)
	if uint64(len(b.buf)) > maxBatchBytes {
		b.fail("batch of more than %d bytes", maxBatchBytes)
	}
	b.ops = append(b.ops, op{kind: opDeadLetter, ns: b.nsIndex(""), k0: uint32(k0), v0: uint32(k0), v1: uint32(len(b.buf))})
}

// truncate cuts s to at most n bytes without splitting a UTF-8 sequence.
func truncate(s []byte, n int) []byte {
	if len(s) <= n {
		return s
	}
	s = s[:n]
	for i := len(s) - 1; i >= 0 && i >= len(s)-utf8.UTFMax; i-- {
		if utf8.RuneStart(s[i]) {
			if !utf8.FullRune(s[i:]) {
				s = s[:i]
			}
			break
		}
	}
	return s
}

const deadLetterV1 = 1

func appendDeadLetter(dst []byte, d DeadLetter, maxPayload int) []byte {
	dst = append(dst, deadLetterV1)
	var t int64
	if !d.Time.IsZero() {
		t = d.Time.UnixNano()
	}
	dst = binary.BigEndian.AppendUint64(dst, uint64(t))
	for _, f := range [...]struct {
		s []byte
		n int
	}{{[]byte(d.Topic), maxTopicBytes}, {[]byte(d.Reason), maxReasonBytes}} {
		s := truncate(f.s, f.n)
		dst = binary.AppendUvarint(dst, uint64(len(s)))
		dst = append(dst, s...)
	}
	dst = binary.AppendUvarint(dst, uint64(len(d.Payload)))
	p := d.Payload
	if len(p) > maxPayload {
		p = p[:maxPayload] // payloads are bytes, not text: cut exactly
	}
	dst = binary.AppendUvarint(dst, uint64(len(p)))
	dst = append(dst, p...)
	m := truncate([]byte(d.Message), maxMessageBytes)
	dst = binary.AppendUvarint(dst, uint64(len(m)))
	return append(dst, m...)
}

// rawDeadLetter is a parsed record whose slices alias the record.
type rawDeadLetter struct {
	time                        int64
	topic, reason, payload, msg []byte
	payloadLen                  uint64
}

func parseDeadLetter(v []byte) (rawDeadLetter, error) {
	var d rawDeadLetter
	bad := fmt.Errorf("%w: dead letter record of %d bytes", ErrCorrupt, len(v))
	if len(v) < 9 || v[0] != deadLetterV1 {
		return d, bad
	}
	d.time = int64(binary.BigEndian.Uint64(v[1:]))
	v = v[9:]
	ok := true
	field := func() []byte {
		n, k := binary.Uvarint(v)
		if k <= 0 || n > uint64(len(v)-k) {
			ok = false
			return nil
		}
		f := v[k : k+int(n)]
		v = v[k+int(n):]
		return f
	}
	d.topic = field()
	d.reason = field()
	if !ok {
		return d, bad
	}
	var k int
	d.payloadLen, k = binary.Uvarint(v)
	if k <= 0 || d.payloadLen > bolt.MaxValueSize {
		return d, bad
	}
	v = v[k:]
	d.payload = field()
	d.msg = field()
	if !ok || len(v) != 0 || uint64(len(d.payload)) > d.payloadLen {
		return d, bad
	}
	return d, nil
}

// decodeDeadLetter parses a record into a DeadLetter that owns its bytes.
func decodeDeadLetter(v []byte) (DeadLetter, error) {
	r, err := parseDeadLetter(v)
	if err != nil {
		return DeadLetter{}, err
	}
	d := DeadLetter{Topic: string(r.topic), Reason: string(r.reason), Message: string(r.msg),
		Payload: append([]byte(nil), r.payload...), PayloadLen: int(r.payloadLen)}
	if r.time != 0 {
		d.Time = time.Unix(0, r.time).UTC()
	}
	return d, nil
}
