package testenv

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"
)

var unsafeTopicChars = regexp.MustCompile(`[^a-zA-Z0-9._-]+`)

// TopicName returns a topic (or consumer group, or MQTT topic level) name
// unique to this test and this run: the shared brokers outlive a package's
// tests and serve every package at once.
func TopicName(t testing.TB, prefix string) string {
	t.Helper()
	var b [4]byte
	if _, err := rand.Read(b[:]); err != nil {
		t.Fatalf("testenv: random: %v", err)
	}
	name := unsafeTopicChars.ReplaceAllString(prefix+"-"+t.Name(), "_")
	if len(name) > 180 { // Kafka allows 249 characters
		name = name[:180]
	}
	return strings.ToLower(name) + "-" + hex.EncodeToString(b[:])
}

// CreateTopic creates a topic with the given partitions (one replica; log
// compaction when compacted) on the Kafka at addr, and waits until every
// partition's leader serves it, so that producing to it succeeds at once
// (metadata names a leader some milliseconds before that leader accepts
// writes: a produce in that gap gets NOT_LEADER_OR_FOLLOWER).
func CreateTopic(t testing.TB, addr, name string, partitions int, compacted bool) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := createTopic(ctx, addr, name, partitions, compacted); err != nil {
		t.Fatalf("testenv: create topic %q on %s: %v", name, addr, err)
	}
}

func createTopic(ctx context.Context, addr, name string, partitions int, compacted bool) error {
	c := &kafka.Client{Addr: kafka.TCP(addr), Timeout: 10 * time.Second}
	tc := kafka.TopicConfig{Topic: name, NumPartitions: partitions, ReplicationFactor: 1}
	if compacted {
		tc.ConfigEntries = []kafka.ConfigEntry{{ConfigName: "cleanup.policy", ConfigValue: "compact"}}
	}
	res, err := c.CreateTopics(ctx, &kafka.CreateTopicsRequest{Topics: []kafka.TopicConfig{tc}})
	if err != nil {
		return err
	}
	if err := res.Errors[name]; err != nil {
		return err
	}
	for {
		err := partitionsLed(ctx, c, name, partitions)
		if err == nil {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("partitions not led in time: %w", err)
		case <-time.After(pollEvery):
		}
	}
}

var errNotLed = errors.New("not every partition has a leader yet")

// partitionsLed says whether metadata shows the topic with n partitions, each
// with a leader that answers for it.
func partitionsLed(ctx context.Context, c *kafka.Client, name string, n int) error {
	md, err := c.Metadata(ctx, &kafka.MetadataRequest{Topics: []string{name}})
	if err != nil {
		return err
	}
	for _, tp := range md.Topics {
		if tp.Name != name {
			continue
		}
		if tp.Error != nil {
			return tp.Error
		}
		if len(tp.Partitions) != n {
			return errNotLed
		}
		req := &kafka.ListOffsetsRequest{Topics: map[string][]kafka.OffsetRequest{}}
		for _, p := range tp.Partitions {
			if p.Error != nil || p.Leader.Port == 0 {
				return errNotLed
			}
			req.Topics[name] = append(req.Topics[name], kafka.LastOffsetOf(p.ID))
		}
		// ListOffsets is answered by the partition leader itself.
		res, err := c.ListOffsets(ctx, req)
		if err != nil {
			return err
		}
		for _, po := range res.Topics[name] {
			if po.Error != nil {
				return po.Error
			}
		}
		if len(res.Topics[name]) != n {
			return errNotLed
		}
		return nil
	}
	return errNotLed
}
