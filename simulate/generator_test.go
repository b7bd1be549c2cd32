package simulate

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"testing"
)

// all drains a generator.
func all(cfg Config) []Message {
	var out []Message
	g := New(cfg)
	for {
		m, ok := g.Next()
		if !ok {
			return out
		}
		out = append(out, m)
	}
}

var testCfg = Config{Devices: 50, Seed: 7, Readings: 40, Interval: 1000, Disorder: 2500,
	DupRate: 0.01, MalformedRate: 0.005, Sites: 3}

func TestDeterministic(t *testing.T) {
	a, b := all(testCfg), all(testCfg)
	if len(a) != len(b) {
		t.Fatalf("%d messages, then %d", len(a), len(b))
	}
	for i := range a {
		if a[i].Topic != b[i].Topic || !bytes.Equal(a[i].Payload, b[i].Payload) || a[i].Kind != b[i].Kind ||
			a[i].Reason != b[i].Reason {
			t.Fatalf("message %d differs:\n%s %s\n%s %s", i, a[i].Topic, a[i].Payload, b[i].Topic, b[i].Payload)
		}
	}
	other := testCfg
	other.Seed++
	c := all(other)
	same := 0
	for i := range min(len(a), len(c)) {
		if bytes.Equal(a[i].Payload, c[i].Payload) {
			same++
		}
	}
	if same > len(a)/10 {
		t.Fatalf("seeds %d and %d share %d of %d payloads", testCfg.Seed, other.Seed, same, len(a))
	}
}

// TestGolden pins the first messages of a seed: a change of the generator
// changes every recorded stream, so it must be deliberate.
func TestGolden(t *testing.T) {
	g := New(Config{Devices: 3, Seed: 2, Readings: 4, Disorder: 1500, DupRate: 0.2, MalformedRate: 0.2, Sites: 2})
	var got []string
	for {
		m, ok := g.Next()
		if !ok {
			break
		}
		got = append(got, m.Kind.String()+" "+m.Reason+" "+m.Topic+" "+string(m.Payload))
	}
	want := []string{
		`good  sensors/s00/d0002/telemetry {"device":"d0002","seq":1,"ts":1732406400143,"temp":18.875,"humidity":58.7}`,
		`malformed malformed_json sensors/s01/d0001/telemetry {"d`,
		`good  sensors/s01/d0001/telemetry {"device":"d0001","seq":1,"ts":1732406400434,"temp":23.4375,"humidity":68.5}`,
		`duplicate  sensors/s00/d0002/telemetry {"device":"d0002","seq":1,"ts":1732406400143,"temp":18.875,"humidity":58.7}`,
		`good  sensors/s00/d0002/telemetry {"device":"d0002","seq":2,"ts":1732406401143,"temp":18.875,"humidity":57.7}`,
		`good  sensors/s01/d0001/telemetry {"device":"d0001","seq":2,"ts":1732406401434,"temp":23.375,"humidity":68.5}`,
		`good  sensors/s00/d0000/telemetry {"device":"d0000","seq":2,"ts":1732406401670,"temp":15.25,"humidity":65.4}`,
		`malformed not_object sensors/s00/d0000/telemetry 15.125`,
		`duplicate  sensors/s00/d0000/telemetry {"device":"d0000","seq":2,"ts":1732406401670,"temp":15.25,"humidity":65.4}`,
		`malformed absurd_timestamp sensors/s00/d0000/telemetry {"device":"d0000","seq":1,"ts":222068924,"temp":15.125,"humidity":65.6}`,
		`good  sensors/s00/d0000/telemetry {"device":"d0000","seq":1,"ts":1732406400670,"temp":15.125,"humidity":65.6}`,
		`malformed missing_field sensors/s00/d0002/telemetry {"device":"d0002","seq":3,"ts":1732406402143,"temp":null,"humidity":58.3}`,
		`good  sensors/s00/d0002/telemetry {"device":"d0002","seq":3,"ts":1732406402143,"temp":18.9375,"humidity":58.3}`,
		`duplicate  sensors/s00/d0000/telemetry {"device":"d0000","seq":1,"ts":1732406400670,"temp":15.125,"humidity":65.6}`,
		`duplicate  sensors/s00/d0002/telemetry {"device":"d0002","seq":2,"ts":1732406401143,"temp":18.875,"humidity":57.7}`,
		`duplicate  sensors/s01/d0001/telemetry {"device":"d0001","seq":2,"ts":1732406401434,"temp":23.375,"humidity":68.5}`,
		`good  sensors/s01/d0001/telemetry {"device":"d0001","seq":3,"ts":1732406402434,"temp":23.375,"humidity":67.7}`,
		`malformed wrong_type sensors/s00/d0000/telemetry {"device":"d0000","seq":3,"ts":1732406402670,"temp":[15.3125],"humidity":66.1}`,
		`good  sensors/s00/d0000/telemetry {"device":"d0000","seq":3,"ts":1732406402670,"temp":15.3125,"humidity":66.1}`,
		`duplicate  sensors/s01/d0001/telemetry {"device":"d0001","seq":2,"ts":1732406401434,"temp":23.375,"humidity":68.5}`,
		`good  sensors/s00/d0002/telemetry {"device":"d0002","seq":4,"ts":1732406403143,"temp":18.9375,"humidity":57.8}`,
		`malformed missing_field sensors/s01/d0001/telemetry {"device":"d0001","seq":4,"ts":1732406403434,"temp":null,"humidity":68.6}`,
		`good  sensors/s01/d0001/telemetry {"device":"d0001","seq":4,"ts":1732406403434,"temp":23.5,"humidity":68.6}`,
		`duplicate  sensors/s00/d0000/telemetry {"device":"d0000","seq":3,"ts":1732406402670,"temp":15.3125,"humidity":66.1}`,
		`good  sensors/s00/d0000/telemetry {"device":"d0000","seq":4,"ts":1732406403670,"temp":15.1875,"humidity":65.8}`,
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("stream changed:\n%s", strings.Join(got, "\n"))
	}
}

func TestGoodReadingsExactlyOnce(t *testing.T) {
	cfg := testCfg
	seen := map[string]bool{}
	for _, m := range all(cfg) {
		if m.Kind != Good {
			continue
		}
		key := m.Device + "/" + strconv.FormatInt(m.Seq, 10)
		if seen[key] {
			t.Fatalf("good reading %s twice", key)
		}
		seen[key] = true
		wantTopic := fmt.Sprintf("sensors/s%02d/%s/telemetry", mustAtoi(t, m.Device[1:])%cfg.Sites, m.Device)
		if m.Topic != wantTopic {
			t.Fatalf("topic %q, want %q", m.Topic, wantTopic)
		}
	}
	if len(seen) != cfg.Devices*cfg.Readings {
		t.Fatalf("%d good readings, want %d", len(seen), cfg.Devices*cfg.Readings)
	}
	for d := range cfg.Devices {
		for k := 1; k <= cfg.Readings; k++ {
			if key := DeviceName(d) + "/" + strconv.Itoa(k); !seen[key] {
				t.Fatalf("reading %s missing", key)
			}
		}
	}
}

func mustAtoi(t *testing.T, s string) int {
	t.Helper()
	n, err := strconv.Atoi(s)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func TestRates(t *testing.T) {
	cfg := Config{Devices: 200, Seed: 3, Readings: 100, Disorder: 1000, DupRate: 0.01, MalformedRate: 0.005}
	var n [3]int
	msgs := all(cfg)
	for _, m := range msgs {
		n[m.Kind]++
	}
	total := float64(len(msgs))
	check := func(kind Kind, rate float64) {
		t.Helper()
		// Within 4 standard deviations of a binomial count.
		want := rate * total
		tol := 4 * math.Sqrt(want*(1-rate))
		if math.Abs(float64(n[kind])-want) > tol {
			t.Errorf("%d %s of %d messages, want %.0f ± %.0f", n[kind], kind, len(msgs), want, tol)
		}
	}
	check(Duplicate, cfg.DupRate)
	check(Malformed, cfg.MalformedRate)
	if n[Good] != cfg.Devices*cfg.Readings {
		t.Errorf("%d good, want %d", n[Good], cfg.Devices*cfg.Readings)
	}

	cfg.DupRate, cfg.MalformedRate = 0, 0
	for _, m := range all(cfg) {
		if m.Kind != Good {
			t.Fatalf("rates 0: got a %s message", m.Kind)
		}
	}
}

// TestDisorderBound checks the promise of Config.Disorder on many streams:
// no good or duplicate message is more than Disorder behind the newest event
// time published before it, and the bound is used, not just kept by never
// reordering.
func TestDisorderBound(t *testing.T) {
	seeds := 30
	if testing.Short() {
		seeds = 5
	}
	for seed := range int64(seeds) {
		r := newRNG(seed)
		cfg := Config{Devices: 1 + int(r.intn(60)), Seed: seed, Readings: 1 + int(r.intn(50)),
			Interval: 1 + r.intn(5000), Disorder: r.intn(8000), DupRate: 0.05, MalformedRate: 0.02}
		newest := int64(math.MinInt64 / 2)
		behind := int64(0)
		for i, m := range all(cfg) {
			if m.Kind == Malformed {
				continue
			}
			if ts := payloadTS(t, m.Payload); ts != m.Time {
				t.Fatalf("%+v: payload ts %d, Message.Time %d", cfg, ts, m.Time)
			}
			if newest-m.Time > cfg.Disorder {
				t.Fatalf("%+v: message %d (%s) is %d ms behind the newest, more than %d",
					cfg, i, m.Payload, newest-m.Time, cfg.Disorder)
			}
			behind = max(behind, newest-m.Time)
			newest = max(newest, m.Time)
		}
		if cfg.Disorder >= 1000 && cfg.Devices*cfg.Readings > 200 && behind < cfg.Disorder/4 {
			t.Errorf("%+v: at most %d ms out of order: the bound is hardly used", cfg, behind)
		}
	}
}

func payloadTS(t *testing.T, p []byte) int64 {
	t.Helper()
	_, rest, ok := bytes.Cut(p, []byte(`"ts":`))
	if !ok {
		t.Fatalf("no ts in %s", p)
	}
	end := bytes.IndexByte(rest, ',')
	n, err := strconv.ParseInt(string(rest[:end]), 10, 64)
	if err != nil {
		t.Fatalf("ts in %s: %v", p, err)
	}
	return n
}

func TestDuplicatesAreExactCopies(t *testing.T) {
	cfg := testCfg
	cfg.DupRate = 0.2
	earlier := map[string]bool{} // topic + payload of good messages so far
	dups := 0
	for _, m := range all(cfg) {
		key := m.Topic + "\x00" + string(m.Payload)
		switch m.Kind {
		case Good:
			earlier[key] = true
		case Duplicate:
			dups++
			if !earlier[key] {
				t.Fatalf("duplicate %s %s repeats no earlier good message", m.Topic, m.Payload)
			}
		}
	}
	if dups == 0 {
		t.Fatal("no duplicates")
	}
}

func TestMalformedReasonsAllAppear(t *testing.T) {
	cfg := testCfg
	cfg.MalformedRate = 0.1
	count := map[string]int{}
	for _, m := range all(cfg) {
		if m.Kind == Malformed {
			count[m.Reason]++
		} else if m.Reason != "" {
			t.Fatalf("%s message with reason %q", m.Kind, m.Reason)
		}
	}
	for _, r := range Reasons() {
		if count[r] == 0 {
			t.Errorf("no malformed message for %s (got %v)", r, count)
		}
	}
}

func TestAppendSixteenths(t *testing.T) {
	for v := int64(-2000); v <= 2000; v++ {
		got := string(appendSixteenths(nil, v))
		want := strconv.FormatFloat(float64(v)/16, 'f', -1, 64)
		if got != want {
			t.Fatalf("%d/16: %q, want %q", v, got, want)
		}
	}
	for v := int64(-20); v <= 20; v++ {
		got := string(appendTenths(nil, v))
		want := strconv.FormatFloat(float64(v)/10, 'f', 1, 64)
		if v > -10 && v < 0 {
			want = "-" + strings.TrimPrefix(want, "-")
		}
		if got != want {
			t.Fatalf("%d/10: %q, want %q", v, got, want)
		}
	}
}

func TestValidate(t *testing.T) {
	f := func(c Config, want string) {
		t.Helper()
		err := c.Validate()
		if want == "" {
			if err != nil {
				t.Fatalf("%+v: %v", c, err)
			}
			return
		}
		if !errors.Is(err, ErrConfig) || !strings.Contains(err.Error(), want) {
			t.Fatalf("%+v: err = %v, want it to mention %q", c, err, want)
		}
	}
	f(Config{Devices: 1, Readings: 1}, "")
	f(Config{Readings: 1}, "devices")
	f(Config{Devices: 1}, "readings")
	f(Config{Devices: 1, Readings: 1, Interval: -1}, "interval")
	f(Config{Devices: 1, Readings: 1, Disorder: -1}, "disorder")
	f(Config{Devices: 1, Readings: 1, Start: 1000}, "before 2000")
	f(Config{Devices: 1, Readings: 1, DupRate: 0.6, MalformedRate: 0.5}, "sum below 1")
	f(Config{Devices: 1, Readings: 1, DupRate: math.NaN()}, "dup rate")
	f(Config{Devices: 1, Readings: 1, TopicPrefix: "a/+"}, "wildcards")
	f(Config{Devices: 1, Readings: 1, TopicPrefix: "a/"}, "trailing")
	f(Config{Devices: 1, Readings: 1 << 40, Interval: 1 << 30}, "year 5000")
}
