package mqttconn

import (
	"math/rand/v2"
	"time"
)

// Backoff returns the delay before reconnect attempt n (0-based): a uniformly
// random duration in [min, min(max, min·2ⁿ)] ("full jitter"), so a fleet that
// lost the same broker spreads its reconnects instead of arriving together.
func Backoff(n int, min, max time.Duration, r *rand.Rand) time.Duration {
	if min <= 0 {
		min = time.Millisecond
	}
	ceil := min
	for i := 0; i < n && ceil < max; i++ {
		ceil *= 2
	}
	if ceil > max {
		ceil = max
	}
	if ceil <= min {
		return min
	}
	return min + time.Duration(r.Int64N(int64(ceil-min)+1))
}
