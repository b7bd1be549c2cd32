package wire

import (
	"encoding/json"
	"math"
	"testing"

	"github.com/eddy-iot/eddy/windows"
)

func TestAppendRow(t *testing.T) {
	cols := []RowColumn{{Name: "device"}, {Name: "ts", Time: true}, {Name: "doc", JSON: true}, {Name: "n"}, {Name: "x"}}
	vals := []windows.Value{windows.String(`d"1`), windows.Int(1764928800000), windows.String(`{"a":[1,2]}`), windows.Int(7), windows.Null}
	w := windows.Window{Start: 1764928800000, End: 1764928860000}
	for _, c := range []struct {
		cols []RowColumn
		vals []windows.Value
		w    windows.Window
		want string
	}{
		{cols, vals, w, `{"device":"d\"1","ts":"2025-12-05T10:00:00.000Z","doc":{"a":[1,2]},"n":7,"x":null,` +
			`"window_start":"2025-12-05T10:00:00.000Z","window_end":"2025-12-05T10:01:00.000Z","revision":2}`},
		{cols[:1], vals[:1], windows.Window{Start: math.MinInt64, End: math.MaxInt64}, `{"device":"d\"1","revision":2}`},
		{[]RowColumn{{Name: "window_start", Time: true}}, []windows.Value{windows.Int(w.Start)}, w,
			`{"window_start":"2025-12-05T10:00:00.000Z","window_end":"2025-12-05T10:01:00.000Z","revision":2}`},
		{nil, nil, w, `{"window_start":"2025-12-05T10:00:00.000Z","window_end":"2025-12-05T10:01:00.000Z","revision":2}`},
	} {
		got := string(AppendRow(nil, c.cols, c.vals, c.w, 2))
		if got != c.want {
			t.Errorf("AppendRow:\n got %s\nwant %s", got, c.want)
		}
		if !json.Valid([]byte(got)) {
			t.Errorf("not JSON: %s", got)
		}
	}
}
