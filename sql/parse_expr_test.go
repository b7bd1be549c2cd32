package sql

import "testing"

// fullParens prints e with every operator node in parentheses, to show how
// the parser grouped it.
func fullParens(e Expr) string {
	switch e := e.(type) {
	case *UnaryExpr:
		if e.Op == "NOT" {
			return "(NOT " + fullParens(e.X) + ")"
		}
		return "(" + e.Op + fullParens(e.X) + ")"
	case *BinaryExpr:
		return "(" + fullParens(e.L) + " " + e.Op + " " + fullParens(e.R) + ")"
	case *IsExpr:
		return "(" + fullParens(e.X) + " IS" + not(e.Not) + " " + e.What + ")"
	case *BetweenExpr:
		return "(" + fullParens(e.X) + not(e.Not) + " BETWEEN " + fullParens(e.Lo) + " AND " + fullParens(e.Hi) + ")"
	case *LikeExpr:
		op := " LIKE "
		if e.ILike {
			op = " ILIKE "
		}
		return "(" + fullParens(e.X) + not(e.Not) + op + fullParens(e.Pattern) + ")"
	case *InExpr:
		s := "(" + fullParens(e.X) + not(e.Not) + " IN ("
		for i, x := range e.List {
			if i > 0 {
				s += ", "
			}
			s += fullParens(x)
		}
		return s + "))"
	case *CastExpr:
		return "(" + fullParens(e.X) + "::" + e.Type.String() + ")"
	}
	return e.String()
}

func TestPrecedence(t *testing.T) {
	f := func(src, want string) {
		t.Helper()
		e, err := ParseExpr(src)
		if err != nil {
			t.Fatalf("ParseExpr(%q): %v", src, err)
		}
		if got := fullParens(e); got != want {
			t.Fatalf("ParseExpr(%q)\n got: %s\nwant: %s", src, got, want)
		}
		// The canonical form must group the same way.
		again, err := ParseExpr(e.String())
		if err != nil {
			t.Fatalf("canonical %q does not parse: %v", e.String(), err)
		}
		if got := fullParens(again); got != want {
			t.Fatalf("canonical %q groups as %s, want %s", e.String(), got, want)
		}
	}
	f(`1 + 2 * 3`, `(1 + (2 * 3))`)
	f(`1 * 2 + 3`, `((1 * 2) + 3)`)
	f(`1 - 2 - 3`, `((1 - 2) - 3)`)
	f(`1 - (2 - 3)`, `(1 - (2 - 3))`)
	f(`a / b % c`, `((a / b) % c)`)
	f(`-a * b`, `((-a) * b)`)
	f(`- -a`, `(-(-a))`)
	f(`a - -1`, `(a - (-1))`)
	f(`-a::int`, `(-(a::INT))`)
	f(`(-a)::int`, `((-a)::INT)`)
	f(`a::int::varchar`, `((a::INT)::VARCHAR)`)
	f(`a OR b AND c`, `(a OR (b AND c))`)
	f(`(a OR b) AND c`, `((a OR b) AND c)`)
	f(`NOT a AND b`, `((NOT a) AND b)`)
	f(`NOT a = b`, `(NOT (a = b))`)
	f(`NOT NOT a`, `(NOT (NOT a))`)
	f(`a = b AND c <> d OR e != f`, `(((a = b) AND (c <> d)) OR (e != f))`)
	f(`a + 1 > b * 2`, `((a + 1) > (b * 2))`)
	f(`a IS NULL OR b IS NOT NULL`, `((a IS NULL) OR (b IS NOT NULL))`)
	f(`a = b IS TRUE`, `((a = b) IS TRUE)`)
	f(`NOT a IS NULL`, `(NOT (a IS NULL))`)
	f(`a BETWEEN 1 AND 2 AND b`, `((a BETWEEN 1 AND 2) AND b)`)
	f(`a NOT BETWEEN b + 1 AND c * 2`, `(a NOT BETWEEN (b + 1) AND (c * 2))`)
	f(`a IN (1, 2 + 3) = TRUE`, `((a IN (1, (2 + 3))) = TRUE)`)
	f(`a NOT IN ('x')`, `(a NOT IN ('x'))`)
	f(`a LIKE 'x%' OR a NOT ILIKE b || '%'`, `((a LIKE 'x%') OR (a NOT ILIKE (b || '%')))`)
	f(`payload->'a'->>'b' = 'x'`, `(((payload -> 'a') ->> 'b') = 'x')`)
	f(`a || b || c`, `((a || b) || c)`)
	f(`a + b || c`, `((a + b) || c)`)
	f(`ts - INTERVAL '5' SECOND`, `(ts - INTERVAL '5' SECOND)`)
	f(`(a = b) = c`, `((a = b) = c)`)
	f(`a = (NOT b)`, `(a = (NOT b))`)
	f(`CASE WHEN a > 1 THEN 'x' ELSE 'y' END || 'z'`, `(CASE WHEN a > 1 THEN 'x' ELSE 'y' END || 'z')`)
	f(`CAST(a AS DOUBLE) / 2`, `((a::DOUBLE) / 2)`)
}

func TestParseExprForms(t *testing.T) {
	// f checks the canonical form of an expression.
	f := func(src, want string) {
		t.Helper()
		e, err := ParseExpr(src)
		if err != nil {
			t.Fatalf("ParseExpr(%q): %v", src, err)
		}
		if want == "" {
			want = src
		}
		if got := e.String(); got != want {
			t.Fatalf("ParseExpr(%q)\n got: %s\nwant: %s", src, got, want)
		}
	}
	f(`42`, "")
	f(`4.25e-3`, "")
	f(`1E5`, `1e5`)
	f(`.5`, "")
	f(`'it''s'`, "")
	f(`TRUE`, "")
	f(`false`, `FALSE`)
	f(`null`, `NULL`)
	f(`INTERVAL '5' SECOND`, "")
	f(`interval '1 minute 30 seconds'`, `INTERVAL '1 minute 30 seconds'`)
	f(`TIMESTAMP '2024-01-02 03:04:05'`, "")
	f(`t.a`, "")
	f(`payload.a.b`, "")
	f(`payload.deviceId`, "")
	f(`"Payload"."Key"`, "")
	f("`weird name`", `"weird name"`)
	f(`p.from`, "")
	f(`count(*)`, "")
	f(`count(DISTINCT device)`, "")
	f(`sum(ALL x)`, `sum(x)`)
	f(`approx_percentile(0.99) WITHIN GROUP (ORDER BY latency)`, "")
	f(`percentile_cont(0.95) WITHIN GROUP (ORDER BY x DESC)`, "")
	f(`approx_percentile(x, 0.99)`, "")
	f(`count(*) FILTER (WHERE temp > 30)`, "")
	f(`coalesce(a, b, 0)`, "")
	f(`now()`, "")
	f(`CAST(x AS DECIMAL(10, 2))`, "")
	f(`x::timestamp(3)`, `x::TIMESTAMP(3)`)
	f(`CASE device WHEN 'a' THEN 1 WHEN 'b' THEN 2 END`, "")
	f(`CASE WHEN x IS NULL THEN 0 ELSE x END`, "")
	f(`EXTRACT(HOUR FROM ts)`, `EXTRACT('hour', ts)`)
	f(`extract('hour', ts)`, "")
	f(`a NOT LIKE 'x'`, "")
	f(`x IS NOT FALSE`, "")
	f(`-(-1)`, `- -1`)
	f(`timestamp + 1`, "")
	f(`interval * 2`, "")
	f(`key = value`, "")
}
