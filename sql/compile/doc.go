// Package compile turns a bound view (sql.BoundView) into what the runtime
// executes: the windows.Spec of an aggregating view with the compiled
// expressions that feed it (Record) and read its results (Output), or the
// filter and projection of a non-aggregating view (Project).
//
// # Contract
//
// Compile is called once per view; the View it returns is immutable and
// may be shared. The runner owns the windows.Operator, the eval.Env and the
// windows.Record, reuses them from row to row, and sets Env.Row (and
// Env.Now, the processing time) before each call. A typical loop:
//
//	ok, err := v.Record(env, &rec)   // err: dead-letter the row
//	if ok { rec.Partition = device; op.Process(&rec) }
//	...
//	// in Output.Result:
//	row, keep, err := v.Output(env, r, row[:0])
//
// Errors wrap ErrPlan (Compile: the binder and the engine disagree) or
// ErrRow (a row that cannot be processed; the message says which
// expression and why).
//
// # Planning
//
//   - Window: TUMBLE → windows.Tumbling{Size, Offset}, HOP → Hopping{Size,
//     Slide, Offset}, SESSION → Session{Gap, MaxDuration from
//     session_max_duration}, no window → Unbounded (an updating GROUP BY,
//     without watermarks, lateness or idle timeout).
//   - Time: a PROCTIME() time column gives windows.ProcessingTime and
//     TimeColumn -1; otherwise TimeColumn is the window's time column and a
//     NULL event time is a row error.
//   - Options, in ms: allowed_lateness, out_of_orderness (or the source's
//     WATERMARK delay, as the binder resolved it), idle_timeout,
//     emit_interval (Spec.EmitEvery).
//   - Aggregates: AggCall.Func is the windows.NewAggregate name; Star,
//     Quantiles and RelativeAccuracy map to AggArgs; count(DISTINCT x) is
//     count_distinct, a HyperLogLog++ estimate (exact for small sets, about
//     1.6% error beyond): the engine has no exact distinct count whose
//     state stays small and mergeable.
//   - FILTER (WHERE c): the aggregate's input is NULL when c is not true,
//     and every aggregate skips NULL. count(*) counts NULL inputs, so
//     count(*) FILTER (WHERE c) is planned as count(x) with x = 1 when c
//     holds and NULL otherwise: the same result, and the same mergeable
//     state as any count.
//   - GROUP BY without aggregates (distinct keys) gets a hidden count(*),
//     after the view's aggregates; Output does not expose it.
//
// # Caveats
//
//   - Aggregate inputs must be finite: a NaN or ±Inf float (sqrt(-1),
//     a division result overflowing) is a row error, because the engine's
//     states reject non-finite numbers.
//   - Output decodes string keys with one allocation each
//     (windows.DecodeKey); Record allocates nothing in steady state for
//     numeric and string keys and numeric inputs.
package compile
