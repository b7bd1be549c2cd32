package fleet

import (
	"errors"
	"fmt"
	"math"
	"slices"

	"github.com/valyala/fastjson"

	"github.com/eddy-iot/eddy/aggregator/store"
	"github.com/eddy-iot/eddy/sql"
)

// Engine holds the fleet views of one aggregator and applies batches of
// result rows to the store. It is used by one goroutine (the consumer's
// batch loop); reads for the HTTP API go through the store.
type Engine struct {
	views    []*View
	byName   map[string]*View
	byEdge   map[string][]*View
	parser   fastjson.Parser // the incoming row
	oldParse fastjson.Parser // the stored row a revision replaces
	row, old Row
	wkey     []byte
	buf      []byte
}

// Program is one SQL text of fleet views (a config's views entry).
type Program struct {
	Name string // for error positions (file name)
	SQL  string
}

// New compiles the fleet views of the programs: eddy sources and the
// materialized views over them. Every error is reported, joined.
func New(progs []Program) (*Engine, error) {
	cat := sql.NewCatalog()
	var errs []error
	for _, p := range progs {
		if el := cat.Exec(p.Name, p.SQL); len(el) > 0 {
			errs = append(errs, fmt.Errorf("%w: %s", ErrPlan, el.Error()))
		}
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	e := &Engine{byName: map[string]*View{}, byEdge: map[string][]*View{}}
	for _, b := range cat.Views() {
		v, err := newView(cat, b)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		e.views = append(e.views, v)
		e.byName[v.Name] = v
		e.byEdge[v.EdgeView] = append(e.byEdge[v.EdgeView], v)
	}
	if len(cat.Sinks()) > 0 {
		errs = append(errs, fmt.Errorf("%w: CREATE SINK is not supported in the aggregator's views (alert rules and sinks are configured apart)", ErrPlan))
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return e, nil
}

// Views returns the fleet views in definition order.
func (e *Engine) Views() []*View { return e.views }

// View returns a fleet view by name.
func (e *Engine) View(name string) *View { return e.byName[name] }

// Reconcile makes the stored fleet state match the definitions: a view
// whose definition changed (or that is new) is dropped and rebuilt from
// the stored edge results; state of views no longer defined is deleted.
func (e *Engine) Reconcile(tx *store.Tx) (rebuilt []string, err error) {
	for _, name := range tx.FleetViews() {
		if e.byName[name] == nil {
			if err := tx.DropFleetView(name); err != nil {
				return nil, err
			}
			if err := tx.PutMeta("fleet:"+name, nil); err != nil {
				return nil, err
			}
		}
	}
	for _, v := range e.views {
		if string(tx.Meta("fleet:"+v.Name)) == v.Definition {
			continue
		}
		if err := tx.DropFleetView(v.Name); err != nil {
			return nil, err
		}
		b := e.Begin(tx, math.MinInt64)
		err := tx.Results(v.EdgeView, math.MinInt64, math.MaxInt64, func(key []byte, rev uint32, row []byte) error {
			if err := ParseRow(&e.parser, row, &e.row); err != nil {
				return nil // was accepted once; skip what this build cannot read
			}
			return b.apply(v, &e.row, nil)
		})
		if err == nil {
			_, err = b.Finish()
		}
		if err != nil {
			return nil, fmt.Errorf("rebuilding fleet view %s: %w", v.Name, err)
		}
		if err := tx.PutMeta("fleet:"+v.Name, []byte(v.Definition)); err != nil {
			return nil, err
		}
		rebuilt = append(rebuilt, v.Name)
	}
	slices.Sort(rebuilt)
	return rebuilt, nil
}

// Rows calls fn with the output row (JSON) of each window of fleet view
// name that starts in [from, to), in time order; windows that HAVING
// rejects are skipped. ok is false when there is no such fleet view.
func (e *Engine) Rows(tx *store.Tx, name string, from, to int64, fn func(row []byte) error) (ok bool, err error) {
	if e.byName[name] == nil {
		return false, nil
	}
	return true, tx.FleetWindows(name, from, to, func(_, val []byte) error {
		_, _, row, err := decodeWindow(val, nil)
		if err != nil || len(row) == 0 {
			return err
		}
		return fn(row)
	})
}
