package mqttconn

import (
	"context"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"
)

// Config is what Start needs besides the connection options.
type Config struct {
	Options
	Will *Will
	// AutoAckDisabled: the caller acks QoS ≥ 1 messages itself (msg.Ack()),
	// after the message's effect is durably committed.
	AutoAckDisabled bool
	// DefaultHandler receives every message, also those redelivered into a
	// resumed session before OnConnect subscribes. It must not block.
	DefaultHandler paho.MessageHandler
	// OnConnect runs after every (re)connect, on paho's goroutine; subscribe
	// here and do not wait on the returned tokens in it.
	OnConnect func(paho.Client)
	Logger    *slog.Logger
}

// Conn is a supervised MQTT connection.
type Conn struct {
	cfg       Config
	client    paho.Client
	log       *slog.Logger
	connected atomic.Bool
	lost      chan struct{}
	stop      chan struct{}
	up        chan struct{} // closed and replaced on each transition to connected
	mu        sync.Mutex
	wg        sync.WaitGroup
	attempts  atomic.Int64
	closeOnce sync.Once
}

// Start validates cfg and starts connecting in the background. It returns at
// once; use WaitConnected to wait for the first connection.
func Start(cfg Config) (*Conn, error) {
	cfg.Options.Defaults()
	if err := cfg.Options.Validate(); err != nil {
		return nil, err
	}
	tlsCfg, err := cfg.Options.TLSConfig()
	if err != nil {
		return nil, err
	}
	log := cfg.Logger
	if log == nil {
		log = slog.Default()
	}
	c := &Conn{cfg: cfg, log: log, lost: make(chan struct{}, 1), stop: make(chan struct{}), up: make(chan struct{})}
	po := paho.NewClientOptions()
	for _, b := range cfg.Brokers {
		po.AddBroker(b)
	}
	po.SetClientID(cfg.ClientID).
		SetCleanSession(cfg.CleanSession).
		SetKeepAlive(cfg.KeepAlive).
		SetPingTimeout(cfg.KeepAlive / 2).
		SetConnectTimeout(cfg.ConnectTimeout).
		SetAutoReconnect(false).
		SetConnectRetry(false).
		SetOrderMatters(true).
		SetAutoAckDisabled(cfg.AutoAckDisabled).
		SetResumeSubs(true).
		SetMessageChannelDepth(1024).
		SetStore(copyingStore{paho.NewMemoryStore()}).
		SetCustomOpenConnectionFn(open)
	if cfg.Username != "" {
		po.SetUsername(cfg.Username)
	}
	if cfg.Password != "" {
		po.SetPassword(cfg.Password)
	}
	if tlsCfg != nil {
		po.SetTLSConfig(tlsCfg)
	}
	if cfg.Will != nil {
		po.SetBinaryWill(cfg.Will.Topic, cfg.Will.Payload, cfg.Will.QoS, cfg.Will.Retained)
	}
	if cfg.DefaultHandler != nil {
		po.SetDefaultPublishHandler(cfg.DefaultHandler)
	}
	po.SetOnConnectHandler(func(cl paho.Client) {
		if cfg.OnConnect != nil {
			cfg.OnConnect(cl)
		}
		c.connected.Store(true)
		c.mu.Lock()
		close(c.up)
		c.up = make(chan struct{})
		c.mu.Unlock()
	})
	po.SetConnectionLostHandler(func(_ paho.Client, err error) {
		c.connected.Store(false)
		c.log.Warn("mqtt connection lost", "client_id", cfg.ClientID, "err", err)
		select {
		case c.lost <- struct{}{}:
		default:
		}
	})
	c.client = paho.NewClient(po)
	c.wg.Add(1)
	go c.loop()
	return c, nil
}

// loop connects, waits for the connection to be lost, and reconnects with
// capped exponential backoff and full jitter.
func (c *Conn) loop() {
	defer c.wg.Done()
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), uint64(len(c.cfg.ClientID))))
	failures := 0
	var lastLog time.Time
	for {
		tok := c.client.Connect()
		tok.Wait()
		if err := tok.Error(); err == nil {
			if failures > 0 {
				c.log.Info("mqtt connected", "client_id", c.cfg.ClientID, "after_attempts", failures+1)
			}
			failures = 0
			select {
			case <-c.lost:
			case <-c.stop:
				return
			}
		} else {
			c.attempts.Add(1)
			// Throttled: the first failure, then at most once a minute.
			if failures == 0 || time.Since(lastLog) > time.Minute {
				c.log.Warn("mqtt connect failed; retrying with backoff", "conn", c.cfg.Options.String(), "err", err)
				lastLog = time.Now()
			}
			failures++
		}
		t := time.NewTimer(Backoff(failures, c.cfg.MinBackoff, c.cfg.MaxBackoff, rng))
		select {
		case <-t.C:
		case <-c.stop:
			t.Stop()
			return
		}
	}
}

// Client is the underlying paho client, for Subscribe and Publish.
func (c *Conn) Client() paho.Client { return c.client }

// Connected reports whether the connection is up now.
func (c *Conn) Connected() bool { return c.connected.Load() }

// FailedAttempts counts connection attempts that failed since Start.
func (c *Conn) FailedAttempts() int64 { return c.attempts.Load() }

// WaitConnected blocks until the connection is up or ctx ends.
func (c *Conn) WaitConnected(ctx context.Context) error {
	for {
		c.mu.Lock()
		up := c.up
		c.mu.Unlock()
		if c.connected.Load() {
			return nil
		}
		select {
		case <-up:
		case <-c.stop:
			return ErrClosed
		case <-ctx.Done():
			return fmt.Errorf("mqtt %s: not connected: %w", c.cfg.ClientID, ctx.Err())
		}
	}
}

// Close disconnects, waiting up to quiesce for outgoing work, and stops the
// reconnect loop.
func (c *Conn) Close(quiesce time.Duration) {
	c.closeOnce.Do(func() {
		close(c.stop)
		c.client.Disconnect(uint(quiesce / time.Millisecond))
		c.connected.Store(false)
		c.wg.Wait()
	})
}
