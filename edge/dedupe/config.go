package dedupe

import "fmt"

// DefaultWindow is the window size W used when Config.Window is 0.
const DefaultWindow = 1024

// maxWindow bounds W so that a corrupt or mistyped value cannot make every
// device cost megabytes.
const maxWindow = 1 << 16

// Config sets the behaviour of a Tracker. The zero value is valid: W = 1024,
// too-old events dropped, restart detection by a backward jump of 1<<20.
type Config struct {
	// Window is W, the number of sequence numbers below the highest one that
	// are remembered exactly. A multiple of 64, at most 65536; 0 means 1024.
	Window int
	// ResetThreshold is the backward jump, in sequence numbers, taken for a
	// device restart when the source has no epoch column. 0 means 1<<20;
	// use NoReset to disable it. Must be at least Window.
	ResetThreshold uint64
	// AcceptTooOld accepts events older than the window (verdict
	// TooOldAccepted) instead of dropping them (TooOld). See the package doc.
	AcceptTooOld bool
}

// NoReset disables restart detection by sequence number.
const NoReset = ^uint64(0)

// DefaultResetThreshold is used when Config.ResetThreshold is 0.
const DefaultResetThreshold = 1 << 20

func (c Config) normalize() (Config, error) {
	if c.Window == 0 {
		c.Window = DefaultWindow
	}
	if c.Window < 64 || c.Window > maxWindow || c.Window%64 != 0 {
		return c, fmt.Errorf("%w: window %d: must be a multiple of 64 between 64 and %d", ErrConfig, c.Window, maxWindow)
	}
	if c.ResetThreshold == 0 {
		c.ResetThreshold = DefaultResetThreshold
	}
	if c.ResetThreshold < uint64(c.Window) {
		return c, fmt.Errorf("%w: reset threshold %d is smaller than the window %d", ErrConfig, c.ResetThreshold, c.Window)
	}
	return c, nil
}
