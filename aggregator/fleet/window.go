package fleet

import (
	"encoding/binary"
	"fmt"

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
	return wire.AppendRow(dst, v.rcols, out, w.win, w.rev), true, nil
}
