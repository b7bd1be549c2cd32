// Package eval evaluates bound SQL expressions (sql.BoundExpr) over rows of
// windows.Value: the WHERE, GROUP BY keys, aggregate arguments and FILTERs
// of a view over its input row, and the HAVING and output columns over a
// group's keys, aggregate results and window bounds.
//
// # Contract
//
// Compile turns a bound expression into an Expr, a tree of closures built
// once per view; constant subexpressions are folded. Compile fails only for
// an expression it does not know (ErrUnsupported). Eval and Bool read an
// Env that the caller owns and reuses: Row, Keys, Aggs, the window bounds
// and Now. An Expr is immutable and may be shared by goroutines that each
// have their own Env.
//
// Runtime errors (a string that is not a number in a CAST, a division by
// zero, an integer overflow) do not stop evaluation: the failing
// subexpression is NULL and the first error is kept in Env.Err. The caller
// resets Err before a row and dead-letters the row when it is set after.
// Eval never panics, whatever the row holds (FuzzEval).
//
// # Values
//
// Values have the kind of their static type (sql.Type.Kind): TIMESTAMP and
// INTERVAL are int milliseconds (UTC), BOOLEAN is KindBool with I 0/1,
// JSONB is compact JSON text in a KindString. A JSONB value meeting a typed
// operator is decoded at run time: a JSON number is a number, a JSON
// string a string (compared as text, or converted to the other operand's
// type: payload->'ts' > TIMESTAMP '...' parses it), true/false a boolean,
// null is NULL.
//
// # Semantics
//
// PostgreSQL's, with the exceptions listed here: three-valued AND, OR and
// NOT; NULL propagation through operators and functions (except IS,
// coalesce, concat, concat_ws, greatest and least, which skip NULLs);
// integer division and modulo for integers; x IN (..., NULL) and NOT IN as
// PostgreSQL; LIKE and ILIKE with %, _ and the \ escape; CASE; CAST
// between all types (see cast.go for the table).
//
// Exceptions, each for a reason written where it is implemented:
//   - Float results may be NaN or ±Inf (sqrt(-1), exp(1000), 1e308*10)
//     where PostgreSQL raises an error. They are returned as they are; the
//     windows operator does not take them as aggregate inputs, so package
//     compile rejects such a row (dead letter) when it feeds an aggregate.
//     Division by zero is an error for floats too, as in PostgreSQL.
//   - round(x, n) rounds half away from zero for DOUBLE as well (PostgreSQL
//     does so for NUMERIC, which DOUBLE stands for here).
//   - CAST(jsonb AS VARCHAR) of a JSON string is its text without quotes.
//   - Strings compare bytewise (the C collation); lower/upper use Unicode.
//   - Time is UTC; there is no session time zone.
//
// # Performance
//
// Arithmetic, comparisons, IN, BETWEEN, logic and numeric functions over
// numbers allocate nothing (BenchmarkEvalArithmeticCompare,
// TestArithmeticCompareAllocs). Functions that build strings, and JSON
// field access (fastjson, one parse per chain such as payload.a.b),
// allocate their result.
package eval
