package simulate

import "strconv"

// A reading's values are computed in integers only, from hash(seed, device,
// reading): no floating point means no difference between architectures (no
// fused multiply-add, no math.Sin rounding), and the value of a reading does
// not depend on what was generated before it.
//
// Temperatures are multiples of 1/16 °C, the resolution of the ubiquitous
// DS18B20 sensor. Such numbers are exact binary fractions, so a float64 sum
// of them is exact in any order (up to 2⁵³/16 sixteenths): the agent's
// sum(temp) can be compared with Expect using ==, whatever order it added
// the readings in. Humidity has the 0.1 %RH resolution of a DHT22 and is not
// meant to be summed exactly.

// reading is one good reading of one device.
type reading struct {
	dev    int   // device index
	k      int64 // reading index; seq is k+1
	ts     int64 // event time, Unix ms, as the device's clock tells it
	temp16 int64 // temperature in 1/16 °C
	hum10  int64 // relative humidity in 0.1 %
}

// dayCycle is 1000·cos(2π(h−15)/24) for h = 0..24: the daily temperature
// curve, warmest at 15:00 UTC, as a table so that no float is involved.
var dayCycle = [25]int64{-707, -866, -966, -1000, -966, -866, -707, -500, -259, 0, 259, 500, 707,
	866, 966, 1000, 966, 866, 707, 500, 259, 0, -259, -500, -707}

const dayMs = 86400000

// cycle returns the daily curve at ts in thousandths, interpolated linearly
// between the hours.
func cycle(ts int64) int64 {
	tod := ts % dayMs
	if tod < 0 {
		tod += dayMs
	}
	h, frac := tod/3600000, tod%3600000
	return dayCycle[h] + (dayCycle[h+1]-dayCycle[h])*frac/3600000
}

// phase is the device's offset in [0, interval) within each interval.
func phase(seed int64, dev int, interval int64) int64 {
	return int64(hash(seed, int64(dev), 0, tagPhase) % uint64(interval))
}

// skew is the device's clock offset in [−max, max] ms.
func skew(seed int64, dev int, maxSkew int64) int64 {
	if maxSkew == 0 {
		return 0
	}
	return int64(hash(seed, int64(dev), 0, tagSkew)%uint64(2*maxSkew+1)) - maxSkew
}

// dropout returns the readings [lo, hi) the device never sends: none for
// most devices, DropoutReadings from a point of its own for a DropoutRate
// share of them.
func dropout(cfg *Config, dev int) (lo, hi int64) {
	if cfg.DropoutRate == 0 {
		return 0, 0
	}
	h := hash(cfg.Seed, int64(dev), 0, tagDropout)
	if float64(h>>11)/(1<<53) >= cfg.DropoutRate {
		return 0, 0
	}
	lo = int64(hash(cfg.Seed, int64(dev), 1, tagDropout) % uint64(cfg.Readings))
	return lo, min(lo+int64(cfg.DropoutReadings), int64(cfg.Readings))
}

// makeReading computes reading k of device dev: a base temperature of the
// device (16–26 °C), a daily cycle of 2–4 °C, a slow drift of up to ±0.5 °C
// a day, noise of ±3/16 °C and, once in 500 readings, a spike of 8–15 °C
// (sun on the sensor); humidity falls as temperature rises.
func makeReading(cfg *Config, dev int, k int64, ts int64) reading {
	d := int64(dev)
	s := cfg.Seed
	base := 16*16 + int64(hash(s, d, 0, tagBase)%(10*16))
	amp := 32 + int64(hash(s, d, 0, tagAmplitude)%33) // 2 to 4 °C
	rate := int64(hash(s, d, 0, tagDrift)%17) - 8     // −8..8 sixteenths per day
	n := hash(s, d, k, tagNoise)
	noise := int64(n%3) + int64(n>>8%3) + int64(n>>16%3) - 3
	cyc := amp * cycle(ts) / 1000
	temp := base + cyc + rate*(ts-cfg.Start)/dayMs + noise
	if hash(s, d, k, tagSpike)%500 == 0 {
		temp += 16 * (8 + int64(n>>24%8))
	}
	humBase := 350 + int64(hash(s, d, 0, tagHumidity)%300) // 35–65 %
	hum := humBase - cyc*20/16 + int64(n>>32%11) - 5       // −2 %RH per °C of the cycle
	hum = min(max(hum, 0), 1000)
	// The device's clock is off by its skew: the payload says ts + skew.
	return reading{dev: dev, k: k, ts: ts + skew(s, dev, cfg.ClockSkew), temp16: temp, hum10: hum}
}

// appendSixteenths writes v/16 in decimal, exactly and as short as possible
// (21.4375, -0.5, 18).
func appendSixteenths(b []byte, v int64) []byte {
	if v < 0 {
		b = append(b, '-')
		v = -v
	}
	b = strconv.AppendInt(b, v/16, 10)
	if f := v % 16 * 625; f != 0 { // ten-thousandths
		var d [5]byte
		d[0] = '.'
		for i := 4; i >= 1; i-- {
			d[i] = byte('0' + f%10)
			f /= 10
		}
		n := 5
		for d[n-1] == '0' {
			n--
		}
		b = append(b, d[:n]...)
	}
	return b
}

// appendTenths writes v/10 with one decimal (40.2, 0.0).
func appendTenths(b []byte, v int64) []byte {
	if v < 0 {
		b = append(b, '-')
		v = -v
	}
	b = strconv.AppendInt(b, v/10, 10)
	return append(b, '.', byte('0'+v%10))
}

// appendPayload writes the JSON object of a good reading:
// {"device":"d0042","seq":17,"ts":1732406400123,"temp":21.4375,"humidity":40.2}
func appendPayload(b []byte, device string, r reading) []byte {
	b = append(b, `{"device":"`...)
	b = append(b, device...)
	b = append(b, `","seq":`...)
	b = strconv.AppendInt(b, r.k+1, 10)
	b = append(b, `,"ts":`...)
	b = strconv.AppendInt(b, r.ts, 10)
	b = append(b, `,"temp":`...)
	b = appendSixteenths(b, r.temp16)
	b = append(b, `,"humidity":`...)
	b = appendTenths(b, r.hum10)
	return append(b, '}')
}
