package dedupe

// Verdict is what Observe decided about one event.
type Verdict uint8

const (
	// New: first time this sequence number is seen; keep the event.
	New Verdict = iota
	// Restarted: the device restarted (a larger epoch, or a backward jump of
	// at least Config.ResetThreshold); the window was reset and the event is
	// kept.
	Restarted
	// Duplicate: already seen; drop the event.
	Duplicate
	// TooOld: older than the window (or from an earlier epoch), so it cannot
	// be told from a duplicate; dropped and counted as too_old.
	TooOld
	// TooOldAccepted: like TooOld, but Config.AcceptTooOld keeps it.
	TooOldAccepted
	numVerdicts
)

// Keep reports whether the event should be processed.
func (v Verdict) Keep() bool { return v == New || v == Restarted || v == TooOldAccepted }

func (v Verdict) String() string {
	switch v {
	case New:
		return "new"
	case Restarted:
		return "restarted"
	case Duplicate:
		return "duplicate"
	case TooOld:
		return "too_old"
	case TooOldAccepted:
		return "too_old_accepted"
	}
	return "unknown"
}
