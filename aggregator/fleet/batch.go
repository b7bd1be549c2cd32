package fleet

import (
	"errors"
	"fmt"

	"github.com/eddy-iot/eddy/aggregator/store"
	"github.com/eddy-iot/eddy/windows"
)

// Stats count what a batch did with its rows.
type Stats struct {
	Rows       int // result rows offered
	New        int // identities seen for the first time
	Replaced   int // a higher revision replaced the stored one
	Duplicates int // same identity and revision as stored: a re-send
	Stale      int // lower revision than stored: an old copy arriving late
	Expired    int // window older than the retention
	Bad        int // rows that could not be decoded or evaluated
	Misaligned int // (row, fleet window) pairs skipped: the partial straddles fleet windows
	Windows    int // fleet windows written
	Rebuilt    int // of which rebuilt from their members (after a replacement)
}

// Changed is a fleet window whose output row a batch changed: what an alert
// evaluator or a live dashboard reads after the commit.
type Changed struct {
	View  string
	Start int64 // Unix ms (math.MinInt64 for an unbounded view)
	End   int64
	Row   []byte // JSON; nil when HAVING now rejects the group
}

// Batch applies result rows to the store inside one transaction.
type Batch struct {
	e      *Engine
	tx     *store.Tx
	cutoff int64
	wins   map[string]*fleetWindow
	order  []*fleetWindow
	prow   Row // the row of AddPrepared
	Stats  Stats
	// LastErr is the last row error (counted in Stats.Bad), for logs.
	LastErr error
}

// Begin starts a batch in tx. Rows whose window starts before cutoff (Unix
// ms; the retention horizon) are counted as expired and not stored.
func (e *Engine) Begin(tx *store.Tx, cutoff int64) *Batch {
	return &Batch{e: e, tx: tx, cutoff: cutoff, wins: map[string]*fleetWindow{}}
}

// Add upserts one result row (JSON from eddy.results) and updates the fleet
// windows it feeds. A row that cannot be decoded is counted, not returned:
// only store errors are, and they abort the transaction.
func (b *Batch) Add(raw []byte) error {
	b.Stats.Rows++
	e := b.e
	r := &e.row
	if err := ParseRow(&e.parser, raw, r); err != nil {
		b.bad(err)
		return nil
	}
	if r.Windowed && r.Start < b.cutoff {
		b.Stats.Expired++
		return nil
	}
	old, stored, err := b.upsert(r.View, r.Key, r.Revision, raw)
	if err != nil || !stored {
		return err
	}
	for _, v := range e.byEdge[r.View] {
		if err := b.apply(v, r, old); err != nil {
			return err
		}
	}
	return nil
}

// upsert stores raw as revision rev of the result (view, key) unless the
// store holds that revision or a later one (stored is false: a duplicate or
// a stale copy). old is the row it replaced, parsed, or nil.
func (b *Batch) upsert(view string, key []byte, rev uint32, raw []byte) (old *Row, stored bool, err error) {
	prev, oldRaw, had, err := b.tx.Result(view, key)
	if err != nil {
		return nil, false, err
	}
	if had && prev >= rev {
		if prev == rev {
			b.Stats.Duplicates++
		} else {
			b.Stats.Stale++
		}
		return nil, false, nil
	}
	e := b.e
	if had {
		if err := ParseRow(&e.oldParse, oldRaw, &e.old); err == nil {
			old = &e.old
		}
		b.Stats.Replaced++
	} else {
		b.Stats.New++
	}
	if err := b.tx.PutResult(view, key, rev, raw); err != nil {
		return nil, false, err
	}
	return old, true, nil
}

// apply moves row r (replacing old, if any) into the windows of view v.
func (b *Batch) apply(v *View, r, old *Row) error {
	if old != nil {
		if err := b.retract(v, old); err != nil {
			return err
		}
	}
	key, wins, ok, err := v.partial(r)
	if err != nil {
		b.bad(err)
		return nil
	}
	if !ok {
		return nil
	}
	return b.feed(v, r, key, wins, v.enc)
}

// retract drops the memberships of the replaced row old in the windows of
// v it fed, and marks those windows to be rebuilt from their remaining
// members. It overwrites v's scratch.
func (b *Batch) retract(v *View, old *Row) error {
	key, wins, ok, err := v.partial(old)
	if err != nil {
		b.bad(err)
		return nil
	}
	if !ok {
		return nil
	}
	for _, w := range wins {
		if !fits(old, w) {
			continue
		}
		fw, err := b.window(v, w, key)
		if err != nil {
			return err
		}
		fw.rebuild = true
		if err := b.tx.DeleteMember(v.Name, fw.wkey, old.Key); err != nil {
			return err
		}
	}
	return nil
}

// feed adds row r's partial, with group key key, states v.scratch and their
// encoding enc, to the windows wins of view v.
func (b *Batch) feed(v *View, r *Row, key []byte, wins []windows.Window, enc []byte) error {
	for _, w := range wins {
		if !fits(r, w) {
			b.Stats.Misaligned++
			continue
		}
		fw, err := b.window(v, w, key)
		if err != nil {
			return err
		}
		if err := b.tx.PutMember(v.Name, fw.wkey, r.Key, enc); err != nil {
			return err
		}
		if fw.rebuild {
			continue // Finish recomputes it from the members, this one included
		}
		for i, s := range fw.states {
			if err := s.Merge(v.scratch[i]); err != nil {
				b.bad(fmt.Errorf("%w: merging %s into %s: %v", ErrRow, v.aggs[i].agg.Name(), v.Name, err))
				fw.rebuild = true // the window may hold part of the row: recompute
				break
			}
		}
	}
	return nil
}

func (b *Batch) bad(err error) {
	b.Stats.Bad++
	b.LastErr = err
}

// window returns the batch's copy of a fleet window, loading it from the
// store.
func (b *Batch) window(v *View, w windows.Window, key []byte) (*fleetWindow, error) {
	e := b.e
	e.buf = append(append(e.buf[:0], v.Name...), 0)
	e.wkey = store.WindowKey(e.wkey[:0], w.Start, key)
	e.buf = append(e.buf, e.wkey...)
	if fw, ok := b.wins[string(e.buf)]; ok {
		return fw, nil
	}
	fw := &fleetWindow{view: v, wkey: append([]byte(nil), e.wkey...), win: w,
		key: append([]byte(nil), key...), states: v.NewStates()}
	stored, err := b.tx.FleetWindow(v.Name, fw.wkey)
	if err != nil {
		return nil, err
	}
	if stored != nil {
		rev, _, _, err := decodeWindow(stored, fw.states)
		if err != nil {
			// Unreadable state: rebuild it from the members.
			fw.states, fw.rebuild = v.NewStates(), true
		}
		fw.rev = rev + 1
	}
	b.wins[string(e.buf)] = fw
	b.order = append(b.order, fw)
	return fw, nil
}

// Finish rebuilds the windows that lost a partial, computes the output rows
// of every changed window and stores them. It returns what changed.
func (b *Batch) Finish() ([]Changed, error) {
	var changed []Changed
	var buf, row []byte
	for _, fw := range b.order {
		v := fw.view
		if fw.rebuild {
			b.Stats.Rebuilt++
			fw.states = v.NewStates()
			part := v.NewStates()
			err := b.tx.Members(v.Name, fw.wkey, func(_, enc []byte) error {
				for _, s := range part {
					s.Reset()
				}
				if err := v.decodeStates(enc, part); err != nil {
					return err
				}
				for i, s := range fw.states {
					if err := s.Merge(part[i]); err != nil {
						return err
					}
				}
				return nil
			})
			if err != nil && !errors.Is(err, ErrRow) {
				return nil, err
			}
			if err != nil {
				b.bad(err)
			}
		}
		var keep bool
		var err error
		row, keep, err = fw.output(row[:0])
		if err != nil {
			b.bad(err)
		}
		if !keep {
			row = row[:0]
		}
		buf = fw.encode(buf[:0], row)
		if err := b.tx.PutFleetWindow(v.Name, fw.wkey, buf); err != nil {
			return nil, err
		}
		b.Stats.Windows++
		c := Changed{View: v.Name, Start: fw.win.Start, End: fw.win.End}
		if keep {
			c.Row = append([]byte(nil), row...)
		}
		changed = append(changed, c)
	}
	return changed, nil
}
