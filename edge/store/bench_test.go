package store

import (
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"testing"
)

// BenchmarkCommit commits a typical batch: 500 window-state puts (random
// keys among 10,000 groups, 64-byte values), one 2 KiB outbox entry, 50
// dedupe states and a counter. One op is one Commit (one fsync). log=on is
// the default store (changes to the write-ahead log, checkpoints when it is
// full); log=off writes every change into its bucket (CheckpointBytes -1).
// written-B/commit is what the process wrote to files (/proc/self/io
// wchar) per commit, checkpoints included.
func BenchmarkCommit(b *testing.B) {
	for _, puts := range []int{1, 500, 5000} {
		for _, log := range []string{"on", "off"} {
			b.Run(fmt.Sprint("puts=", puts, "/log=", log), func(b *testing.B) { benchCommit(b, puts, log == "on") })
		}
	}
}

func benchCommit(b *testing.B, puts int, log bool) {
	{
		{
			opts := Options{}
			if !log {
				opts.CheckpointBytes = -1
			}
			s := open(b, opts)
			r := rand.New(rand.NewPCG(1, 2))
			val := make([]byte, 64)
			entry := make([]byte, 2048)
			key := make([]byte, 0, 16)
			batch := s.NewBatch()
			fill := func() {
				batch.Reset()
				for range puts {
					key = binary.BigEndian.AppendUint64(key[:0], uint64(r.IntN(10_000)))
					batch.Put("temp_1m", key, val)
				}
				for d := range 50 {
					batch.PutDedupe("sensors", fmt.Sprint("dev-", d), val[:12])
				}
				batch.AddCounter("events_in", uint64(puts))
				batch.Enqueue(Routine, entry)
			}
			for range 20 { // warm the file up to 10k keys
				fill()
				if err := s.Commit(batch); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportAllocs()
			w0 := writtenBytes()
			b.ResetTimer()
			for b.Loop() {
				b.StopTimer()
				fill()
				b.StartTimer()
				if err := s.Commit(batch); err != nil {
					b.Fatal(err)
				}
			}
			sec := b.Elapsed().Seconds()
			b.ReportMetric(float64(b.N)/sec, "commits/s")
			b.ReportMetric(float64(b.N*puts)/sec, "events/s")
			if w0 >= 0 {
				b.ReportMetric(float64(writtenBytes()-w0)/float64(b.N), "written-B/commit")
			}
		}
	}
}

// writtenBytes is the wchar of /proc/self/io, -1 if unreadable.
func writtenBytes() int64 {
	data, err := os.ReadFile("/proc/self/io")
	if err != nil {
		return -1
	}
	for _, line := range strings.Split(string(data), "\n") {
		if v, ok := strings.CutPrefix(line, "wchar: "); ok {
			n, err := strconv.ParseInt(v, 10, 64)
			if err == nil {
				return n
			}
		}
	}
	return -1
}

// BenchmarkPeekAck drains an outbox of 2 KiB entries 100 at a time: Peek,
// then Ack of the same ids (one write transaction per 100).
func BenchmarkPeekAck(b *testing.B) {
	s := open(b, Options{})
	entry := make([]byte, 2048)
	batch := s.NewBatch()
	refill := func() {
		for range 10 {
			batch.Reset()
			for range 100 {
				batch.Enqueue(Routine, entry)
			}
			if err := s.Commit(batch); err != nil {
				b.Fatal(err)
			}
		}
	}
	ids := make([]EntryID, 0, 100)
	entries := 0
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		es, err := s.Peek(100, 1<<20)
		if err != nil {
			b.Fatal(err)
		}
		if len(es) == 0 {
			b.StopTimer()
			refill()
			b.StartTimer()
			continue
		}
		ids = ids[:0]
		for _, e := range es {
			ids = append(ids, e.ID)
		}
		if err := s.Ack(ids...); err != nil {
			b.Fatal(err)
		}
		entries += len(es)
	}
	b.ReportMetric(float64(entries)/b.Elapsed().Seconds(), "entries/s")
}
