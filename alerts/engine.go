package alerts

import (
	"math"
	"slices"
	"strings"

	"github.com/eddy-iot/eddy/sql"
	"github.com/eddy-iot/eddy/sql/eval"
	"github.com/eddy-iot/eddy/windows"
)

// Engine evaluates rules over the rows of views. It is pure computation: it
// does no I/O, starts no goroutine and never reads the clock; every call
// that depends on time takes now, Unix milliseconds. An Engine is not safe
// for concurrent use: its owner serialises Observe, Tick and the rest.
type Engine struct {
	rules []*rule
	views map[string]*viewState
	byID  map[string]*instance

	silences    []Silence
	nextSilence int64

	// dirty holds the instances whose last notification is not their
	// state: Tick notifies them unless a silence holds them.
	dirty   map[*instance]struct{}
	history []Transition
	now     int64 // the latest time passed in

	env   eval.Env
	key   []byte
	stats Stats
}

// Stats counts what the engine did since New.
type Stats struct {
	Rows       uint64 // rows observed for views that have rules
	EvalErrors uint64 // rows a rule skipped because an expression failed on them
	Instances  int    // alert instances and tracked groups held
}

// viewState is one watched view: its columns, rules and the mapping from
// the caller's column order to the columns the rules were bound against.
type viewState struct {
	name     string
	cols     []sql.Column
	rules    []*rule
	lastCols []string
	perm     []int           // perm[i]: the column of lastCols[i], -1 when unknown
	row      []windows.Value // scratch: the view's columns, then rate
}

// rule is a compiled Rule and its instances.
type rule struct {
	Rule
	idx                              int
	view                             *viewState
	where, cond, clear, value, timeX *eval.Expr
	group                            []int
	inst                             map[string]*instance
	// next is a lower bound of the earliest deadline (pending for, absence,
	// renotify, resolved expiry) of the rule's instances: Tick scans them
	// only from then on.
	next int64
}

const never = math.MaxInt64

func (r *rule) wake(at int64) {
	if at < r.next {
		r.next = at
	}
}

// New compiles rules against the columns of their views. AgentsView is
// known without being in views. Errors name the rule file, line and column.
func New(rules []Rule, views Views) (*Engine, error) {
	e := &Engine{views: map[string]*viewState{}, byID: map[string]*instance{}, dirty: map[*instance]struct{}{}}
	binders := map[string]*binder{}
	names := map[string]bool{}
	for i := range rules {
		r := &rule{Rule: rules[i], idx: i, inst: map[string]*instance{}, next: never}
		r.GroupBy = slices.Clone(r.GroupBy)
		if err := r.normalize(); err != nil {
			return nil, err
		}
		if names[r.Name] {
			return nil, r.errorf("another rule has this name; rule names must be unique")
		}
		names[r.Name] = true
		cols, ok := views[r.View]
		if !ok && r.View == AgentsView {
			cols, ok = AgentsColumns, true
		}
		if !ok {
			known := make([]string, 0, len(views))
			for v := range views {
				known = append(known, v)
			}
			slices.Sort(known)
			return nil, r.errorf("unknown view %q (known: %s)", r.View, strings.Join(known, ", "))
		}
		vs := e.views[r.View]
		if vs == nil {
			vs = &viewState{name: r.View, cols: cols, row: make([]windows.Value, len(cols)+1)}
			e.views[r.View] = vs
		}
		r.view = vs
		if err := e.compile(r, cols, binders); err != nil {
			return nil, err
		}
		vs.rules = append(vs.rules, r)
		e.rules = append(e.rules, r)
	}
	return e, nil
}

// compile binds r's expressions and resolves its group columns.
func (e *Engine) compile(r *rule, cols []sql.Column, binders map[string]*binder) error {
	for _, g := range r.GroupBy {
		i := slices.IndexFunc(cols, func(c sql.Column) bool { return c.Name == g })
		if i < 0 {
			return r.errorf("group_by column %q is not a column of view %q (columns: %s)", g, r.View, colNames(cols))
		}
		r.group = append(r.group, i)
	}
	bkey := r.View
	if r.Kind == Rate {
		if slices.ContainsFunc(cols, func(c sql.Column) bool { return c.Name == "rate" }) {
			return r.errorf("view %q has a column named rate, which a rate rule's condition uses for the rate; rename the column in the view", r.View)
		}
		cols = append(slices.Clone(cols), sql.Column{Name: "rate", Type: sql.TypeFloat})
		bkey += "\x00rate"
	}
	b := binders[bkey]
	if b == nil {
		var err error
		if b, err = newBinder(r.View, cols); err != nil {
			return r.errorf("%v", err)
		}
		binders[bkey] = b
	}
	var err error
	if r.Where != "" {
		if r.where, _, err = b.boolean(&r.Rule, "where", r.Where); err != nil {
			return err
		}
	}
	var condBound sql.BoundExpr
	if r.Condition != "" {
		if r.cond, condBound, err = b.boolean(&r.Rule, "condition", r.Condition); err != nil {
			return err
		}
		clear := r.Clear
		if clear == "" {
			clear = "NOT (" + r.Condition + ")"
		}
		if r.clear, _, err = b.boolean(&r.Rule, "clear", clear); err != nil {
			return err
		}
	}
	if r.Value != "" {
		var vb sql.BoundExpr
		if r.value, vb, err = b.bind(&r.Rule, "value", r.Value); err != nil {
			return err
		}
		if r.Kind == Rate {
			switch vb.Type() {
			case sql.TypeInt, sql.TypeFloat, sql.TypeJSON:
			default:
				return r.fieldErrorf("value", "%q is %s: a rate needs a number", r.Value, vb.Type())
			}
		}
	} else if condBound != nil && r.Kind == Threshold {
		if left := leftOperand(condBound); left != nil {
			if r.value, err = eval.Compile(left); err != nil {
				r.value = nil
			}
		}
	}
	if r.Time != "" {
		var tb sql.BoundExpr
		if r.timeX, tb, err = b.bind(&r.Rule, "time", r.Time); err != nil {
			return err
		}
		if t := tb.Type(); t != sql.TypeTimestamp && t != sql.TypeInt && t != sql.TypeJSON {
			return r.fieldErrorf("time", "%q is %s: the time of a row is a TIMESTAMP or BIGINT milliseconds column", r.Time, t)
		}
	}
	return nil
}

func colNames(cols []sql.Column) string {
	n := make([]string, len(cols))
	for i, c := range cols {
		n[i] = c.Name
	}
	return strings.Join(n, ", ")
}

// Rules returns the rules as compiled: defaults filled in, the agent kinds
// expanded into their view, condition and value.
func (e *Engine) Rules() []Rule {
	out := make([]Rule, len(e.rules))
	for i, r := range e.rules {
		out[i] = r.Rule
	}
	return out
}

// Stats returns the counters.
func (e *Engine) Stats() Stats {
	s := e.stats
	s.Instances = 0
	for _, r := range e.rules {
		s.Instances += len(r.inst)
	}
	return s
}

// Observe feeds one row of view to the rules that watch it. cols names the
// row's columns (any order; missing ones are NULL, unknown ones ignored);
// row is read during the call only. now is the processing time, Unix ms:
// it dates transitions and drives For and absence. Notifications wait for
// the next Tick, which the caller runs after each batch of rows.
func (e *Engine) Observe(view string, cols []string, row []windows.Value, now int64) {
	vs := e.views[view]
	if vs == nil {
		return
	}
	e.advance(now)
	e.stats.Rows++
	vs.load(cols, row)
	for _, r := range vs.rules {
		e.observe(r, vs.row, now)
	}
}

func (e *Engine) advance(now int64) {
	if now > e.now {
		e.now = now
	}
}

// load maps row into vs.row in the view's column order.
func (vs *viewState) load(cols []string, row []windows.Value) {
	if !slices.Equal(cols, vs.lastCols) {
		vs.lastCols = slices.Clone(cols)
		vs.perm = vs.perm[:0]
		for _, c := range cols {
			vs.perm = append(vs.perm, slices.IndexFunc(vs.cols, func(sc sql.Column) bool { return sc.Name == c }))
		}
	}
	clear(vs.row)
	for i, v := range row {
		if i >= len(vs.perm) || vs.perm[i] < 0 {
			continue
		}
		j := vs.perm[i]
		vs.row[j] = coerce(v, vs.cols[j].Type)
	}
}

// coerce gives a number the kind its column's type has at run time, which
// compiled expressions rely on (a JSON decoder may hand 21 for a DOUBLE).
func coerce(v windows.Value, t sql.Type) windows.Value {
	switch {
	case v.Kind == windows.KindInt && t == sql.TypeFloat:
		return windows.Float(float64(v.I))
	case v.Kind == windows.KindFloat && (t == sql.TypeInt || t == sql.TypeTimestamp) && v.F == math.Trunc(v.F) && math.Abs(v.F) < 1<<62:
		return windows.Int(int64(v.F))
	}
	return v
}

// observe applies one row to one rule.
func (e *Engine) observe(r *rule, row []windows.Value, now int64) {
	env := &e.env
	env.Row, env.Now, env.Err = row, now, nil
	if r.where != nil {
		ok := r.where.Bool(env)
		if env.Err != nil {
			e.stats.EvalErrors++
			return
		}
		if !ok {
			return
		}
	}
	e.key = e.key[:0]
	for _, g := range r.group {
		e.key = windows.AppendKey(e.key, row[g])
	}
	in := r.inst[string(e.key)]
	switch r.Kind {
	case Absence:
		if in == nil {
			in = e.newInstance(r, row)
		}
		gap := now - in.lastSeen
		in.lastSeen = now
		r.wake(now + r.For.Milliseconds())
		if in.state == Firing {
			in.value = windows.Int(gap) // how long the group was silent
			e.transition(in, Resolved, now)
		}
	case Rate:
		t := now
		if r.timeX != nil {
			tv := r.timeX.Eval(env)
			f, ok := tv.Float64()
			if !ok || env.Err != nil {
				e.skip(env)
				return
			}
			t = int64(f)
		}
		f, ok := r.value.Eval(env).Float64()
		if !ok || env.Err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
			e.skip(env)
			return
		}
		if in == nil {
			in = e.newInstance(r, row)
		}
		if !in.hasPrev || t > in.prevT {
			prevT, prevV, had := in.prevT, in.prevV, in.hasPrev
			in.hasPrev, in.prevT, in.prevV = true, t, f
			if had {
				rate := (f - prevV) * 1000 / float64(t-prevT)
				row[len(r.view.cols)] = windows.Float(rate)
				e.step(r, in, row, now)
			}
		}
	default:
		e.step(r, in, row, now)
	}
}

func (e *Engine) skip(env *eval.Env) {
	if env.Err != nil {
		e.stats.EvalErrors++
	}
}

// step moves an instance of a threshold or rate rule by one row: the
// condition starts an episode, the clear condition ends it.
func (e *Engine) step(r *rule, in *instance, row []windows.Value, now int64) {
	env := &e.env
	state := Inactive
	if in != nil {
		state = in.state
	}
	switch state {
	case Inactive, Resolved:
		c := r.cond.Bool(env)
		if env.Err != nil {
			e.stats.EvalErrors++
			return
		}
		if !c {
			return
		}
		v := e.valueOf(r, row)
		if in == nil {
			in = e.newInstance(r, row)
		}
		in.value = v
		e.transition(in, Pending, now)
		if r.For <= 0 {
			e.transition(in, Firing, now)
		} else {
			r.wake(now + r.For.Milliseconds())
		}
	case Pending:
		c := r.cond.Bool(env)
		if env.Err != nil {
			e.stats.EvalErrors++
			return
		}
		if !c {
			e.transition(in, Inactive, now)
			return
		}
		in.value = e.valueOf(r, row)
		if now >= in.activeAt+r.For.Milliseconds() {
			e.transition(in, Firing, now)
		}
	case Firing:
		c := r.clear.Bool(env)
		if env.Err != nil {
			e.stats.EvalErrors++
			return
		}
		in.value = e.valueOf(r, row)
		if c {
			e.transition(in, Resolved, now)
		}
	}
}

// valueOf evaluates the value a rule shows; an error gives NULL.
func (e *Engine) valueOf(r *rule, row []windows.Value) windows.Value {
	if r.Kind == Rate {
		return row[len(r.view.cols)]
	}
	if r.value == nil {
		return windows.Value{}
	}
	err := e.env.Err
	v := r.value.Eval(&e.env)
	e.env.Err = err
	if v.Kind == windows.KindString {
		v.S = strings.Clone(v.S)
	}
	return v
}

// Tick advances time: pending alerts whose For has passed fire, silent
// groups of absence rules fire, silences end, unacknowledged firing alerts
// are re-notified, resolved alerts older than KeepResolved leave Alerts().
// It returns the notifications of every transition since the last Tick that
// no silence holds, each once, in rule order.
func (e *Engine) Tick(now int64) []Notification {
	e.advance(now)
	e.silences = slices.DeleteFunc(e.silences, func(s Silence) bool { return s.Until <= now })
	var out []Notification
	for _, r := range e.rules {
		if now < r.next {
			continue
		}
		out = e.scan(r, now, out)
	}
	if len(e.dirty) > 0 {
		held := make([]*instance, 0, len(e.dirty))
		for in := range e.dirty {
			held = append(held, in)
		}
		slices.SortFunc(held, byRuleAndID)
		for _, in := range held {
			if e.silenced(in, now) {
				if in.state == Firing {
					in.heldEpisode = in.firedAt
				}
				continue
			}
			out = e.notify(in, now, out)
			delete(e.dirty, in)
			if in.state == Inactive && in.r.Kind == Threshold {
				e.drop(in)
			}
		}
	}
	slices.SortStableFunc(out, func(a, b Notification) int {
		ra, rb := e.ruleIndex(a.Rule), e.ruleIndex(b.Rule)
		if ra != rb {
			return ra - rb
		}
		return strings.Compare(a.Alert, b.Alert)
	})
	return out
}

func byRuleAndID(a, b *instance) int {
	if a.r.idx != b.r.idx {
		return a.r.idx - b.r.idx
	}
	return strings.Compare(a.id, b.id)
}

func (e *Engine) ruleIndex(name string) int {
	for _, r := range e.rules {
		if r.Name == name {
			return r.idx
		}
	}
	return len(e.rules)
}

// scan handles the deadlines of r's instances that are due at now, in a
// fixed order (rule, id) so that history does not depend on map order, and
// recomputes r.next.
func (e *Engine) scan(r *rule, now int64, out []Notification) []Notification {
	r.next = never
	var due []*instance
	for _, in := range r.inst {
		d := e.deadline(in)
		if d <= now {
			due = append(due, in)
		} else {
			r.wake(d)
		}
	}
	slices.SortFunc(due, byRuleAndID)
	forMs := r.For.Milliseconds()
	for _, in := range due {
		switch {
		case in.state == Pending && now >= in.activeAt+forMs:
			e.transition(in, Firing, now)
		case r.Kind == Absence && in.state != Firing && now >= in.lastSeen+forMs:
			in.value = windows.Int(now - in.lastSeen)
			e.transition(in, Firing, now)
		case in.state == Resolved && now >= in.resolvedAt+r.KeepResolved.Milliseconds():
			if _, held := e.dirty[in]; held {
				break
			}
			if r.Kind == Threshold {
				e.drop(in)
				continue
			}
			in.state = Inactive // still tracked: last row, previous value
		case in.state == Firing && e.renotifyDue(in, now):
			if !e.silenced(in, now) {
				out = e.renotify(in, now, out)
			}
		}
		if d := e.deadline(in); d <= now {
			r.wake(now + 1) // silenced renotify, held expiry: look again next tick
		} else {
			r.wake(d)
		}
	}
	return out
}

// deadline is the next time Tick must look at in; never if none.
func (e *Engine) deadline(in *instance) int64 {
	r := in.r
	d := int64(never)
	switch in.state {
	case Pending:
		d = in.activeAt + r.For.Milliseconds()
	case Firing:
		if r.Renotify > 0 && in.ackBy == "" && in.notified == Firing && in.notifiedEpisode == in.firedAt {
			d = in.notifiedAt + r.Renotify.Milliseconds()
		}
	case Resolved:
		d = in.resolvedAt + r.KeepResolved.Milliseconds()
	}
	if r.Kind == Absence && in.state != Firing {
		d = min(d, in.lastSeen+r.For.Milliseconds())
	}
	return d
}

func (e *Engine) renotifyDue(in *instance, now int64) bool {
	r := in.r
	return r.Renotify > 0 && in.ackBy == "" && in.notified == Firing && in.notifiedEpisode == in.firedAt &&
		now >= in.notifiedAt+r.Renotify.Milliseconds()
}
