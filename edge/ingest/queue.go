package ingest

import "sync"

// Queue bounds the messages an input holds between its MQTT client and its
// consumer, by count and by bytes; a bound ≤ 0 takes its default.
type Queue struct {
	// Messages is the most messages waiting. Default DefaultQueueMessages.
	Messages int
	// Bytes is the most bytes waiting, counted as topic + payload +
	// MessageOverhead per message. Default DefaultQueueBytes.
	Bytes int64
}

// Defaults of Queue.
const (
	DefaultQueueMessages = 65536
	DefaultQueueBytes    = 8 << 20
)

// MessageOverhead is what one waiting message costs besides its topic and
// payload, bytes: the Message, paho's message and packet, the ack closure.
const MessageOverhead = 256

func (q Queue) normalize() Queue {
	if q.Messages <= 0 {
		q.Messages = DefaultQueueMessages
	}
	if q.Bytes <= 0 {
		q.Bytes = DefaultQueueBytes
	}
	return q
}

// msgQueue is a FIFO of messages bounded by count and bytes, drained by one
// goroutine into a small channel (outBuffer messages, not counted against
// the bounds). The first message always fits, so a message larger than the
// byte bound still goes through, alone.
type msgQueue struct {
	lim Queue

	mu      sync.Mutex
	space   sync.Cond // signalled when messages leave
	waiting []Message
	n       int   // messages counted (waiting or being handed over)
	bytes   int64 // their bytes
	blocked int   // producers waiting for space
	closed  bool
	wake    chan struct{} // cap 1: waiting is not empty
	done    chan struct{}
	out     chan Message
}

func newMsgQueue(lim Queue) *msgQueue {
	q := &msgQueue{lim: lim.normalize(), wake: make(chan struct{}, 1), done: make(chan struct{}), out: make(chan Message, outBuffer)}
	q.space.L = &q.mu
	go q.drain()
	return q
}

// outBuffer is the capacity of the channel the drain feeds; drainStep is
// how many handed-over messages it releases from the bounds at once.
const (
	outBuffer = 256
	drainStep = 64
)

func msgSize(m *Message) int64 { return int64(len(m.Topic) + len(m.Payload) + MessageOverhead) }

// fits reports whether a message of size sz may join now; q.mu is held.
func (q *msgQueue) fits(sz int64) bool {
	if q.n == 0 {
		return true
	}
	return q.n < q.lim.Messages && q.bytes+sz <= q.lim.Bytes
}

// push adds m. With block false it refuses (returns false) a message that
// does not fit; with block true it waits for room. After close it drops m.
func (q *msgQueue) push(m Message, block bool) bool {
	sz := msgSize(&m)
	q.mu.Lock()
	for !q.closed && !q.fits(sz) {
		if !block {
			q.mu.Unlock()
			return false
		}
		q.blocked++
		q.space.Wait()
		q.blocked--
	}
	if q.closed {
		q.mu.Unlock()
		return false
	}
	q.waiting = append(q.waiting, m)
	q.n++
	q.bytes += sz
	q.mu.Unlock()
	select {
	case q.wake <- struct{}{}:
	default:
	}
	return true
}

// drain hands the waiting messages to out, in order.
func (q *msgQueue) drain() {
	var batch []Message
	for {
		select {
		case <-q.wake:
		case <-q.done:
			return
		}
		q.mu.Lock()
		batch, q.waiting = q.waiting, batch[:0]
		q.mu.Unlock()
		var n int
		var sz int64
		for i := range batch {
			select {
			case q.out <- batch[i]:
			case <-q.done:
				return
			}
			n++
			sz += msgSize(&batch[i])
			batch[i] = Message{} // let the payload go
			if n == drainStep || i == len(batch)-1 {
				q.release(n, sz)
				n, sz = 0, 0
			}
		}
		if cap(batch) > 4096 {
			batch = nil // do not keep a burst's backing array
		}
	}
}

// release takes n handed-over messages of sz bytes off the bounds.
func (q *msgQueue) release(n int, sz int64) {
	q.mu.Lock()
	q.n -= n
	q.bytes -= sz
	if q.blocked > 0 {
		q.space.Broadcast()
	}
	q.mu.Unlock()
}

// close stops the drain and releases blocked producers.
func (q *msgQueue) close() {
	q.mu.Lock()
	if !q.closed {
		q.closed = true
		close(q.done)
		q.space.Broadcast()
	}
	q.mu.Unlock()
}
