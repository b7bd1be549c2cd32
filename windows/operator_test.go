package windows

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
)

func TestTumblingCloseOnWatermark(t *testing.T) {
	o, s := newOp(t, Spec{Window: Tumbling{Size: 10}})
	var f feeder
	o.Advance(0)
	wantRows(t, s.take())
	f.all(t, o, ev{"a", "d", 1, 1}, ev{"a", "d", 5, 2}, ev{"a", "d", 9, 4})
	o.Advance(1)
	wantRows(t, s.take())                // watermark 9: [0,10) still open
	f.process(t, o, ev{"a", "d", 10, 8}) // on the boundary: belongs to [10,20)
	o.Advance(2)
	wantRows(t, s.take(), `"a" [0,10) r0 final 3 7`)
	f.process(t, o, ev{"a", "d", 45, 16}) // [20,30) and [30,40) are empty
	o.Advance(3)
	wantRows(t, s.take(), `"a" [10,20) r0 final 1 8`)
	o.Advance(4)
	wantRows(t, s.take())
	if st := o.Stats(); st.Windows != 1 || st.Keys != 1 || st.Results != 2 || st.Events != 5 {
		t.Fatalf("stats %+v", st)
	}
}

func TestNoEventsNoResults(t *testing.T) {
	for _, k := range []Windowing{Tumbling{Size: 10}, Hopping{Size: 10, Slide: 5}, Session{Gap: 10}, Unbounded{}} {
		o, s := newOp(t, Spec{Window: k, IdleTimeout: 5, EmitEvery: 1})
		for now := int64(0); now < 100; now += 7 {
			o.Advance(now)
		}
		wantRows(t, s.take())
	}
}

func TestOneEvent(t *testing.T) {
	f := func(k Windowing, want ...string) {
		t.Helper()
		o, s := newOp(t, Spec{Window: k, IdleTimeout: 10})
		var fd feeder
		o.Advance(0)
		fd.process(t, o, ev{"a", "d", 3, 5})
		o.Advance(10) // the partition is idle: its key is flushed
		wantRows(t, s.take(), want...)
		if st := o.Stats(); st.Windows != 0 && k != (Unbounded{}) {
			t.Fatalf("%v: %d windows left after flush", k, st.Windows)
		}
	}
	f(Tumbling{Size: 10}, `"a" [0,10) r0 final 1 5`)
	f(Tumbling{Size: 10, Offset: -6}, `"a" [-6,4) r0 final 1 5`)
	f(Hopping{Size: 10, Slide: 5}, `"a" [-5,5) r0 final 1 5`, `"a" [0,10) r0 final 1 5`)
	f(Session{Gap: 4}, `"a" [3,7) r0 final 1 5`)
	f(Unbounded{}, `"a" [-9223372036854775808,9223372036854775807) r0 early 1 5`)
}

func TestOutOfOrderWithinBound(t *testing.T) {
	o, s := newOp(t, Spec{Window: Tumbling{Size: 10}, OutOfOrderness: 5})
	var f feeder
	f.all(t, o, ev{"a", "d", 12, 1}, ev{"a", "d", 8, 2}) // 8 is 4 behind: fine
	o.Advance(0)
	wantRows(t, s.take())                // watermark 7
	f.process(t, o, ev{"a", "d", 14, 4}) // watermark 9
	o.Advance(1)
	wantRows(t, s.take())
	f.process(t, o, ev{"a", "d", 15, 8}) // watermark 10
	o.Advance(2)
	wantRows(t, s.take(), `"a" [0,10) r0 final 1 2`)
}

func TestHoppingResults(t *testing.T) {
	o, s := newOp(t, Spec{Window: Hopping{Size: 10, Slide: 5}})
	var f feeder
	f.all(t, o, ev{"a", "d", 1, 1}, ev{"a", "d", 6, 2}, ev{"a", "d", 11, 4})
	o.Advance(0)
	wantRows(t, s.take(), `"a" [-5,5) r0 final 1 1`, `"a" [0,10) r0 final 2 3`)
	f.process(t, o, ev{"a", "d", 100, 0})
	o.Advance(1)
	wantRows(t, s.take(), `"a" [5,15) r0 final 2 6`, `"a" [10,20) r0 final 1 4`)
}

func TestSessionBridgeAndMaxDuration(t *testing.T) {
	o, s := newOp(t, Spec{Window: Session{Gap: 10}, OutOfOrderness: 100})
	var f feeder
	f.all(t, o, ev{"a", "d", 0, 1}, ev{"a", "d", 18, 2}, ev{"b", "d", 5, 7})
	if st := o.Stats(); st.Windows != 3 {
		t.Fatalf("%d windows, want 3 sessions", st.Windows)
	}
	f.process(t, o, ev{"a", "d", 9, 4}) // bridges [0,10) and [18,28) of a
	if st := o.Stats(); st.Windows != 2 {
		t.Fatalf("%d windows after the bridge, want 2", st.Windows)
	}
	f.process(t, o, ev{"x", "d", 200, 0}) // watermark 100
	o.Advance(0)
	wantRows(t, s.take(), `"a" [0,28) r0 final 3 7`, `"b" [5,15) r0 final 1 7`)

	o, s = newOp(t, Spec{Window: Session{Gap: 10, MaxDuration: 30}})
	f.all(t, o, ev{"a", "d", 0, 1}, ev{"a", "d", 8, 1}, ev{"a", "d", 16, 1}, ev{"a", "d", 24, 1}, ev{"a", "d", 32, 1}, ev{"a", "d", 100, 0})
	o.Advance(0)
	wantRows(t, s.take(), `"a" [0,26) r0 final 3 3`, `"a" [24,42) r0 final 2 2`)
}

func TestUnboundedRevisions(t *testing.T) {
	o, s := newOp(t, Spec{Window: Unbounded{}})
	var f feeder
	f.all(t, o, ev{"a", "d1", 5, 1}, ev{"b", "d2", -100, 2}, ev{"a", "d1", 1, 3})
	o.Advance(0)
	const all = "[-9223372036854775808,9223372036854775807)"
	wantRows(t, s.take(), `"a" `+all+` r0 early 2 4`, `"b" `+all+` r0 early 1 2`)
	o.Advance(1)
	wantRows(t, s.take()) // nothing changed
	f.process(t, o, ev{"b", "d2", 0, 5})
	o.Advance(2)
	wantRows(t, s.take(), `"b" `+all+` r1 early 2 7`) // only the changed key
	f.process(t, o, ev{"a", "d1", -1e12, 1})          // no event is ever late
	o.Advance(3)
	wantRows(t, s.take(), `"a" `+all+` r1 early 3 5`)

	// With an emit interval, changes are collected until it elapses.
	o, s = newOp(t, Spec{Window: Unbounded{}, EmitEvery: 10})
	f.process(t, o, ev{"a", "d1", 5, 1})
	o.Advance(0)
	wantRows(t, s.take(), `"a" `+all+` r0 early 1 1`)
	f.process(t, o, ev{"a", "d1", 5, 1})
	o.Advance(5)
	wantRows(t, s.take())
	o.Advance(10)
	wantRows(t, s.take(), `"a" `+all+` r1 early 2 2`)
}

func TestAllowedLateness(t *testing.T) {
	o, s := newOp(t, Spec{Window: Tumbling{Size: 10}, AllowedLateness: 20})
	var f feeder
	f.all(t, o, ev{"a", "d", 5, 1}, ev{"a", "d", 12, 2})
	o.Advance(0)
	wantRows(t, s.take(), `"a" [0,10) r0 final 1 1`)
	f.process(t, o, ev{"a", "d", 7, 4}) // late, within lateness
	o.Advance(1)
	wantRows(t, s.take(), `"a" [0,10) r1 final 2 5`)
	f.process(t, o, ev{"a", "d", 8, 8})
	f.process(t, o, ev{"a", "d", 9, 16}) // two late events, one revision
	o.Advance(2)
	wantRows(t, s.take(), `"a" [0,10) r2 final 4 29`)
	f.process(t, o, ev{"a", "d", 31, 0}) // watermark 31: [0,10) purged (10+20 <= 31)
	o.Advance(3)
	wantRows(t, s.take(), `"a" [10,20) r0 final 1 2`)
	f.process(t, o, ev{"a", "d", 9, 32})  // beyond lateness: side output
	f.process(t, o, ev{"a", "d", 15, 64}) // [10,20) is kept until 40
	o.Advance(4)
	wantRows(t, s.take(), `"a" [10,20) r1 final 2 66`)
	if len(s.late) != 1 || s.late[0].Time != 9 || s.late[0].Values[1].I != 32 {
		t.Fatalf("late side output %+v", s.late)
	}
	if st := o.Stats(); st.LateDropped != 1 || st.LateAccepted != 4 {
		t.Fatalf("stats %+v", st)
	}
}

func TestLateNewKeyJudgedByItsPartition(t *testing.T) {
	o, s := newOp(t, Spec{Window: Tumbling{Size: 10}, AllowedLateness: 5})
	var f feeder
	f.all(t, o, ev{"a", "d", 50, 1}, ev{"b", "d", 3, 1}, ev{"c", "d", 42, 1})
	o.Advance(0)
	// b's window [0,10) ended long before d's watermark 50: late for b even
	// though b is new. c's [40,50) is late but within lateness.
	wantRows(t, s.take(), `"c" [40,50) r0 final 1 1`)
	if len(s.late) != 1 || string(s.late[0].Key) != string(AppendKey(nil, String("b"))) {
		t.Fatalf("late %+v", s.late)
	}
}

func TestPerPartitionWatermarks(t *testing.T) {
	// Device "fast" has a clock an hour ahead. Its own windows close on its
	// own time; "slow" devices are not late because of it.
	o, s := newOp(t, Spec{Window: Tumbling{Size: 10}, OutOfOrderness: 2})
	var f feeder
	const hour = 3_600_000
	f.all(t, o, ev{"fast", "fast", hour + 5, 1}, ev{"s1", "s1", 5, 1}, ev{"s2", "s2", 6, 1})
	o.Advance(0)
	wantRows(t, s.take())
	f.all(t, o, ev{"fast", "fast", hour + 12, 1}, ev{"s1", "s1", 8, 1}, ev{"s2", "s2", 9, 1})
	o.Advance(1)
	wantRows(t, s.take(), `"fast" [3600000,3600010) r0 final 1 1`)
	f.all(t, o, ev{"s1", "s1", 12, 1}, ev{"s2", "s2", 11, 1})
	o.Advance(2)
	wantRows(t, s.take(), `"s1" [0,10) r0 final 2 2`)
	f.process(t, o, ev{"s2", "s2", 13, 1})
	o.Advance(3)
	wantRows(t, s.take(), `"s2" [0,10) r0 final 2 2`)
	if st := o.Stats(); st.LateDropped+st.LateAccepted != 0 {
		t.Fatalf("late events: %+v", st)
	}
}

func TestKeyFedByManyPartitions(t *testing.T) {
	// GROUP BY site: a site's window closes when every active device that
	// fed it has passed the window end.
	o, s := newOp(t, Spec{Window: Tumbling{Size: 10}, IdleTimeout: 100})
	var f feeder
	o.Advance(0)
	f.all(t, o, ev{"site", "d1", 1, 1}, ev{"site", "d2", 2, 1}, ev{"site", "d3", 3, 1})
	f.all(t, o, ev{"site", "d1", 15, 1}, ev{"site", "d2", 16, 1})
	o.Advance(10)
	wantRows(t, s.take()) // d3 is at 3
	f.process(t, o, ev{"site", "d3", 10, 1})
	o.Advance(20)
	wantRows(t, s.take(), `"site" [0,10) r0 final 3 3`)
	// d3 falls silent: after the idle timeout it no longer holds the site.
	f.all(t, o, ev{"site", "d1", 25, 1}, ev{"site", "d2", 26, 1})
	o.Advance(60)
	wantRows(t, s.take())
	f.all(t, o, ev{"site", "d1", 27, 1}, ev{"site", "d2", 28, 1})
	o.Advance(109) // d3 last seen at 10 → idle at 110
	wantRows(t, s.take())
	o.Advance(110)
	wantRows(t, s.take(), `"site" [10,20) r0 final 3 3`)
	if st := o.Stats(); st.IdlePartitions != 1 {
		t.Fatalf("stats %+v", st)
	}
}

func TestIdleTimeoutClosesSilentDevice(t *testing.T) {
	o, s := newOp(t, Spec{Window: Tumbling{Size: 10}, OutOfOrderness: 5, IdleTimeout: 1000})
	var f feeder
	o.Advance(0)
	f.all(t, o, ev{"a", "a", 3, 1}, ev{"b", "b", 4, 1})
	o.Advance(500)
	f.process(t, o, ev{"b", "b", 30, 1})
	o.Advance(999)
	wantRows(t, s.take(), `"b" [0,10) r0 final 1 1`) // a holds nobody else back
	o.Advance(1000)                                  // a silent for 1000 ms: flushed
	wantRows(t, s.take(), `"a" [0,10) r0 final 1 1`)
	// a comes back: an event for the flushed window goes to the side output,
	// a new window works as usual.
	f.all(t, o, ev{"a", "a", 9, 1}, ev{"a", "a", 25, 1}, ev{"a", "a", 40, 1})
	o.Advance(1001)
	wantRows(t, s.take(), `"a" [20,30) r0 final 1 1`)
	if len(s.late) != 1 || s.late[0].Time != 9 {
		t.Fatalf("late %+v", s.late)
	}
}

// TestStalledDoesNotCountAsIdle: a span in which the caller read no input
// (a stall, a restart) does not make partitions idle; silence after it
// still does, and so does silence before it plus after it beyond the
// timeout.
func TestStalledDoesNotCountAsIdle(t *testing.T) {
	o, s := newOp(t, Spec{Window: Tumbling{Size: 10}, OutOfOrderness: 5, IdleTimeout: 1000})
	var f feeder
	o.Advance(0)
	f.all(t, o, ev{"a", "a", 3, 1}, ev{"b", "b", 4, 1}) // last seen 0
	o.Advance(400)
	if o.Clock() != 400 {
		t.Fatalf("Clock %d, want 400", o.Clock())
	}
	o.Stalled(400, 60_400) // a minute without reading input
	o.Advance(60_400)
	wantRows(t, s.take()) // nothing flushed: a and b are not idle
	// The held-back events arrive and are counted in their windows.
	f.all(t, o, ev{"a", "a", 5, 1}, ev{"b", "b", 6, 1})
	o.Advance(60_401)
	wantRows(t, s.take())
	if st := o.Stats(); st.IdlePartitions != 0 || st.LateDropped != 0 {
		t.Fatalf("after the stall: %+v", st)
	}
	// b moves on, a falls silent for real: idle one timeout after the events.
	f.process(t, o, ev{"b", "b", 30, 1})
	o.Advance(61_399)
	wantRows(t, s.take(), `"b" [0,10) r0 final 2 2`)
	o.Advance(61_400) // a last seen at 60_400
	wantRows(t, s.take(), `"a" [0,10) r0 final 2 2`)
	// Without Stalled the same minute flushes.
	o2, s2 := newOp(t, Spec{Window: Tumbling{Size: 10}, OutOfOrderness: 5, IdleTimeout: 1000})
	o2.Advance(0)
	f.all(t, o2, ev{"a", "a", 3, 1})
	o2.Advance(60_400)
	wantRows(t, s2.take(), `"a" [0,10) r0 final 1 1`)
	// Part of the timeout before the stall plus part after it: idle.
	o3, s3 := newOp(t, Spec{Window: Tumbling{Size: 10}, OutOfOrderness: 5, IdleTimeout: 1000})
	o3.Advance(0)
	f.all(t, o3, ev{"a", "a", 3, 1})
	o3.Advance(700)
	o3.Stalled(700, 5_000)
	o3.Advance(5_299)
	wantRows(t, s3.take())
	o3.Advance(5_300) // 700 before + 300 after
	wantRows(t, s3.take(), `"a" [0,10) r0 final 1 1`)
	// A restart: Stalled from the restored clock to now, then the held-back
	// events, then the first Advance: they count as seen at now.
	o4, s4 := newOp(t, Spec{Window: Tumbling{Size: 10}, OutOfOrderness: 5, IdleTimeout: 1000})
	o4.Advance(0)
	f.all(t, o4, ev{"a", "a", 3, 1})
	o4.Advance(200)
	o4.Stalled(o4.Clock(), 90_000)
	f.all(t, o4, ev{"a", "a", 4, 1})
	o4.Advance(90_999)
	wantRows(t, s4.take())
	o4.Advance(91_000)
	wantRows(t, s4.take(), `"a" [0,10) r0 final 2 2`)
}

func TestProcessingTime(t *testing.T) {
	o, s := newOp(t, Spec{Window: Tumbling{Size: 100}, Time: ProcessingTime})
	var f feeder
	var r Record
	r.Values = []Value{Null, Null}
	if err := o.Process(&r); !errors.Is(err, ErrRecord) {
		t.Fatalf("event before the first Advance: %v", err)
	}
	o.Advance(1050)
	f.all(t, o, ev{"a", "x", -5, 1}, ev{"a", "y", 1e15, 2}) // event times ignored
	o.Advance(1099)
	wantRows(t, s.take())
	f.process(t, o, ev{"a", "z", 0, 4})
	o.Advance(1100)
	wantRows(t, s.take(), `"a" [1000,1100) r0 final 3 7`)
	f.process(t, o, ev{"a", "", 0, 8})
	o.Advance(1300)
	wantRows(t, s.take(), `"a" [1100,1200) r0 final 1 8`)
}

func TestEarlyResults(t *testing.T) {
	o, s := newOp(t, Spec{Window: Tumbling{Size: 100}, EmitEvery: 10})
	var f feeder
	f.all(t, o, ev{"a", "d", 1, 1}, ev{"b", "d", 2, 1})
	o.Advance(0)
	wantRows(t, s.take(), `"a" [0,100) r0 early 1 1`, `"b" [0,100) r0 early 1 1`)
	f.process(t, o, ev{"a", "d", 3, 1})
	o.Advance(5)
	wantRows(t, s.take()) // interval not elapsed
	o.Advance(10)
	wantRows(t, s.take(), `"a" [0,100) r1 early 2 2`) // b unchanged
	f.process(t, o, ev{"a", "d", 100, 5})
	o.Advance(11) // closes: a final also for b, which did not change
	wantRows(t, s.take(), `"a" [0,100) r2 final 2 2`, `"b" [0,100) r1 final 1 1`)
	o.Advance(20)
	wantRows(t, s.take(), `"a" [100,200) r0 early 1 5`)
}

func TestProcessRejectsBadRecords(t *testing.T) {
	o, _ := newOp(t, Spec{Window: Tumbling{Size: 10}})
	f := func(r Record) {
		t.Helper()
		if err := o.Process(&r); !errors.Is(err, ErrRecord) {
			t.Fatalf("Process(%+v) = %v, want ErrRecord", r, err)
		}
	}
	f(Record{Values: []Value{Int(1)}})
	f(Record{Values: []Value{Int(1), Int(1)}, Time: MaxTime + 1})
	f(Record{Values: []Value{Int(1), Int(1)}, Time: MinTime - 1})
	if st := o.Stats(); st.Events != 0 || st.Keys != 0 {
		t.Fatalf("bad records changed state: %+v", st)
	}
}

func TestSpecValidate(t *testing.T) {
	aggs := countSum(t)
	f := func(s Spec, want string) {
		t.Helper()
		_, err := New(s, &sink{t: t})
		if want == "" {
			if err != nil {
				t.Fatalf("New(%+v): %v", s, err)
			}
			return
		}
		if !errors.Is(err, ErrSpec) || !strings.Contains(err.Error(), want) {
			t.Fatalf("New(%+v) = %v, want ErrSpec mentioning %q", s, err, want)
		}
	}
	f(Spec{Window: Tumbling{Size: 10}, Aggregates: aggs}, "")
	f(Spec{Aggregates: aggs}, "no window kind")
	f(Spec{Window: Tumbling{Size: 10}}, "no aggregates")
	f(Spec{Window: Tumbling{}, Aggregates: aggs}, "tumbling window size")
	f(Spec{Window: Tumbling{Size: 10}, Aggregates: aggs, OutOfOrderness: -1}, "out-of-orderness")
	f(Spec{Window: Tumbling{Size: 10}, Aggregates: aggs, AllowedLateness: -1}, "allowed lateness")
	f(Spec{Window: Tumbling{Size: 10}, Aggregates: aggs, Time: ProcessingTime, IdleTimeout: 5}, "processing-time")
	f(Spec{Window: Tumbling{Size: 10}, Aggregates: []Aggregate{nil}}, "aggregate 0 is nil")
	if _, err := New(Spec{Window: Tumbling{Size: 10}, Aggregates: aggs}, nil); !errors.Is(err, ErrSpec) {
		t.Fatalf("nil Output: %v", err)
	}
	// All problems are reported at once.
	err := (&Spec{Window: Session{}, OutOfOrderness: -1}).Validate()
	if err == nil || !strings.Contains(err.Error(), "session gap") || !strings.Contains(err.Error(), "no aggregates") {
		t.Fatalf("joined errors: %v", err)
	}
}

func TestMergePartialRollsUp(t *testing.T) {
	// Gateways send per-device one-minute partials; the aggregator rolls
	// them up per site and hour, and the result equals one pass over the
	// raw events.
	aggs := propAggs(t)
	const minute, hour = 60_000, 3_600_000
	edge, _ := newOp(t, Spec{Window: Tumbling{Size: minute}, Aggregates: aggs, NoChanges: true})
	direct, directOut := newOp(t, Spec{Window: Tumbling{Size: hour}, Aggregates: aggs})
	var partials []Result
	var states [][]State
	edge.out = outputFunc(func(r *Result) {
		// Keep what a gateway sends: the encoded partial state.
		var ss []State
		for i, s := range r.States {
			c := aggs[i].NewState()
			if err := c.UnmarshalBinary(s.AppendBinary(nil)); err != nil {
				t.Fatal(err)
			}
			ss = append(ss, c)
		}
		partials = append(partials, *r)
		states = append(states, ss)
	})
	var f feeder
	for i := range 500 {
		e := ev{key: fmt.Sprintf("dev%d", i%7), part: fmt.Sprintf("dev%d", i%7), ts: int64(i) * 17_000, v: int64(i%13 - 6)}
		f.process(t, edge, e)
		e.key = "site"
		f.process(t, direct, e)
	}
	edge.Advance(0)
	direct.Advance(0)
	for _, d := range []string{"dev0", "dev1", "dev2", "dev3", "dev4", "dev5", "dev6"} {
		f.process(t, edge, ev{d, d, 1 << 40, 0})
		f.process(t, direct, ev{"site", d, 1 << 40, 0})
	}
	edge.Advance(1)
	direct.Advance(1)

	central, centralOut := newOp(t, Spec{Window: Tumbling{Size: hour}, Aggregates: aggs, OutOfOrderness: hour})
	var r Record
	for i, p := range partials {
		dev, _ := DecodeKey(nil, []byte(p.Key))
		r.Key = AppendKey(r.Key[:0], String("site"))
		r.Partition = append(r.Partition[:0], dev[0].S...)
		r.Time = p.Window.Start
		if err := central.MergePartial(&r, states[i]); err != nil {
			t.Fatal(err)
		}
	}
	central.Advance(0)
	for _, d := range []string{"dev0", "dev1", "dev2", "dev3", "dev4", "dev5", "dev6"} {
		r.Partition = append(r.Partition[:0], d...)
		r.Time = 1 << 41
		if err := central.MergePartial(&r, []State{aggs[0].NewState(), aggs[1].NewState(), aggs[2].NewState(), aggs[3].NewState(), aggs[4].NewState()}); err != nil {
			t.Fatal(err)
		}
	}
	central.Advance(1)
	got, want := centralOut.take(), directOut.take()
	if len(want) < 3 || !slices.Equal(got, want) {
		t.Fatalf("rolled-up partials:\n got %q\nwant %q", got, want)
	}
}

type outputFunc func(*Result)

func (f outputFunc) Result(r *Result) { f(r) }
func (outputFunc) Late(*LateEvent)    {}

// The hot path allocates nothing per event in steady state, with change
// tracking and Changes too.
func TestSteadyStateDoesNotAllocate(t *testing.T) {
	for _, kind := range []Windowing{Tumbling{Size: 100}, Hopping{Size: 100, Slide: 50}, Session{Gap: 30}, Unbounded{}} {
		out := &discard{}
		o, err := New(Spec{Window: kind, Aggregates: propAggs(t), OutOfOrderness: 10, AllowedLateness: 20, IdleTimeout: 1000}, out)
		if err != nil {
			t.Fatal(err)
		}
		var f feeder
		keys := []string{"a", "b", "c", "d"}
		ts := int64(0)
		step := func() {
			for i, k := range keys {
				f.process(t, o, ev{k, k, ts + int64(i), int64(i)})
			}
			ts += 40
			o.Advance(ts)
			if err := o.Changes(func(k, v []byte) error { return nil }); err != nil {
				t.Fatal(err)
			}
		}
		for range 100 {
			step()
		}
		f.process(t, o, ev{"a", "a", ts, 1}) // warm the feeder
		if n := testing.AllocsPerRun(200, step); n != 0 {
			t.Errorf("%v: %v allocations per step of 4 events", kind, n)
		}
		if out.results == 0 {
			t.Errorf("%v: no results", kind)
		}
	}
}

func TestPartitionsStatus(t *testing.T) {
	o, _ := newOp(t, Spec{Window: Tumbling{Size: 10}, OutOfOrderness: 3, IdleTimeout: 100})
	var f feeder
	if wm := o.Watermark(); wm != -1<<63 {
		t.Fatalf("watermark before events %d", wm)
	}
	o.Advance(0)
	f.all(t, o, ev{"a", "d1", 50, 1}, ev{"b", "d2", 20, 1})
	o.Advance(50)
	f.process(t, o, ev{"a", "d1", 60, 1})
	if wm := o.Watermark(); wm != 17 {
		t.Fatalf("watermark %d, want 17 (d2)", wm)
	}
	o.Advance(100) // d2 idle
	var got []PartitionStatus
	o.Partitions(func(p PartitionStatus) { got = append(got, p) })
	want := []PartitionStatus{{"d1", 60, 57, 50, false}, {"d2", 20, 17, 0, true}}
	if !slices.Equal(got, want) {
		t.Fatalf("partitions %+v, want %+v", got, want)
	}
	if wm := o.Watermark(); wm != 57 {
		t.Fatalf("watermark %d, want 57 (d2 idle)", wm)
	}
}

// ProcessBatch at thousands of keys, with windows closing and results
// emitted, allocates nothing in steady state: the free lists and maps keep
// their size. For count/sum/avg/max, draining Changes after every batch, as
// the agent's commits do, allocates nothing either. The sketches' Changes
// do allocate: encoding a changed sparse HyperLogLog folds its temporary
// set into a new compressed list inside github.com/axiomhq/hyperloglog
// (about two allocations per changed key per commit, outside the event
// path), so that case tracks no changes here; and a sketch still grows,
// rarely, when a key meets a value outside the range it has room for, so
// that case is held to at most one allocation per thousand events.
func TestProcessBatchThousandsOfKeysDoesNotAllocate(t *testing.T) {
	const devices = 5000
	for _, c := range []struct {
		names   []string
		changes bool
		allocs  float64 // the most per round
	}{
		{[]string{"count", "sum", "avg", "max"}, true, 0},
		{[]string{"approx_percentile", "approx_count_distinct"}, false, devices / 1000},
	} {
		var aggs []Aggregate
		for _, n := range c.names {
			args := AggArgs{Star: n == "count"}
			if n == "approx_percentile" {
				args.Quantiles = []float64{0.99}
			}
			a, err := NewAggregate(n, args)
			if err != nil {
				t.Fatal(err)
			}
			aggs = append(aggs, a)
		}
		out := &discard{}
		o, err := New(Spec{Window: Tumbling{Size: 10_000}, Aggregates: aggs, OutOfOrderness: 1000, IdleTimeout: 60_000,
			NoChanges: !c.changes}, out)
		if err != nil {
			t.Fatal(err)
		}
		f := newFleet(devices, 1000, len(aggs))
		drained := 0
		if c.changes {
			f.afterBatch = func() {
				if err := o.Changes(func(k, v []byte) error { drained++; return nil }); err != nil {
					t.Fatal(err)
				}
			}
		}
		f.feed(t, o, 200*devices, true) // twenty windows: free lists, maps and sketches at their steady size
		before, drainedBefore := out.results, drained
		// Each run is one round: every device once, a watermark advance.
		if n := testing.AllocsPerRun(20, func() { f.feed(t, o, devices, true) }); n > c.allocs {
			t.Errorf("%v: %v allocations per round of %d events", c.names, n, devices)
		}
		if out.results == before {
			t.Errorf("%v: no window closed during the measured rounds", c.names)
		}
		if c.changes && drained == drainedBefore {
			t.Errorf("%v: Changes yielded nothing during the measured rounds", c.names)
		}
	}
}
