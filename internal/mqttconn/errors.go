package mqttconn

import "errors"

var (
	// ErrConfig reports invalid connection options.
	ErrConfig = errors.New("mqtt config")
	// ErrClosed is returned by operations on a closed Conn.
	ErrClosed = errors.New("mqtt connection closed")
)
