package fleet

import (
	"fmt"

	"github.com/eddy-iot/eddy/windows"
)

// Preparer parses result rows and computes their partial states ahead of
// the transaction that stores them, on another goroutine than the Engine's
// batch loop: the consumer prepares batch n+1 while batch n commits, so
// that JSON parsing (the larger part of a row's cost) overlaps the fsync.
// It has its own compiled views, because a View's scratch belongs to one
// goroutine. Make it with Engine.NewPreparer from the same programs.
type Preparer struct {
	e *Engine
}

// NewPreparer compiles progs, which must be the programs e was compiled
// from, into a Preparer for e.
func (e *Engine) NewPreparer(progs []Program) (*Preparer, error) {
	pe, err := New(progs)
	if err != nil {
		return nil, err
	}
	if len(pe.views) != len(e.views) {
		return nil, fmt.Errorf("%w: the preparer's programs define %d fleet views, the engine's %d", ErrPlan, len(pe.views), len(e.views))
	}
	for i, v := range pe.views {
		if v.Definition != e.views[i].Definition {
			return nil, fmt.Errorf("%w: fleet view %d is %s for the preparer, %s for the engine", ErrPlan, i, v.Name, e.views[i].Name)
		}
	}
	return &Preparer{e: pe}, nil
}

// Prepared is a batch of result rows, parsed and reduced to what each feeds
// into each fleet view; Batch.AddPrepared stores them.
type Prepared struct {
	rows  []prepRow
	edges []prepEdge
	wins  []windows.Window
	buf   []byte // keys and encoded partial states
}

type span struct{ i, j int }

type prepRow struct {
	err      error // ParseRow's
	view     string
	key      span
	rev      uint32
	windowed bool
	start    int64
	end      int64
	e0, e1   int // its edges
}

// prepEdge is what one row feeds into one fleet view (v.partial).
type prepEdge struct {
	view   int // index in Engine.views
	err    error
	ok     bool
	key    span
	enc    span
	w0, w1 int
}

// Reset empties p, keeping its memory.
func (p *Prepared) Reset() {
	clear(p.rows)
	clear(p.edges)
	p.rows, p.edges, p.wins, p.buf = p.rows[:0], p.edges[:0], p.wins[:0], p.buf[:0]
}

// Len is the number of rows.
func (p *Prepared) Len() int { return len(p.rows) }

func (p *Prepared) keep(b []byte) span {
	i := len(p.buf)
	p.buf = append(p.buf, b...)
	return span{i, len(p.buf)}
}

func (p *Prepared) bytes(s span) []byte { return p.buf[s.i:s.j:s.j] }

// Add prepares one row (JSON from eddy.results). A row that cannot be
// decoded is kept with its error, for AddPrepared to count.
func (pp *Preparer) Add(p *Prepared, raw []byte) {
	e := pp.e
	r := &e.row
	pr := prepRow{e0: len(p.edges)}
	if err := ParseRow(&e.parser, raw, r); err != nil {
		pr.err = err
	} else {
		pr.view, pr.key, pr.rev = r.View, p.keep(r.Key), r.Revision
		pr.windowed, pr.start, pr.end = r.Windowed, r.Start, r.End
		for _, v := range e.byEdge[r.View] {
			pe := prepEdge{view: e.index(v)}
			key, wins, ok, err := v.partial(r)
			switch {
			case err != nil:
				pe.err = err
			case ok:
				pe.ok, pe.key, pe.enc = true, p.keep(key), p.keep(v.enc)
				pe.w0 = len(p.wins)
				p.wins = append(p.wins, wins...)
				pe.w1 = len(p.wins)
			}
			p.edges = append(p.edges, pe)
		}
	}
	pr.e1 = len(p.edges)
	p.rows = append(p.rows, pr)
}

// index is v's position in e.views.
func (e *Engine) index(v *View) int {
	for i, x := range e.views {
		if x == v {
			return i
		}
	}
	return -1
}

// AddPrepared stores row i of p, whose JSON is raw, as Add would store raw.
func (b *Batch) AddPrepared(p *Prepared, i int, raw []byte) error {
	b.Stats.Rows++
	e := b.e
	pr := &p.rows[i]
	if pr.err != nil {
		b.bad(pr.err)
		return nil
	}
	if pr.windowed && pr.start < b.cutoff {
		b.Stats.Expired++
		return nil
	}
	key := p.bytes(pr.key)
	old, stored, err := b.upsert(pr.view, key, pr.rev, raw)
	if err != nil || !stored {
		return err
	}
	r := &b.prow
	*r = Row{View: pr.view, Key: key, Revision: pr.rev, Windowed: pr.windowed, Start: pr.start, End: pr.end}
	for _, pe := range p.edges[pr.e0:pr.e1] {
		v := e.views[pe.view]
		if old != nil {
			if err := b.retract(v, old); err != nil {
				return err
			}
		}
		if pe.err != nil {
			b.bad(pe.err)
			continue
		}
		if !pe.ok {
			continue
		}
		if err := v.decodeStates(p.bytes(pe.enc), v.scratch); err != nil {
			b.bad(err)
			continue
		}
		if err := b.feed(v, r, p.bytes(pe.key), p.wins[pe.w0:pe.w1], p.bytes(pe.enc)); err != nil {
			return err
		}
	}
	return nil
}
