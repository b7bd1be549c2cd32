package fleet

import (
	"encoding/binary"
	"fmt"
	"strconv"

	"github.com/eddy-iot/eddy/sql"
	"github.com/eddy-iot/eddy/sync/wire"
	"github.com/eddy-iot/eddy/windows"
)

// fleetWindow is one window of a fleet view for one group key, as a batch
// holds it while it changes.
type fleetWindow struct {
	view    *View
	wkey    []byte // store.WindowKey
	win     windows.Window
	key     []byte // the group key (windows.AppendKey encoding)
	states  []windows.State
	rev     uint32 // revision of the stored output row
	rebuild bool   // a partial was replaced: recompute from the members
}

const windowV1 = 1

// encode appends the stored form: version, revision, end, states, then the
// output row (JSON; empty when HAVING rejects the group).
func (w *fleetWindow) encode(dst, row []byte) []byte {
	dst = append(dst, windowV1)
	dst = binary.AppendUvarint(dst, uint64(w.rev))
	dst = binary.AppendVarint(dst, w.win.End)
	dst = binary.AppendUvarint(dst, uint64(len(w.states)))
	var tmp []byte
	for _, s := range w.states {
		tmp = s.AppendBinary(tmp[:0])
		dst = binary.AppendUvarint(dst, uint64(len(tmp)))
		dst = append(dst, tmp...)
	}
	return append(dst, row...)
}

// decodeWindow reads a stored window's revision, end, states (into the
// given fresh states, nil to skip them) and output row.
func decodeWindow(b []byte, states []windows.State) (rev uint32, end int64, row []byte, err error) {
	bad := fmt.Errorf("%w: stored fleet window", ErrRow)
	if len(b) < 1 || b[0] != windowV1 {
		return 0, 0, nil, bad
	}
	b = b[1:]
	r, n := binary.Uvarint(b)
	if n <= 0 {
		return 0, 0, nil, bad
	}
	b = b[n:]
	end, n = binary.Varint(b)
	if n <= 0 {
		return 0, 0, nil, bad
	}
	b = b[n:]
	ns, n := binary.Uvarint(b)
	if n <= 0 || (states != nil && ns != uint64(len(states))) {
		return 0, 0, nil, bad
	}
	b = b[n:]
	for i := uint64(0); i < ns; i++ {
		l, n := binary.Uvarint(b)
		if n <= 0 || uint64(len(b)-n) < l {
			return 0, 0, nil, bad
		}
		if states != nil {
			if err := states[i].UnmarshalBinary(b[n : n+int(l)]); err != nil {
				return 0, 0, nil, err
			}
		}
		b = b[n+int(l):]
	}
	return uint32(r), end, b, nil
}

// output computes the window's output row as JSON: the view's columns,
// then window_start and window_end (unless selected) and the revision.
// keep is false when HAVING rejects the group.
func (w *fleetWindow) output(dst []byte) (row []byte, keep bool, err error) {
	v := w.view
	res := windows.Result{Key: string(w.key), Window: w.win, Revision: w.rev, States: w.states}
	out, keep, err := v.cv.Output(&v.oenv, &res, v.out[:0])
	v.out = out
	if err != nil || !keep {
		return dst, false, err
	}
	return appendRow(dst, v.cols, out, w.win, w.rev), true, nil
}

// appendRow writes an output row as one flat JSON object.
func appendRow(dst []byte, cols []sql.OutputColumn, vals []windows.Value, win windows.Window, rev uint32) []byte {
	dst = append(dst, '{')
	hasStart, hasEnd := false, false
	for i, c := range cols {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = wire.AppendValue(dst, windows.String(c.Name))
		dst = append(dst, ':')
		v := vals[i]
		switch {
		case c.Type == sql.TypeTimestamp && v.Kind == windows.KindInt:
			dst = append(wire.AppendTime(append(dst, '"'), v.I), '"')
		case c.Type == sql.TypeJSON && v.Kind == windows.KindString && v.S != "":
			dst = append(dst, v.S...)
		default:
			dst = wire.AppendValue(dst, v)
		}
		hasStart = hasStart || c.Name == "window_start"
		hasEnd = hasEnd || c.Name == "window_end"
	}
	if !win.Unbounded() {
		if !hasStart {
			dst = append(dst, `,"window_start":"`...)
			dst = append(wire.AppendTime(dst, win.Start), '"')
		}
		if !hasEnd {
			dst = append(dst, `,"window_end":"`...)
			dst = append(wire.AppendTime(dst, win.End), '"')
		}
	}
	dst = append(dst, `,"revision":`...)
	dst = strconv.AppendUint(dst, uint64(rev), 10)
	return append(dst, '}')
}
