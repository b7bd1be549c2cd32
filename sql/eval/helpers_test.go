package eval

import (
	"errors"
	"strconv"
	"testing"

	"github.com/eddy-iot/eddy/sql"
	"github.com/eddy-iot/eddy/windows"
)

const testSource = `CREATE SOURCE s (i BIGINT, j BIGINT, n BIGINT, f DOUBLE, s VARCHAR, b BOOLEAN, ts TIMESTAMP, p JSONB, nb BOOLEAN, ns VARCHAR, nf DOUBLE)
WITH (connector = 'mqtt', topic = 'x/y') FORMAT PLAIN ENCODE JSON;`

// testRow: i=7 j=2 n=NULL f=2.5 s='Hello' b=true ts=2024-05-01 12:00:00.123
// p={"a":{"b":[1,2.5,"x",null,true]},"n":12,"s":"on","q":"12","f":1.5,"t":true}
func testRow() []windows.Value {
	return []windows.Value{
		windows.Int(7), windows.Int(2), windows.Null, windows.Float(2.5), windows.String("Hello"),
		windows.Bool(true), windows.Int(1714564800123),
		windows.String(`{"a":{"b":[1,2.5,"x",null,true]},"n":12,"s":"on","q":"12","f":1.5,"t":true}`),
		windows.Null, windows.Null, windows.Null,
	}
}

// bindExpr binds a select expression over testSource.
func bindExpr(t testing.TB, expr string) sql.BoundExpr {
	t.Helper()
	c := sql.NewCatalog()
	if errs := c.Exec("t.sql", testSource+"\nCREATE MATERIALIZED VIEW v AS SELECT "+expr+" AS r FROM s;"); len(errs) > 0 {
		t.Fatalf("bind %s: %v", expr, errs)
	}
	v := c.View("v")
	if v == nil || len(v.Output) != 1 {
		t.Fatalf("bind %s: no view", expr)
	}
	return v.Output[0].Expr
}

func show(v windows.Value) string {
	switch v.Kind {
	case windows.KindNull:
		return "NULL"
	case windows.KindInt:
		return "i:" + strconv.FormatInt(v.I, 10)
	case windows.KindFloat:
		return "f:" + strconv.FormatFloat(v.F, 'g', -1, 64)
	case windows.KindString:
		return "s:" + v.S
	case windows.KindBool:
		return "b:" + strconv.FormatBool(v.I != 0)
	}
	return "?"
}

// check evaluates expr over testRow and compares with want (show format),
// or with the error sentinel wantErr.
func check(t *testing.T, expr, want string, wantErr error) {
	t.Helper()
	x, err := Compile(bindExpr(t, expr))
	if err != nil {
		t.Fatalf("%s: Compile: %v", expr, err)
	}
	env := &Env{Row: testRow(), Now: 42}
	got := x.Eval(env)
	if wantErr != nil {
		if !errors.Is(env.Err, wantErr) {
			t.Errorf("%s: err %v, want %v (value %s)", expr, env.Err, wantErr, show(got))
		}
		return
	}
	if env.Err != nil {
		t.Errorf("%s: unexpected error %v", expr, env.Err)
	}
	if s := show(got); s != want {
		t.Errorf("%s = %s, want %s", expr, s, want)
	}
}
