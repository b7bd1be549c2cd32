package demo

import (
	"fmt"
	"log/slog"
	"net"
	"strconv"

	mqtt "github.com/mochi-mqtt/server/v2"
	"github.com/mochi-mqtt/server/v2/listeners"
	"github.com/mochi-mqtt/server/v2/packets"
	"github.com/twmb/franz-go/pkg/kfake"
)

// freePort asks the kernel for a free loopback port.
func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

// mqttBroker is the embedded MQTT broker (mochi-mqtt) on loopback, open to
// every client: the demo talks only to 127.0.0.1.
type mqttBroker struct {
	srv *mqtt.Server
	url string
}

func startMQTT(log *slog.Logger) (*mqttBroker, error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	srv := mqtt.New(&mqtt.Options{InlineClient: true, Logger: log.With("component", "mqtt-broker")})
	if err := srv.AddHook(new(loopbackOnly), nil); err != nil {
		return nil, err
	}
	addr := "127.0.0.1:" + strconv.Itoa(port)
	if err := srv.AddListener(listeners.NewTCP(listeners.Config{ID: "demo", Address: addr})); err != nil {
		return nil, err
	}
	if err := srv.Serve(); err != nil {
		return nil, fmt.Errorf("embedded MQTT broker: %w", err)
	}
	return &mqttBroker{srv: srv, url: "tcp://" + addr}, nil
}

func (b *mqttBroker) Close() { _ = b.srv.Close() }

// kafkaBroker is the embedded Kafka-compatible broker for development
// (franz-go's kfake). It keeps everything in memory and is not Kafka:
// production uses a real Kafka cluster.
type kafkaBroker struct {
	c    *kfake.Cluster
	addr string
}

func startKafka() (*kafkaBroker, error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	c, err := kfake.NewCluster(kfake.Ports(port), kfake.SeedTopics(1, "eddy.results", "eddy.checkpoints"))
	if err != nil {
		return nil, fmt.Errorf("embedded Kafka: %w", err)
	}
	return &kafkaBroker{c: c, addr: c.ListenAddrs()[0]}, nil
}

func (k *kafkaBroker) Close() { k.c.Close() }

// loopbackOnly lets every client in: the broker listens on 127.0.0.1 only.
// (mochi denies everyone without an auth hook; its own allow-all hook would
// pull in a YAML library we do not otherwise need.)
type loopbackOnly struct{ mqtt.HookBase }

func (*loopbackOnly) ID() string { return "demo-loopback-only" }

func (*loopbackOnly) Provides(b byte) bool {
	return b == mqtt.OnConnectAuthenticate || b == mqtt.OnACLCheck
}

func (*loopbackOnly) OnConnectAuthenticate(*mqtt.Client, packets.Packet) bool { return true }

func (*loopbackOnly) OnACLCheck(*mqtt.Client, string, bool) bool { return true }
