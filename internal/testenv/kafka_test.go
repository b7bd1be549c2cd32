package testenv

import (
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"
)

const smokeMessages = 1000

// produceSmoke writes smokeMessages snappy-compressed messages, keyed k0000…,
// valued v0000…, with acks from all in-sync replicas, and returns the keys.
func produceSmoke(t *testing.T, addr, topic string) map[string]string {
	t.Helper()
	w := &kafka.Writer{
		Addr:         kafka.TCP(addr),
		Topic:        topic,
		Balancer:     &kafka.Hash{},
		RequiredAcks: kafka.RequireAll,
		Compression:  kafka.Snappy,
		BatchTimeout: 10 * time.Millisecond,
		BatchSize:    100,
		ErrorLogger:  kafka.LoggerFunc(t.Logf), // retried errors, for diagnosis
	}
	defer w.Close()
	want := make(map[string]string, smokeMessages)
	msgs := make([]kafka.Message, smokeMessages)
	for i := range msgs {
		k, v := fmt.Sprintf("k%04d", i), fmt.Sprintf("v%04d", i)
		msgs[i] = kafka.Message{Key: []byte(k), Value: []byte(v)}
		want[k] = v
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := w.WriteMessages(ctx, msgs...); err != nil {
		t.Fatalf("write %d messages: %v", len(msgs), err)
	}
	return want
}

func TestKafkaSnappyThroughConsumerGroup(t *testing.T) {
	t.Parallel()
	addr := Kafka(t)
	topic := TopicName(t, "smoke")
	const partitions = 3
	CreateTopic(t, addr, topic, partitions, false)
	want := produceSmoke(t, addr, topic)

	group := topic + "-group"
	r := kafka.NewReader(kafka.ReaderConfig{
		Brokers:        []string{addr},
		GroupID:        group,
		Topic:          topic,
		StartOffset:    kafka.FirstOffset,
		CommitInterval: 0, // CommitMessages is synchronous
		MaxWait:        100 * time.Millisecond,
		ErrorLogger:    kafka.LoggerFunc(t.Logf),
	})
	defer r.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	got := map[string]string{}
	var pending []kafka.Message
	for len(got) < smokeMessages {
		m, err := r.FetchMessage(ctx)
		if err != nil {
			t.Fatalf("fetch after %d messages: %v", len(got), err)
		}
		if _, dup := got[string(m.Key)]; dup {
			t.Fatalf("message %s delivered twice", m.Key)
		}
		got[string(m.Key)] = string(m.Value)
		pending = append(pending, m)
		if len(pending) == 100 || len(got) == smokeMessages {
			if err := r.CommitMessages(ctx, pending...); err != nil {
				t.Fatalf("commit: %v", err)
			}
			pending = pending[:0]
		}
	}
	for k, v := range want {
		if got[k] != v {
			t.Fatalf("key %s: got %q, want %q", k, got[k], v)
		}
	}

	// The commits reached the broker: the group's offsets add up to every message.
	c := &kafka.Client{Addr: kafka.TCP(addr)}
	res, err := c.OffsetFetch(ctx, &kafka.OffsetFetchRequest{GroupID: group, Topics: map[string][]int{topic: {0, 1, 2}}})
	if err != nil || res.Error != nil {
		t.Fatalf("offset fetch: %v %v", err, res.Error)
	}
	var committed int64
	for _, p := range res.Topics[topic] {
		if p.Error != nil {
			t.Fatalf("offset fetch partition %d: %v", p.Partition, p.Error)
		}
		committed += p.CommittedOffset
	}
	if committed != smokeMessages {
		t.Fatalf("committed offsets add up to %d, want %d", committed, smokeMessages)
	}

	// The broker stored snappy batches: read the codec from the first record
	// batch header of each partition's first segment (when the data dir is ours).
	if state := os.Getenv("EDDY_TESTENV_STATE"); state != "" {
		for p := range partitions {
			seg := filepath.Join(state, "kafka", "data", fmt.Sprintf("%s-%d", topic, p), "00000000000000000000.log")
			if codec := firstBatchCodec(t, seg); codec != 2 {
				t.Errorf("partition %d: first batch codec %d, want 2 (snappy)", p, codec)
			}
		}
	}
}

// firstBatchCodec returns the compression codec (attributes & 7; 2 = snappy)
// of the first record batch in a Kafka log segment. Batch header: baseOffset
// int64, batchLength int32, partitionLeaderEpoch int32, magic int8, crc
// int32, attributes int16.
func firstBatchCodec(t *testing.T, segment string) int {
	t.Helper()
	f, err := os.Open(segment)
	if err != nil {
		t.Fatalf("open segment: %v", err)
	}
	defer f.Close()
	var h [23]byte
	if _, err := io.ReadFull(f, h[:]); err != nil {
		t.Fatalf("read batch header of %s: %v", segment, err)
	}
	if magic := h[16]; magic != 2 {
		t.Fatalf("%s: record batch magic %d, want 2", segment, magic)
	}
	return int(binary.BigEndian.Uint16(h[21:23]) & 7)
}
