package simulate

import (
	"container/heap"
	"fmt"
	"slices"
)

// recentN is how many recent good messages a duplicate may repeat: a QoS 1
// redelivery or a device retransmit follows the original closely.
const recentN = 64

// Generator produces the messages of a simulated fleet, deterministically for
// a Config. It is not safe for concurrent use.
//
// Good readings are produced in event-time order (round by round, devices
// ordered by their phase) and then held back: 30% of them by a random delay
// of 1 to Disorder ms. A reading is published when its release time, event
// time plus delay, is the smallest; ties go to the earlier reading. So a
// reading is never published after one whose event time is more than
// Disorder ahead of its own.
type Generator struct {
	cfg     Config
	rng     rng
	order   []int   // device indices sorted by phase, then index
	phases  []int64 // per device
	skews   []int64 // per device: added to the true time in payloads
	dropLo  []int64 // per device: readings dropLo ≤ k < dropHi are never sent
	dropHi  []int64
	names   []string
	topics  []string
	round   int64 // next in-order reading: round and position in order
	pos     int
	pending pendingHeap
	gen     uint64 // readings pushed so far, the tie-breaker
	left    int64  // good readings not yet published
	limit   int64  // messages Next may still return; −1 for no limit

	newest int64 // largest event time of a published good reading
	recent [recentN]recentMsg
	nrec   int // filled entries of recent
	head   int // next entry of recent to overwrite
	buf    []byte
}

type recentMsg struct {
	dev     int
	seq, ts int64 // ts is the true time, for the disorder bound
	time    int64 // the payload's ts (with the device's skew)
	payload []byte
}

// New returns a Generator for cfg. It panics if cfg.Validate fails: check
// the Config first where it comes from a user.
func New(cfg Config) *Generator {
	if err := cfg.Validate(); err != nil {
		panic(err)
	}
	cfg = cfg.withDefaults()
	g := &Generator{
		cfg:    cfg,
		rng:    newRNG(cfg.Seed),
		order:  make([]int, cfg.Devices),
		phases: make([]int64, cfg.Devices),
		skews:  make([]int64, cfg.Devices),
		dropLo: make([]int64, cfg.Devices),
		dropHi: make([]int64, cfg.Devices),
		limit:  -1,
		names:  make([]string, cfg.Devices),
		topics: make([]string, cfg.Devices),
		left:   int64(cfg.Devices) * int64(cfg.Readings),
		newest: cfg.Start - 1,
	}
	for d := range cfg.Devices {
		g.order[d] = d
		g.phases[d] = phase(cfg.Seed, d, cfg.Interval)
		g.skews[d] = skew(cfg.Seed, d, cfg.ClockSkew)
		g.dropLo[d], g.dropHi[d] = dropout(&cfg, d)
		g.left -= g.dropHi[d] - g.dropLo[d]
		g.names[d] = DeviceName(d)
		g.topics[d] = fmt.Sprintf("%s/%s/%s/telemetry", cfg.TopicPrefix, SiteName(d%cfg.Sites), g.names[d])
	}
	slices.SortStableFunc(g.order, func(a, b int) int {
		switch {
		case g.phases[a] < g.phases[b]:
			return -1
		case g.phases[a] > g.phases[b]:
			return 1
		}
		return 0
	})
	return g
}

// DeviceName is the id of device i: d0000, d0001, ..., d12345.
func DeviceName(i int) string { return fmt.Sprintf("d%04d", i) }

// SiteName is the id of site i: s00, s01, ...
func SiteName(i int) string { return fmt.Sprintf("s%02d", i) }

// Limit makes Next stop after n more messages (n ≥ 0), whatever is left:
// the stream of a run stopped by a message count. Expect knows nothing of
// it; compute expectations from the event log (WriteEvents) instead.
func (g *Generator) Limit(n int64) { g.limit = max(n, 0) }

// Config returns the configuration, with defaults filled in.
func (g *Generator) Config() Config { return g.cfg }

// Next returns the next message, or false when every good reading has been
// published. Each step draws whether the message is malformed (probability
// MalformedRate), a duplicate (DupRate) or the next good reading.
func (g *Generator) Next() (Message, bool) {
	if g.left == 0 || g.limit == 0 {
		return Message{}, false
	}
	if g.limit > 0 {
		g.limit--
	}
	g.fill()
	u := g.rng.float()
	switch {
	case u < g.cfg.MalformedRate:
		return g.malformed(g.readingOf(g.pending[0])), true
	case u < g.cfg.MalformedRate+g.cfg.DupRate:
		if m, ok := g.duplicate(); ok {
			return m, true
		}
	}
	return g.good(), true
}

// inOrderLeft reports whether readings remain to be pushed.
func (g *Generator) inOrderLeft() bool { return g.round < int64(g.cfg.Readings) }

// nextTime is the event time of the next in-order reading.
func (g *Generator) nextTime() int64 {
	return g.cfg.Start + g.round*g.cfg.Interval + g.phases[g.order[g.pos]]
}

// fill pushes in-order readings until the smallest pending one may be
// released: every reading still to come has an event time, and so a release
// time, of at least nextTime, and a later tie-breaker.
func (g *Generator) fill() {
	for g.inOrderLeft() && (len(g.pending) == 0 || g.pending[0].release > g.nextTime()) {
		dev := g.order[g.pos]
		ts := g.nextTime()
		if g.round < g.dropLo[dev] || g.round >= g.dropHi[dev] {
			p := pending{release: ts + g.delay(dev, g.round), gen: g.gen, dev: dev, k: g.round, ts: ts}
			if g.late(dev, g.round) {
				p.release, p.late = ts+g.cfg.Disorder+g.cfg.LateBy, true
			}
			g.gen++
			heap.Push(&g.pending, p)
		}
		if g.pos++; g.pos == len(g.order) {
			g.pos = 0
			g.round++
		}
	}
}

// late reports whether reading k of dev is sent late (Config.LateRate). Only
// readings the device follows with enough in-order readings of its own are
// chosen, so that its watermark has passed their window when they arrive;
// devices with a dropout send none.
func (g *Generator) late(dev int, k int64) bool {
	if g.cfg.LateRate == 0 || g.dropHi[dev] > g.dropLo[dev] {
		return false
	}
	after := (g.cfg.Disorder+g.cfg.LateBy)/g.cfg.Interval + 2
	if k+after >= int64(g.cfg.Readings) {
		return false
	}
	return float64(hash(g.cfg.Seed, int64(dev), k, tagLate)%1_000_000) < g.cfg.LateRate*1_000_000
}

// delay is how long reading k of dev is held back: 0 for 70% of readings,
// else 1 to Disorder ms.
func (g *Generator) delay(dev int, k int64) int64 {
	if g.cfg.Disorder == 0 {
		return 0
	}
	h := hash(g.cfg.Seed, int64(dev), k, tagDelay)
	if h%10 < 7 {
		return 0
	}
	return 1 + int64((h>>8)%uint64(g.cfg.Disorder))
}

func (g *Generator) readingOf(p pending) reading { return makeReading(&g.cfg, p.dev, p.k, p.ts) }

// good publishes the next good reading.
func (g *Generator) good() Message {
	p := heap.Pop(&g.pending).(pending)
	g.left--
	r := g.readingOf(p)
	g.buf = appendPayload(g.buf[:0], g.names[p.dev], r)
	if p.late {
		// Not a candidate for duplicates and not the newest: the disorder
		// bound is about in-time readings.
		return Message{Topic: g.topics[p.dev], Payload: slices.Clone(g.buf), Kind: Late,
			Device: g.names[p.dev], Seq: p.k + 1, Time: r.ts}
	}
	g.newest = max(g.newest, p.ts)
	e := &g.recent[g.head]
	e.dev, e.seq, e.ts, e.time = p.dev, p.k+1, p.ts, r.ts
	e.payload = append(e.payload[:0], g.buf...)
	g.head = (g.head + 1) % recentN
	g.nrec = min(g.nrec+1, recentN)
	return Message{Topic: g.topics[p.dev], Payload: slices.Clone(g.buf), Kind: Good,
		Device: g.names[p.dev], Seq: p.k + 1, Time: r.ts}
}

// duplicate repeats a recent good message whose event time is within
// Disorder of the newest, so that duplicates respect the bound too.
func (g *Generator) duplicate() (Message, bool) {
	var cand [recentN]int
	n := 0
	for i := range g.nrec {
		if g.recent[i].ts >= g.newest-g.cfg.Disorder {
			cand[n] = i
			n++
		}
	}
	if n == 0 {
		return Message{}, false
	}
	e := &g.recent[cand[g.rng.intn(int64(n))]]
	return Message{Topic: g.topics[e.dev], Payload: slices.Clone(e.payload), Kind: Duplicate,
		Device: g.names[e.dev], Seq: e.seq, Time: e.time}, true
}

// pending is a good reading waiting for its release time.
type pending struct {
	release int64
	gen     uint64
	dev     int
	k       int64
	ts      int64
	late    bool // held back beyond the disorder bound (Config.LateRate)
}

type pendingHeap []pending

func (h pendingHeap) Len() int { return len(h) }
func (h pendingHeap) Less(i, j int) bool {
	if h[i].release != h[j].release {
		return h[i].release < h[j].release
	}
	return h[i].gen < h[j].gen
}
func (h pendingHeap) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *pendingHeap) Push(x any)   { *h = append(*h, x.(pending)) }
func (h *pendingHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}
