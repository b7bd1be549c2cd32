package store

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"time"
)

func TestDeadLetterRing(t *testing.T) {
	clk := newClock()
	s := open(t, Options{Now: clk.Now, DeadLetters: DeadLetterOptions{MaxEntries: 3, MaxPayload: 4}})
	at := clk.Now().Add(-time.Hour)
	reasons := []string{"a", "a", "b", "a", "c"}
	for i, r := range reasons {
		commit(t, s, func(b *Batch) {
			d := DeadLetter{Topic: "sensors/" + string(rune('0'+i)), Reason: r, Payload: []byte("payload"), Message: "m"}
			if i == 4 {
				d.Time = at
			}
			b.AddDeadLetter(d)
		})
		clk.Add(time.Second)
	}
	check := func(s *Store) {
		t.Helper()
		dl, err := s.DeadLetters(10)
		if err != nil {
			t.Fatal(err)
		}
		var topics []string
		for _, d := range dl {
			topics = append(topics, d.Topic)
		}
		if got := strings.Join(topics, " "); got != "sensors/4 sensors/3 sensors/2" {
			t.Fatalf("newest first: %s", got)
		}
		if d := dl[0]; string(d.Payload) != "payl" || d.PayloadLen != 7 || d.Reason != "c" || !d.Time.Equal(at) {
			t.Fatalf("newest %+v", d)
		}
		if d := dl[1]; !d.Time.Equal(clk.Now().Add(-2 * time.Second)) {
			t.Fatalf("store clock time %v", d.Time)
		}
		if dl, _ := s.DeadLetters(1); len(dl) != 1 || dl[0].Topic != "sensors/4" {
			t.Fatalf("DeadLetters(1) %+v", dl)
		}
		st, err := s.DeadLetterStats()
		if err != nil {
			t.Fatal(err)
		}
		if st.Count != 3 || st.Total != 5 || st.Evicted != 2 || st.ByReason["a"] != 3 || st.ByReason["b"] != 1 || st.ByReason["c"] != 1 {
			t.Fatalf("stats %+v", st)
		}
	}
	check(s)
	s = reopen(t, s)
	check(s)
	mustVerify(t, s)
}

func TestDeadLetterTruncation(t *testing.T) {
	s := open(t, Options{})
	long := strings.Repeat("é", 600) // 1200 bytes: cut at a rune boundary
	commit(t, s, func(b *Batch) {
		b.AddDeadLetter(DeadLetter{Topic: long, Reason: "oversized", Payload: bytes.Repeat([]byte{0xff}, 5000), Message: long})
	})
	dl, _ := s.DeadLetters(1)
	d := dl[0]
	if len(d.Topic) != 512 || len(d.Message) != 1024 || len(d.Payload) != DefaultDeadLetterBytes || d.PayloadLen != 5000 {
		t.Fatalf("topic %d message %d payload %d/%d", len(d.Topic), len(d.Message), len(d.Payload), d.PayloadLen)
	}
	if strings.ToValidUTF8(d.Topic, "?") != d.Topic {
		t.Fatal("topic cut inside a rune")
	}
	if got := truncate([]byte("aé"), 2); string(got) != "a" {
		t.Fatalf("truncate %q", got)
	}
}

// FuzzDeadLetter: the decoder never panics, rejects with ErrCorrupt, and
// what it accepts re-encodes to the same record.
func FuzzDeadLetter(f *testing.F) {
	f.Add(appendDeadLetter(nil, DeadLetter{Time: time.Unix(5, 0), Topic: "t", Reason: "r", Payload: []byte("p"), Message: "m"}, 1024))
	f.Add(appendDeadLetter(nil, DeadLetter{Reason: "r", Payload: make([]byte, 100)}, 10))
	f.Fuzz(func(t *testing.T, rec []byte) {
		r, err := parseDeadLetter(rec)
		if err != nil {
			if !errors.Is(err, ErrCorrupt) {
				t.Fatal(err)
			}
			return
		}
		d, err := decodeDeadLetter(rec)
		if err != nil {
			t.Fatal(err)
		}
		if len(r.topic) > maxTopicBytes || len(r.reason) > maxReasonBytes || len(r.msg) > maxMessageBytes {
			return // not made by this encoder
		}
		// Re-encode: the payload length is kept only through PayloadLen.
		again := appendDeadLetter(nil, d, len(d.Payload))
		r2, err := parseDeadLetter(again)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(r2.payload, r.payload) || r2.time != r.time || !bytes.Equal(r2.reason, truncate(r.reason, maxReasonBytes)) {
			t.Fatalf("round trip %+v != %+v", r2, r)
		}
	})
}
