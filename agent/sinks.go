package agent

import (
	"fmt"
	"io"
	"log/slog"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/eddy-iot/eddy/internal/kafkaconn"
	"github.com/eddy-iot/eddy/internal/mqttconn"
	"github.com/eddy-iot/eddy/sinks"
	"github.com/eddy-iot/eddy/sinks/file"
	kafkasink "github.com/eddy-iot/eddy/sinks/kafka"
	mqttsink "github.com/eddy-iot/eddy/sinks/mqtt"
	"github.com/eddy-iot/eddy/sinks/print"
	"github.com/eddy-iot/eddy/sinks/webhook"
	"github.com/eddy-iot/eddy/sql"
)

// sinkOpener opens the outputs of CREATE SINK statements. Connection
// settings a statement leaves out (MQTT broker, credentials, TLS; Kafka
// SASL and TLS) come from the agent's configuration, so secrets stay out
// of SQL.
type sinkOpener struct {
	stdout io.Writer
	mqtt   mqttconn.Options // defaults for mqtt sinks
	kafka  kafkaconn.Options
	log    *slog.Logger
}

func (o *sinkOpener) open(b *sql.BoundSink) (sinks.Sink, error) {
	opt := b.Options
	switch b.Connector {
	case "print":
		id := opt["print-identifier"]
		if id == "" {
			id = b.Name
		}
		w := o.stdout
		if w == nil {
			w = os.Stdout
		}
		return print.New(w, id), nil
	case "file":
		fo := file.Options{Path: opt["path"], Sync: opt["sync"] == "true"}
		if v := opt["max_bytes"]; v != "" {
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil {
				return nil, fmt.Errorf("max_bytes %q: %w", v, err)
			}
			fo.MaxBytes = n
		}
		if v := opt["keep"]; v != "" {
			n, err := strconv.Atoi(v)
			if err != nil {
				return nil, fmt.Errorf("keep %q: %w", v, err)
			}
			fo.Keep = n
		}
		return file.New(fo)
	case "webhook":
		wo := webhook.Options{URL: opt["url"], BearerToken: os.Getenv("EDDY_WEBHOOK_TOKEN")}
		if v := opt["timeout"]; v != "" {
			d, err := time.ParseDuration(v)
			if err != nil {
				return nil, fmt.Errorf("timeout %q: %w", v, err)
			}
			wo.Timeout = d
		}
		if v := opt["max_attempts"]; v != "" {
			n, err := strconv.Atoi(v)
			if err != nil {
				return nil, fmt.Errorf("max_attempts %q: %w", v, err)
			}
			wo.MaxAttempts = n
		}
		return webhook.New(wo)
	case "kafka":
		ko := o.kafka
		if v := opt["properties.bootstrap.servers"]; v != "" {
			ko.Brokers = splitList(v)
		}
		return kafkasink.New(kafkasink.Options{Kafka: ko, Topic: opt["topic"], KeyField: opt["primary_key"]})
	case "mqtt":
		mo := o.mqtt
		if v := opt["url"]; v != "" {
			mo.Brokers = []string{v}
		}
		mo.ClientID = mo.ClientID + "-sink-" + b.Name
		mo.CleanSession = true
		qos := byte(1)
		if v := opt["qos"]; v != "" {
			n, err := strconv.Atoi(v)
			if err != nil || n < 0 || n > 2 {
				return nil, fmt.Errorf("qos %q: use 0, 1 or 2", v)
			}
			qos = byte(n)
		}
		return mqttsink.New(mqttsink.Options{Conn: mqttconn.Config{Options: mo, Logger: o.log}, Topic: opt["topic"],
			QoS: qos, Retained: opt["retain"] == "true"})
	}
	return nil, fmt.Errorf("connector %q has no sink in this build", b.Connector)
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}
