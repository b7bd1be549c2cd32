package compile

import (
	"fmt"

	"github.com/eddy-iot/eddy/sql/eval"
	"github.com/eddy-iot/eddy/windows"
)

// Record fills rec from the input row in env.Row: it evaluates WHERE (false
// or NULL: ok false, skip the row), the group keys into rec.Key (encoded
// with windows.AppendKey, reusing its capacity), one input per aggregate
// into rec.Values (reused), and rec.Time from TimeColumn (env.Now for
// processing time and unbounded views). rec.Partition is the caller's.
//
// An aggregate whose FILTER is not true gets a NULL input, which every
// aggregate skips; count(*) FILTER is planned as count(x) with x 1 or NULL
// (count(*) would count the NULL). count(*) gets a NULL input, which it
// counts.
//
// err (wrapping ErrRow) is a runtime evaluation error, a non-finite float
// aggregate input (the engine does not take NaN or ±Inf), or an event
// time that is NULL: the caller dead-letters the row with the message.
//
// Record allocates nothing in steady state for numeric keys and inputs.
func (v *View) Record(env *eval.Env, rec *windows.Record) (ok bool, err error) {
	env.Err = nil
	if v.where != nil && !v.where.Bool(env) {
		if env.Err != nil {
			return false, v.rowErr("WHERE", env.Err)
		}
		return false, nil
	}
	rec.Key = rec.Key[:0]
	for i, k := range v.keys {
		kv := k.Eval(env)
		if kv.Kind == windows.KindFloat && kv.F == 0 {
			kv.F = 0 // -0 and 0 are one group
		}
		rec.Key = windows.AppendKey(rec.Key, kv)
		if env.Err != nil {
			return false, v.rowErr(fmt.Sprintf("GROUP BY key %d", i+1), env.Err)
		}
	}
	rec.Values = rec.Values[:0]
	for i := range v.aggs {
		a := &v.aggs[i]
		var in windows.Value // NULL: skipped, except by count(*)
		switch {
		case a.filter != nil && !a.filter.Bool(env):
		case a.one:
			in = windows.Int(1)
		case a.arg != nil:
			in = a.arg.Eval(env)
			if in.Kind == windows.KindFloat && !in.Finite() {
				return false, fmt.Errorf("%w: %s: the input of %s is %v; aggregates take finite numbers only", ErrRow, v.Bound.Name, v.aggName(i), in.F)
			}
		}
		if env.Err != nil {
			return false, v.rowErr(v.aggName(i), env.Err)
		}
		rec.Values = append(rec.Values, in)
	}
	switch {
	case v.TimeColumn >= 0:
		if v.TimeColumn >= len(env.Row) || env.Row[v.TimeColumn].Kind != windows.KindInt {
			return false, fmt.Errorf("%w: %s: the event time %s is NULL or not a timestamp", ErrRow, v.Bound.Name, v.Bound.Window.TimeColumnName)
		}
		rec.Time = env.Row[v.TimeColumn].I
	default:
		rec.Time = env.Now
	}
	return true, nil
}

func (v *View) aggName(i int) string {
	if i < v.nUser {
		return v.Bound.Aggregates[i].String()
	}
	return "count(*)"
}

func (v *View) rowErr(where string, err error) error {
	return fmt.Errorf("%w: %s: %s: %w", ErrRow, v.Bound.Name, where, err)
}

// Output computes the output row of one emitted result into dst (reused):
// it decodes the group keys into env.Keys, takes each state's Result into
// env.Aggs, sets the window bounds, evaluates HAVING (false or NULL: keep
// false) and the output columns. env.Row is not read. err wraps ErrRow.
func (v *View) Output(env *eval.Env, r *windows.Result, dst []windows.Value) (out []windows.Value, keep bool, err error) {
	env.Err = nil
	env.Keys, err = windows.DecodeKey(env.Keys[:0], []byte(r.Key))
	if err != nil {
		return dst[:0], false, fmt.Errorf("%w: %s: %w", ErrRow, v.Bound.Name, err)
	}
	env.Aggs = env.Aggs[:0]
	for i, s := range r.States {
		if i >= v.nUser {
			break
		}
		env.Aggs = append(env.Aggs, s.Result())
	}
	env.WindowStart, env.WindowEnd = r.Window.Start, r.Window.End
	if v.having != nil && !v.having.Bool(env) {
		if env.Err != nil {
			return dst[:0], false, v.rowErr("HAVING", env.Err)
		}
		return dst[:0], false, nil
	}
	return v.project(env, dst)
}

// Project is the path of a non-aggregating view: WHERE (false or NULL:
// keep false), then the output columns over env.Row into dst (reused).
func (v *View) Project(env *eval.Env, dst []windows.Value) (out []windows.Value, keep bool, err error) {
	env.Err = nil
	if v.where != nil && !v.where.Bool(env) {
		if env.Err != nil {
			return dst[:0], false, v.rowErr("WHERE", env.Err)
		}
		return dst[:0], false, nil
	}
	return v.project(env, dst)
}

func (v *View) project(env *eval.Env, dst []windows.Value) ([]windows.Value, bool, error) {
	dst = dst[:0]
	for i, x := range v.outputs {
		dst = append(dst, x.Eval(env))
		if env.Err != nil {
			return dst, false, v.rowErr("column "+v.Bound.Output[i].Name, env.Err)
		}
	}
	return dst, true, nil
}
