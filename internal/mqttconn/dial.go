package mqttconn

import (
	"bufio"
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"net/url"

	paho "github.com/eclipse/paho.mqtt.golang"
	"golang.org/x/net/proxy"
)

// readBufferSize is the read buffer of a connection: a few hundred typical
// telemetry messages per read system call under load.
const readBufferSize = 64 << 10

// bufferedConn is a net.Conn whose reads go through a bufio.Reader.
//
// paho reads every packet straight from the connection: one read for the
// fixed header byte, one per byte of the remaining length, one for the body,
// so three or four system calls per message. Profiled at 50k messages/s,
// those reads were a quarter of the agent's CPU. With a buffer, one read
// system call brings in every packet the kernel has queued. Writes are
// unchanged (paho writes each packet in one call).
type bufferedConn struct {
	net.Conn
	r *bufio.Reader
}

func (c *bufferedConn) Read(p []byte) (int, error) { return c.r.Read(p) }

// open dials uri as paho would (tcp and mqtt through the proxy of the
// environment, ssl/tls/mqtts with tlsCfg, ws and wss through paho's
// websocket) and buffers the connection's reads.
func open(uri *url.URL, o paho.ClientOptions) (net.Conn, error) {
	dialer := o.Dialer
	if dialer == nil {
		dialer = &net.Dialer{Timeout: o.ConnectTimeout}
	}
	var conn net.Conn
	var err error
	switch uri.Scheme {
	case "tcp", "mqtt":
		conn, err = proxy.FromEnvironmentUsing(dialer).Dial("tcp", uri.Host)
	case "ssl", "tls", "mqtts":
		var raw net.Conn
		if raw, err = proxy.FromEnvironmentUsing(dialer).Dial("tcp", uri.Host); err == nil {
			tc := tls.Client(raw, tlsFor(o.TLSConfig, uri))
			ctx, cancel := context.WithTimeout(context.Background(), o.ConnectTimeout)
			err = tc.HandshakeContext(ctx)
			cancel()
			if err != nil {
				_ = raw.Close()
			}
			conn = tc
		}
	case "ws", "wss":
		u := *uri
		u.User = nil // gorilla/websocket rejects user info in the URL
		var tlsCfg *tls.Config
		if uri.Scheme == "wss" {
			tlsCfg = o.TLSConfig
		}
		// paho's websocket conn keeps its own reader: no buffer on top.
		return paho.NewWebsocket(u.String(), tlsCfg, o.ConnectTimeout, o.HTTPHeaders, o.WebsocketOptions)
	default:
		return nil, fmt.Errorf("%w: scheme %q: use tcp, ssl, mqtts, ws or wss", ErrConfig, uri.Scheme)
	}
	if err != nil {
		return nil, err
	}
	return &bufferedConn{Conn: conn, r: bufio.NewReaderSize(conn, readBufferSize)}, nil
}

// tlsFor returns cfg with ServerName set from uri when cfg leaves it empty,
// as tls.Dial does.
func tlsFor(cfg *tls.Config, uri *url.URL) *tls.Config {
	if cfg == nil {
		cfg = &tls.Config{}
	}
	if cfg.ServerName != "" {
		return cfg
	}
	c := cfg.Clone()
	c.ServerName = uri.Hostname()
	return c
}
