package simulate

// The generator uses its own small generator, SplitMix64 (Steele, Lea and
// Flood, "Fast splittable pseudorandom number generators", 2014), rather than
// math/rand: a fleet recorded with a seed must come out byte for byte the
// same with every Go release and on every architecture, and the standard
// library does not promise that its derived methods (IntN, Float64) never
// change.

// rng is a sequential SplitMix64 stream.
type rng struct{ s uint64 }

func newRNG(seed int64) rng { return rng{s: mix(uint64(seed) ^ 0x5851f42d4c957f2d)} }

func (r *rng) next() uint64 {
	r.s += 0x9e3779b97f4a7c15
	return mix(r.s)
}

// float returns a number in [0, 1) with 53 random bits.
func (r *rng) float() float64 { return float64(r.next()>>11) / (1 << 53) }

// intn returns a number in [0, n) for n > 0. The modulo bias is below 2⁻³²
// for the small n used here.
func (r *rng) intn(n int64) int64 { return int64(r.next() % uint64(n)) }

// mix is SplitMix64's finaliser: a bijection that spreads every input bit
// over the output.
func mix(z uint64) uint64 {
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

// hash derives an independent random word from the seed, a device, a reading
// and a purpose tag, so that a reading's value and delay do not depend on the
// order in which anything else was generated.
func hash(seed int64, device, reading int64, tag uint64) uint64 {
	h := mix(uint64(seed) ^ 0x2545f4914f6cdd1d)
	h = mix(h ^ uint64(device)*0x9e3779b97f4a7c15)
	h = mix(h ^ uint64(reading)*0xc2b2ae3d27d4eb4f)
	return mix(h ^ tag*0x165667b19e3779f9)
}

// Purpose tags for hash.
const (
	tagPhase uint64 = iota + 1
	tagBase
	tagAmplitude
	tagDrift
	tagHumidity
	tagNoise
	tagSpike
	tagDelay
	tagSkew
	tagDropout
	tagLate
)
