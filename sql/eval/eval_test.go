package eval

import (
	"testing"

	"github.com/eddy-iot/eddy/sql"
	"github.com/eddy-iot/eddy/windows"
)

func TestArithmetic(t *testing.T) {
	f := func(expr, want string) { t.Helper(); check(t, expr, want, nil) }
	fe := func(expr string, err error) { t.Helper(); check(t, expr, "", err) }
	f("i + j", "i:9")
	f("i - j", "i:5")
	f("i * j", "i:14")
	f("i / j", "i:3")
	f("-i / j", "i:-3")
	f("i % j", "i:1")
	f("-i % j", "i:-1")
	f("i / f", "f:2.8")
	f("f * 2", "f:5")
	f("i + n", "NULL")
	f("n * 0", "NULL")
	f("-f", "f:-2.5")
	f("-i", "i:-7")
	f("f % 2", "f:0.5")
	f("mod(i, 4)", "i:3")
	f("ts + INTERVAL '1' SECOND", "i:1714564801123")
	f("ts - INTERVAL '1' MINUTE", "i:1714564740123")
	f("ts - ts", "i:0")
	f("1e308 * 10", "f:+Inf")
	fe("i / 0", ErrDivisionByZero)
	fe("f / 0", ErrDivisionByZero)
	fe("i % 0", ErrDivisionByZero)
	fe("9223372036854775807 + i", ErrOutOfRange)
	fe("(-9223372036854775807 - 1) * -1", ErrOutOfRange)
	fe("4611686018427387904 * 2", ErrOutOfRange)
	f("4611686018427387903 * 2", "i:9223372036854775806")
	// JSON operands are numbers at run time.
	f("p.n + 1", "f:13")
	f("p.f * 2", "f:3")
	f("p.q + 1", "f:13")
	fe("p.s + 1", ErrCast)
	f("p.missing + 1", "NULL")
}

func TestComparison(t *testing.T) {
	f := func(expr, want string) { t.Helper(); check(t, expr, want, nil) }
	f("i > j", "b:true")
	f("i < j", "b:false")
	f("i = 7", "b:true")
	f("i <> 7", "b:false")
	f("i >= 7.0", "b:true")
	f("f <= 2.5", "b:true")
	f("i = 7.5", "b:false")
	f("9007199254740993 > 9007199254740992.0", "b:true")
	f("n = n", "NULL")
	f("n < 1", "NULL")
	f("s = 'Hello'", "b:true")
	f("s < 'Help'", "b:true")
	f("b = TRUE", "b:true")
	f("ts > '2024-05-01 00:00:00'", "b:true")
	f("ts = TIMESTAMP '2024-05-01 12:00:00.123'", "b:true")
	f("p.n = 12", "b:true")
	f("p.n > 11.5", "b:true")
	f("p.f < 2", "b:true")
	f("p.s = 'on'", "b:true")
	f("p.q = 12", "b:true")
	f("p.t = TRUE", "b:true")
	f("p.missing = 1", "NULL")
	f("p.n = p.n", "b:true")
	f("cast('NaN' AS DOUBLE) = cast('NaN' AS DOUBLE)", "b:true")
	f("cast('NaN' AS DOUBLE) > 1e308", "b:true")
}

func TestLogic(t *testing.T) {
	f := func(expr, want string) { t.Helper(); check(t, expr, want, nil) }
	// The truth tables of AND, OR, NOT with NULL (nb is a NULL boolean).
	f("b AND b", "b:true")
	f("b AND NOT b", "b:false")
	f("b AND nb", "NULL")
	f("NOT b AND nb", "b:false")
	f("nb AND NOT b", "b:false")
	f("nb AND nb", "NULL")
	f("b OR nb", "b:true")
	f("nb OR b", "b:true")
	f("NOT b OR nb", "NULL")
	f("NOT b OR NOT b", "b:false")
	f("NOT nb", "NULL")
	f("NOT b", "b:false")
	f("nb IS NULL", "b:true")
	f("b IS NOT NULL", "b:true")
	f("nb IS TRUE", "b:false")
	f("nb IS NOT TRUE", "b:true")
	f("nb IS FALSE", "b:false")
	f("nb IS NOT FALSE", "b:true")
	f("b IS TRUE", "b:true")
	f("NOT b IS FALSE", "b:true")
	f("p.t IS TRUE", "b:true")
	f("p.missing IS NULL", "b:true")
	f("p.a IS NOT NULL", "b:true")
	f("p.t AND b", "b:true")
}

func TestInBetween(t *testing.T) {
	f := func(expr, want string) { t.Helper(); check(t, expr, want, nil) }
	f("i IN (1, 7)", "b:true")
	f("i IN (1, 2)", "b:false")
	f("i IN (1, NULL)", "NULL")
	f("i IN (7, NULL)", "b:true")
	f("n IN (1, 2)", "NULL")
	f("i NOT IN (1, 2)", "b:true")
	f("i NOT IN (1, NULL)", "NULL")
	f("i NOT IN (7, NULL)", "b:false")
	f("s IN ('a', 'Hello')", "b:true")
	f("i IN (7.0)", "b:true")
	f("p.n IN (11, 12)", "b:true")
	f("p.s IN ('off', 'on')", "b:true")
	f("i BETWEEN 1 AND 7", "b:true")
	f("i BETWEEN 8 AND 9", "b:false")
	f("i NOT BETWEEN 8 AND 9", "b:true")
	f("i BETWEEN n AND 9", "NULL")
	f("i BETWEEN n AND 6", "b:false")
	f("n BETWEEN 1 AND 2", "NULL")
	f("f BETWEEN 2 AND 3", "b:true")
}

func TestLike(t *testing.T) {
	f := func(expr, want string) { t.Helper(); check(t, expr, want, nil) }
	f("s LIKE 'He%'", "b:true")
	f("s LIKE 'he%'", "b:false")
	f("s ILIKE 'he%'", "b:true")
	f("s LIKE 'H_llo'", "b:true")
	f("s LIKE '%l_'", "b:true")
	f("s LIKE '%'", "b:true")
	f("s LIKE 'Hello_'", "b:false")
	f("s NOT LIKE '%x%'", "b:true")
	f("s NOT ILIKE 'HELLO'", "b:false")
	f("ns LIKE '%'", "NULL")
	f("s LIKE ns", "NULL")
	f(`'50%' LIKE '50\%'`, "b:true")
	f(`'50x' LIKE '50\%'`, "b:false")
	f(`'a_b' LIKE 'a\_b'`, "b:true")
	f(`'ÄÖ' ILIKE 'äö'`, "b:true")
	f(`'日本' LIKE '__'`, "b:true")
	f("p.s LIKE 'o%'", "b:true")
	f("s LIKE s", "b:true")
	check(t, `s LIKE 'a\'`, "", ErrArgument)
	check(t, `s LIKE concat('a', '\')`, "", ErrArgument)
}

func TestCase(t *testing.T) {
	f := func(expr, want string) { t.Helper(); check(t, expr, want, nil) }
	f("CASE WHEN i > 5 THEN 'big' ELSE 'small' END", "s:big")
	f("CASE WHEN i > 50 THEN 'big' END", "NULL")
	f("CASE WHEN nb THEN 1 WHEN b THEN 2 END", "i:2")
	f("CASE i WHEN 1 THEN 'one' WHEN 7 THEN 'seven' END", "s:seven")
	f("CASE WHEN b THEN 1 ELSE 2.5 END", "f:1")
	f("CASE WHEN p.t THEN p.n ELSE 0 END", "i:12")
}

func TestCast(t *testing.T) {
	f := func(expr, want string) { t.Helper(); check(t, expr, want, nil) }
	fe := func(expr string, err error) { t.Helper(); check(t, expr, "", err) }
	f("CAST(i AS DOUBLE)", "f:7")
	f("CAST(f AS BIGINT)", "i:3") // half away from zero
	f("CAST(-f AS BIGINT)", "i:-3")
	f("CAST(i AS VARCHAR)", "s:7")
	f("CAST(f AS VARCHAR)", "s:2.5")
	f("CAST(1e20 AS VARCHAR)", "s:1e+20")
	f("CAST(1000000.0 AS VARCHAR)", "s:1000000")
	f("CAST(b AS VARCHAR)", "s:true")
	f("CAST(b AS BIGINT)", "i:1")
	f("CAST(i AS BOOLEAN)", "b:true")
	f("CAST(ts AS VARCHAR)", "s:2024-05-01 12:00:00.123")
	f("CAST(ts AS BIGINT)", "i:1714564800123")
	f("CAST(n AS VARCHAR)", "NULL")
	f("CAST(' 42 ' AS BIGINT)", "i:42")
	f("CAST('2.5e1' AS DOUBLE)", "f:25")
	f("CAST('Infinity' AS DOUBLE)", "f:+Inf")
	f("CAST('yes' AS BOOLEAN)", "b:true")
	f("CAST('f' AS BOOLEAN)", "b:false")
	f("CAST('off' AS BOOLEAN)", "b:false")
	f("CAST('2024-05-01T12:00:00.5Z' AS TIMESTAMP)", "i:1714564800500")
	f("CAST('2024-05-01T14:00:00+02:00' AS TIMESTAMP)", "i:1714564800000")
	f("CAST('2024-05-01 12:00:00' AS TIMESTAMP)", "i:1714564800000")
	f("CAST('2024-05-01 12:00:00.123' AS TIMESTAMP)", "i:1714564800123")
	f("CAST('2024-05-01' AS TIMESTAMP)", "i:1714521600000")
	f("CAST('{\"a\": [1, 2]}' AS JSONB)", `s:{"a":[1,2]}`)
	f("CAST(i AS JSONB)", "s:7")
	f("CAST(p.n AS BIGINT)", "i:12")
	f("CAST(p.f AS BIGINT)", "i:2")
	f("CAST(p.s AS VARCHAR)", "s:on")
	f("CAST(p.q AS BIGINT)", "i:12")
	f("CAST(p.t AS BOOLEAN)", "b:true")
	f("CAST(p.a AS VARCHAR)", `s:{"b":[1,2.5,"x",null,true]}`)
	f("CAST(p.n AS DOUBLE)", "f:12")
	f("CAST(INTERVAL '90' SECOND AS VARCHAR)", "s:00:01:30")
	fe("CAST(s AS BIGINT)", ErrCast)
	fe("CAST('2.5' AS BIGINT)", ErrCast)
	fe("CAST('99999999999999999999' AS BIGINT)", ErrOutOfRange)
	fe("CAST(s AS DOUBLE)", ErrCast)
	fe("CAST('0x10' AS DOUBLE)", ErrCast)
	fe("CAST(s AS BOOLEAN)", ErrCast)
	fe("CAST(s AS TIMESTAMP)", ErrCast)
	fe("CAST(s AS JSONB)", ErrCast)
	fe("CAST(1e300 AS BIGINT)", ErrOutOfRange)
	fe("CAST(p.s AS BIGINT)", ErrCast)
}

// TestCastInterval: INTERVAL is not a declarable type, so text to
// interval is reached only from bound expressions built by hand.
func TestCastInterval(t *testing.T) {
	f := func(in string, want int64, ok bool) {
		t.Helper()
		env := &Env{}
		v := castValue(env, windows.String(in), sql.TypeString, sql.TypeInterval)
		if ok != (env.Err == nil) || ok && v.I != want {
			t.Errorf("%q: %s, %v", in, show(v), env.Err)
		}
	}
	f("90s", 90000, true)
	f("1h30m", 5400000, true)
	f("5 minutes", 300000, true)
	f("1.5 seconds", 1500, true)
	f("01:00:01.5", 3601500, true)
	f("-00:00:01", -1000, true)
	f("5 fortnights", 0, false)
	f("abc", 0, false)
	f("00:61:00", 0, false)
}

func TestFunctions(t *testing.T) {
	f := func(expr, want string) { t.Helper(); check(t, expr, want, nil) }
	fe := func(expr string, err error) { t.Helper(); check(t, expr, "", err) }
	f("coalesce(n, i)", "i:7")
	f("coalesce(n, n)", "NULL")
	f("coalesce(n, f)", "f:2.5")
	f("nullif(i, 7)", "NULL")
	f("nullif(i, 8)", "i:7")
	f("nullif(n, 8)", "NULL")
	f("greatest(1, i, 3)", "i:7")
	f("greatest(n, 1)", "i:1")
	f("greatest(n, n)", "NULL")
	f("least(f, i)", "f:2.5")
	f("least(s, 'A')", "s:A")
	f("abs(-i)", "i:7")
	f("abs(-f)", "f:2.5")
	f("abs(n)", "NULL")
	f("sign(-i)", "i:-1")
	f("sign(f)", "f:1")
	f("floor(f)", "f:2")
	f("floor(-f)", "f:-3")
	f("ceil(f)", "f:3")
	f("trunc(-f)", "f:-2")
	f("round(f)", "f:3")
	f("round(-f)", "f:-3")
	f("round(3.14159, 2)", "f:3.14")
	f("round(1250, -2)", "i:1300")
	f("round(-1250, -2)", "i:-1300")
	f("round(1249, -2)", "i:1200")
	f("round(i)", "i:7")
	f("sqrt(16)", "f:4")
	f("sqrt(-1) IS NULL", "b:false")
	f("exp(0)", "f:1")
	f("ln(1)", "f:0")
	f("log10(1000)", "f:3")
	f("power(2, 10)", "f:1024")
	f("power(n, 2)", "NULL")
	f("mod(-7, 3)", "i:-1")
	f("mod(7.5, 2)", "f:1.5")
	fe("mod(i, 0)", ErrDivisionByZero)
	f("abs(p.n)", "f:12")

	f("lower(s)", "s:hello")
	f("upper(s)", "s:HELLO")
	f("trim('  a b  ')", "s:a b")
	f("ltrim('  a ')", "s:a ")
	f("rtrim('  a ')", "s:  a")
	f("length(s)", "i:5")
	f("length('日本')", "i:2")
	f("length(ns)", "NULL")
	f("substring(s, 2)", "s:ello")
	f("substring(s, 2, 3)", "s:ell")
	f("substring(s, 0, 3)", "s:He")
	f("substring(s, -5, 3)", "s:")
	f("substring(s, 10)", "s:")
	f("substring('日本語', 2, 1)", "s:本")
	fe("substring(s, 1, -1)", ErrArgument)
	f("replace(s, 'l', 'L')", "s:HeLLo")
	f("replace(s, '', 'x')", "s:Hello")
	f("starts_with(s, 'He')", "b:true")
	f("starts_with(s, 'he')", "b:false")
	f("concat(s, n, '!', i)", "s:Hello!7")
	f("concat(n)", "s:")
	f("concat_ws('-', s, n, i, b)", "s:Hello-7-true")
	f("concat_ws(ns, s)", "NULL")
	f("s || '!'", "s:Hello!")
	f("s || ns", "NULL")
	f("s || i", "s:Hello7")

	f("to_timestamp(1714564800)", "i:1714564800000")
	f("to_timestamp(1714564800.5)", "i:1714564800500")
	f("to_timestamp('2024-05-01 12:00:00')", "i:1714564800000")
	f("to_timestamp('01/05/2024 12:00', 'DD/MM/YYYY HH24:MI')", "i:1714564800000")
	f("to_timestamp('2024-05-01 12:00:00.250', 'yyyy-MM-dd HH:mm:ss.SSS')", "i:1714564800250")
	f("to_timestamp_ltz(1714564800123, 3)", "i:1714564800123")
	f("to_timestamp_ltz(1714564800, 0)", "i:1714564800000")
	f("date_trunc('minute', ts)", "i:1714564800000")
	f("date_trunc('hour', ts + INTERVAL '59' MINUTE)", "i:1714564800000")
	f("date_trunc('day', ts)", "i:1714521600000")
	f("date_trunc('week', ts)", "i:1714348800000") // Monday 2024-04-29
	f("date_trunc('second', TIMESTAMP '1969-12-31 23:59:59.5')", "i:-1000")
	f("extract(HOUR FROM ts)", "f:12")
	f("extract(SECOND FROM ts)", "f:0.123")
	f("extract(MILLISECOND FROM ts)", "f:123")
	f("extract(EPOCH FROM ts)", "f:1.714564800123e+09")
	f("extract(DOW FROM ts)", "f:3")
	f("extract(DOY FROM ts)", "f:122")
	f("extract(WEEK FROM ts)", "f:18")
	f("extract(MONTH FROM ts)", "f:5")
	f("extract(QUARTER FROM ts)", "f:2")
	f("extract(YEAR FROM ts)", "f:2024")
	f("extract(DAY FROM ts)", "f:1")
	f("date_part('minute', ts)", "f:0")
}

func TestJSONGet(t *testing.T) {
	f := func(expr, want string) { t.Helper(); check(t, expr, want, nil) }
	f("p->'n'", "s:12")
	f("p->>'n'", "s:12")
	f("p->'s'", `s:"on"`)
	f("p->>'s'", "s:on")
	f("p.a", `s:{"b":[1,2.5,"x",null,true]}`)
	f("p.a.b", `s:[1,2.5,"x",null,true]`)
	f("p.a.b->1", "s:2.5")
	f("p.a.b->>2", "s:x")
	f("p.a.b->-1", "s:true")
	f("p.a.b->3", "NULL")
	f("p.a.b->9", "NULL")
	f("p.a->0", "NULL")
	f("p.a.b->'x'", "NULL")
	f("p.n.x", "NULL")
	f("p.missing.x", "NULL")
	f("p->>'a'", `s:{"b":[1,2.5,"x",null,true]}`)
}

// TestJSONMalformed: malformed documents give NULL, not a panic.
func TestJSONMalformed(t *testing.T) {
	x, err := Compile(bindExpr(t, "p.a.b->>0"))
	if err != nil {
		t.Fatal(err)
	}
	for _, doc := range []string{"", "{", `{"a":`, `{"a":{"b":[1,}}`, "nul", "[", `"unterminated`, "\x00\xff", `{"a":{"b":"x"}}`} {
		row := testRow()
		row[7] = windows.String(doc)
		env := &Env{Row: row}
		if v := x.Eval(env); !v.IsNull() || env.Err != nil {
			t.Errorf("doc %q: %s, %v", doc, show(v), env.Err)
		}
	}
}

func TestBool(t *testing.T) {
	f := func(expr string, want bool) {
		t.Helper()
		x, err := Compile(bindExpr(t, expr))
		if err != nil {
			t.Fatal(err)
		}
		if got := x.Bool(&Env{Row: testRow()}); got != want {
			t.Errorf("%s: Bool %v, want %v", expr, got, want)
		}
	}
	f("i > 1", true)
	f("i < 1", false)
	f("n > 1", false)
	f("nb", false)
	f("p.t", true)
	f("p.s", false)
}

func TestWindowGroupAggRefs(t *testing.T) {
	env := &Env{Keys: []windows.Value{windows.String("d1")}, Aggs: []windows.Value{windows.Int(3), windows.Float(1.5)},
		WindowStart: 1000, WindowEnd: 2000}
	expr := &sql.OpExpr{Op: sql.OpAdd, T: sql.TypeFloat, Args: []sql.BoundExpr{
		&sql.AggRef{Index: 0, T: sql.TypeInt}, &sql.AggRef{Index: 1, T: sql.TypeFloat}}}
	x, err := Compile(expr)
	if err != nil {
		t.Fatal(err)
	}
	if got := show(x.Eval(env)); got != "f:4.5" {
		t.Errorf("agg sum: %s", got)
	}
	for e, want := range map[sql.BoundExpr]string{
		&sql.GroupRef{Index: 0, T: sql.TypeString}:            "s:d1",
		&sql.GroupRef{Index: 5, T: sql.TypeString}:            "NULL",
		&sql.AggRef{Index: -1, T: sql.TypeInt}:                "NULL",
		&sql.WindowRef{}:                                      "i:1000",
		&sql.WindowRef{End: true}:                             "i:2000",
		&sql.ColumnRef{Index: 3, T: sql.TypeInt}:              "NULL",
		&sql.FuncExpr{Name: "proctime", T: sql.TypeTimestamp}: "i:0",
	} {
		x, err := Compile(e)
		if err != nil {
			t.Fatal(err)
		}
		if got := show(x.Eval(env)); got != want {
			t.Errorf("%s: %s, want %s", e, got, want)
		}
	}
}

func TestCompileUnsupported(t *testing.T) {
	for _, e := range []sql.BoundExpr{
		&sql.FuncExpr{Name: "no_such_function", T: sql.TypeInt},
		&sql.OpExpr{Op: 200, T: sql.TypeInt},
		&sql.OpExpr{Op: sql.OpAdd, Args: []sql.BoundExpr{&sql.Const{T: sql.TypeNull}}, T: sql.TypeInt},
		nil,
	} {
		if _, err := Compile(e); err == nil {
			t.Errorf("%v: no error", e)
		}
	}
}

func TestConstantFolding(t *testing.T) {
	x, err := Compile(bindExpr(t, "1 + 2 * 3"))
	if err != nil {
		t.Fatal(err)
	}
	if !x.n.konst || show(x.n.v) != "i:7" {
		t.Errorf("not folded: %+v", x.n)
	}
	// A failing constant is not folded: it fails at run time, with its row.
	x, _ = Compile(bindExpr(t, "1 / 0"))
	env := &Env{}
	x.Eval(env)
	if env.Err == nil {
		t.Error("1/0 did not fail")
	}
}
