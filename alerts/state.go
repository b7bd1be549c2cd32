package alerts

import "fmt"

// State is where an alert instance is in its lifecycle:
//
//	inactive ──condition──▶ pending ──held for `for`──▶ firing ──clear──▶ resolved
//	    ▲                      │                                            │
//	    └──condition false─────┘            condition again: pending ◀──────┘
//
// An absence rule goes from inactive (or resolved) straight to firing when
// its group has been silent for `for`.
type State uint8

const (
	Inactive State = iota
	Pending
	Firing
	Resolved
	numStates
)

var stateNames = [...]string{"inactive", "pending", "firing", "resolved"}

// String returns the lower-case name used in notifications, history and the
// HTTP API.
func (s State) String() string {
	if s < numStates {
		return stateNames[s]
	}
	return fmt.Sprintf("state(%d)", uint8(s))
}

// MarshalText writes the name, so JSON carries "firing" and not 2.
func (s State) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// UnmarshalText reads a name written by MarshalText.
func (s *State) UnmarshalText(b []byte) error {
	for i, n := range stateNames {
		if n == string(b) {
			*s = State(i)
			return nil
		}
	}
	return fmt.Errorf("alerts: unknown state %q (want inactive, pending, firing or resolved)", b)
}
