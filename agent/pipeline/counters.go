package pipeline

import "github.com/eddy-iot/eddy/edge/store"

// counts are what one batch adds to the counters. The batch loop counts in
// memory while it handles the batch; flush adds each persisted counter to
// the store.Batch once (one AddCounter per name and batch, not per message:
// each is a bbolt read and write in the commit), and after the commit the
// counts are added to the live stats. So /v1/status and /metrics show
// committed effects only, like the persisted counters: a message counted
// there survives a crash.
type counts struct {
	messages, rows, duplicates, redelivered, unrouted, late, deadLetters, results uint64
	// named are the persisted counters by name (messages_in, rows_in.<source>,
	// late.<view>, errors.<reason>...).
	named map[string]uint64
}

func (c *counts) add(name string, n uint64) {
	if c.named == nil {
		c.named = map[string]uint64{}
	}
	c.named[name] += n
}

// flush moves the persisted counters into the batch.
func (c *counts) flush(b *store.Batch) {
	for name, n := range c.named {
		if n > 0 {
			b.AddCounter(name, n)
		}
	}
	clear(c.named)
}

// publish adds the counts to the live stats and starts afresh.
func (c *counts) publish(s *stats) {
	for _, f := range [...]struct {
		n uint64
		s interface{ Add(uint64) uint64 }
	}{{c.messages, &s.messages}, {c.rows, &s.rows}, {c.duplicates, &s.duplicates}, {c.redelivered, &s.redelivered},
		{c.unrouted, &s.unrouted}, {c.late, &s.late}, {c.deadLetters, &s.deadLetters}, {c.results, &s.results}} {
		if f.n > 0 {
			f.s.Add(f.n)
		}
	}
	*c = counts{named: c.named}
}
