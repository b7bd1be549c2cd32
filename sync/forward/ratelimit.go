package forward

import (
	"context"
	"time"
)

// tokenBucket limits rows per second. The zero rate means unlimited. A step
// larger than the burst is let through once the bucket is full, then the
// debt is paid back, so big steps are not starved.
type tokenBucket struct {
	rate, burst float64
	tokens      float64
	last        time.Time
	now         func() time.Time // nil: time.Now
}

func (b *tokenBucket) clock() time.Time {
	if b.now != nil {
		return b.now()
	}
	return time.Now()
}

// delay takes n tokens and returns how long the caller must wait before
// using them.
func (b *tokenBucket) delay(n float64) time.Duration {
	if b.rate <= 0 {
		return 0
	}
	now := b.clock()
	if b.last.IsZero() {
		b.tokens = b.burst
	} else {
		b.tokens = min(b.burst, b.tokens+now.Sub(b.last).Seconds()*b.rate)
	}
	b.last = now
	b.tokens -= n
	if b.tokens >= 0 {
		return 0
	}
	return time.Duration(-b.tokens / b.rate * float64(time.Second))
}

func (b *tokenBucket) wait(ctx context.Context, n float64) error {
	d := b.delay(n)
	if d <= 0 {
		return nil
	}
	if !sleep(ctx, d) {
		return ctx.Err()
	}
	return nil
}
