package fleet_test

import (
	"time"

	"github.com/eddy-iot/eddy/aggregator/fleet"
)

func timeString(ms int64) string {
	return time.UnixMilli(ms).UTC().Format("2006-01-02T15:04:05.000Z")
}

// addStats adds the counts of s to total.
func addStats(total *fleet.Stats, s fleet.Stats) {
	total.Rows += s.Rows
	total.New += s.New
	total.Replaced += s.Replaced
	total.Duplicates += s.Duplicates
	total.Stale += s.Stale
	total.Expired += s.Expired
	total.Bad += s.Bad
	total.Misaligned += s.Misaligned
	total.Windows += s.Windows
	total.Rebuilt += s.Rebuilt
}
