package pipeline

import (
	"fmt"
	"path/filepath"
	"testing"

	"github.com/eddy-iot/eddy/edge/store"
	"github.com/eddy-iot/eddy/windows"
)

// The view table keeps its rows in the store: pending changes show over the
// committed rows, retention prunes committed and pending rows, the count
// follows, and a reopened table counts what the store holds.
func TestTableInStore(t *testing.T) {
	path := filepath.Join(t.TempDir(), "eddy.db")
	st, err := store.Open(store.Options{Path: path})
	if err != nil {
		t.Fatal(err)
	}
	commit := func(tb *table) {
		t.Helper()
		b := st.NewBatch()
		tb.flush(b)
		if err := st.Commit(b); err != nil {
			t.Fatal(err)
		}
	}
	const span = 10
	tb := newTable(st, "v", true, span, 2)
	win := func(i int64) windows.Window { return windows.Window{Start: i * span, End: (i + 1) * span} }
	for i := int64(0); i < 5; i++ {
		for g := 0; g < 3; g++ {
			tb.put([]byte(fmt.Sprint("g", g)), win(i), []byte(fmt.Sprintf(`{"w":%d,"g":%d}`, i, g)))
		}
		if i == 2 {
			commit(tb) // windows 0-2 committed, 3-4 pending
		}
	}
	tb.put([]byte("g0"), win(4), []byte(`{"w":4,"g":0,"rev":1}`)) // a newer revision, pending
	if got := tb.rows(); got != 15 {
		t.Fatalf("rows %d, want 15", got)
	}
	rows, err := tb.snapshot()
	if err != nil || len(rows) != 15 || string(rows[0]) != `{"w":0,"g":0}` || string(rows[12]) != `{"w":4,"g":0,"rev":1}` {
		t.Fatalf("snapshot %d rows %q, %v", len(rows), rows, err)
	}
	tb.remove("g1", win(4))
	tb.prune() // keeps windows ending after 50-2*10: 3 and 4
	commit(tb)
	rows, _ = tb.snapshot()
	if tb.rows() != 5 || len(rows) != 5 || string(rows[0]) != `{"w":3,"g":0}` || string(rows[4]) != `{"w":4,"g":2}` {
		t.Fatalf("after prune: rows() %d, snapshot %q", tb.rows(), rows)
	}
	re := newTable(st, "v", true, span, 2)
	if err := re.load(st); err != nil || re.rows() != 5 || re.maxEnd != 50 {
		t.Fatalf("reloaded: rows %d, maxEnd %d, %v", re.rows(), re.maxEnd, err)
	}
	st.Close()
}
