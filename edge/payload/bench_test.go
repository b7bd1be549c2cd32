package payload

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/valyala/fastjson"
)

const sensorPayload = `{"device":"d-42","ts":1732406400123,"temp":21.5,"hum":40.2,"seq":1234}`

func benchDecode(b *testing.B, o Options, payloads [][]byte, rowsPer int) {
	d := mustDecoder(b, sensorSchema(), o)
	for _, p := range payloads { // warm up buffers and the intern table
		d.Decode(p, nil, now)
	}
	b.ReportAllocs()
	b.SetBytes(int64(len(payloads[0])))
	i := 0
	for b.Loop() {
		batch := d.Decode(payloads[i%len(payloads)], nil, now)
		if len(batch.Rows) != rowsPer {
			b.Fatal(render(batch))
		}
		i++
	}
	b.ReportMetric(float64(b.N*rowsPer)/b.Elapsed().Seconds(), "events/s")
}

func BenchmarkDecodeObject(b *testing.B) {
	benchDecode(b, Options{}, [][]byte{[]byte(sensorPayload)}, 1)
}

func BenchmarkDecodeArray10(b *testing.B) {
	p := "[" + strings.TrimSuffix(strings.Repeat(sensorPayload+",", 10), ",") + "]"
	benchDecode(b, Options{}, [][]byte{[]byte(p)}, 10)
}

func BenchmarkDecodeNDJSON10(b *testing.B) {
	benchDecode(b, Options{Format: FormatNDJSON}, [][]byte{[]byte(strings.Repeat(sensorPayload+"\n", 10))}, 10)
}

func BenchmarkDecodeRFC3339(b *testing.B) {
	p := `{"device":"d-42","ts":"2024-11-24T00:00:00.123Z","temp":21.5,"hum":40.2,"seq":1234}`
	benchDecode(b, Options{}, [][]byte{[]byte(p)}, 1)
}

// fleet returns payloads from n distinct devices.
func fleet(n int) [][]byte {
	out := make([][]byte, n)
	for i := range out {
		out[i] = fmt.Appendf(nil, `{"device":"dev-%05d","ts":1732406400123,"temp":21.5,"hum":40.2,"seq":%d}`, i, i)
	}
	return out
}

// BenchmarkDecodeFleet10k cycles through 10,000 devices: the device id is
// interned, so the steady state still allocates nothing.
func BenchmarkDecodeFleet10k(b *testing.B) {
	benchDecode(b, Options{}, fleet(10000), 1)
}

// BenchmarkDecodeFleet10kNoIntern is the same with interning off: one string
// copy per row.
func BenchmarkDecodeFleet10kNoIntern(b *testing.B) {
	benchDecode(b, Options{InternLimit: -1}, fleet(10000), 1)
}

// BenchmarkFastjsonParseOnly is the floor: parsing alone, no conversion.
func BenchmarkFastjsonParseOnly(b *testing.B) {
	var p fastjson.Parser
	payload := []byte(sensorPayload)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := p.ParseBytes(payload); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
}

// BenchmarkEncodingJSONBaseline is the reflective alternative, for scale; it
// does none of the checks Decode does.
func BenchmarkEncodingJSONBaseline(b *testing.B) {
	var v struct {
		Device string  `json:"device"`
		TS     int64   `json:"ts"`
		Temp   float64 `json:"temp"`
		Hum    float64 `json:"hum"`
		Seq    int64   `json:"seq"`
	}
	payload := []byte(sensorPayload)
	b.ReportAllocs()
	for b.Loop() {
		if err := json.Unmarshal(payload, &v); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
}
