package eval

import (
	"math"
	"testing"

	"github.com/eddy-iot/eddy/sql"
	"github.com/eddy-iot/eddy/windows"
)

// exprGen builds a random bound expression from fuzz bytes. It ignores the
// binder's type rules on purpose (a column's static type need not match
// its value), since Eval must not panic on any input.
type exprGen struct {
	b []byte
	i int
}

func (g *exprGen) byte() byte {
	if g.i >= len(g.b) {
		return 0
	}
	g.i++
	return g.b[g.i-1]
}

var fuzzTypes = []sql.Type{sql.TypeNull, sql.TypeBool, sql.TypeInt, sql.TypeFloat, sql.TypeString, sql.TypeTimestamp, sql.TypeInterval, sql.TypeJSON}

var fuzzStrings = []string{"", "a", "%a_", `\`, "2024-05-01 12:00:00", "12", "1.5", "true", `{"a":[1,{"b":"x"}]}`, `[1,2`, `"s"`, "null", "NaN", "minute", "hour", "week", "epoch", "dow", "yyyy-MM-dd", "日本"}

var fuzzFuncs = func() []string {
	var out []string
	for n := range funcs {
		out = append(out, n)
	}
	// Deterministic order for reproducible inputs.
	for i := 1; i < len(out); i++ {
		for j := i; j > 0 && out[j] < out[j-1]; j-- {
			out[j], out[j-1] = out[j-1], out[j]
		}
	}
	return out
}()

func (g *exprGen) value() windows.Value {
	switch g.byte() % 8 {
	case 0:
		return windows.Null
	case 1:
		return windows.Int(int64(int8(g.byte())))
	case 2:
		return windows.Int([]int64{math.MaxInt64, math.MinInt64, 0, 1 << 40}[g.byte()%4])
	case 3:
		return windows.Float(float64(int8(g.byte())) / 4)
	case 4:
		return windows.Float([]float64{math.NaN(), math.Inf(1), math.Inf(-1), 1e308, -0.0}[g.byte()%5])
	case 5:
		return windows.Bool(g.byte()%2 == 0)
	}
	return windows.String(fuzzStrings[int(g.byte())%len(fuzzStrings)])
}

func (g *exprGen) expr(depth int) sql.BoundExpr {
	t := fuzzTypes[int(g.byte())%len(fuzzTypes)]
	k := g.byte() % 10
	if depth > 4 {
		k %= 2
	}
	switch k {
	case 0:
		v := g.value()
		return &sql.Const{V: v, T: t}
	case 1:
		return &sql.ColumnRef{Index: int(g.byte() % 6), T: t}
	case 2, 3:
		op := sql.Op(1 + g.byte()%uint8(sql.OpNotBetween))
		n := arity[op]
		if n == 0 {
			n = 1 + int(g.byte()%4)
		}
		args := make([]sql.BoundExpr, n)
		for i := range args {
			args[i] = g.expr(depth + 1)
		}
		return &sql.OpExpr{Op: op, Args: args, T: t}
	case 4, 5:
		name := fuzzFuncs[int(g.byte())%len(fuzzFuncs)]
		args := make([]sql.BoundExpr, int(g.byte()%4))
		for i := range args {
			args[i] = g.expr(depth + 1)
		}
		return &sql.FuncExpr{Name: name, Args: args, T: t}
	case 6:
		return &sql.BoundCast{X: g.expr(depth + 1), To: t}
	case 7:
		c := &sql.CaseWhen{T: t}
		for i := 0; i <= int(g.byte()%2); i++ {
			c.Whens = append(c.Whens, sql.BoundWhen{Cond: g.expr(depth + 1), Result: g.expr(depth + 1)})
		}
		if g.byte()%2 == 0 {
			c.Else = g.expr(depth + 1)
		}
		return c
	case 8:
		return &sql.JSONGet{X: g.expr(depth + 1), Key: &sql.Const{V: g.value(), T: sql.TypeString}, Text: g.byte()%2 == 0}
	}
	return &sql.OpExpr{Op: sql.OpIsNull, Args: []sql.BoundExpr{g.expr(depth + 1)}, T: sql.TypeBool}
}

func FuzzEval(f *testing.F) {
	f.Add([]byte{2, 2, 1, 0, 2, 1, 1, 2, 1, 1})
	f.Add([]byte{4, 4, 3, 2, 1, 2, 7, 1, 3, 3, 9, 1, 0, 7, 8})
	f.Add([]byte("the quick brown fox jumps over the lazy dog"))
	f.Add([]byte{8, 8, 0, 7, 6, 1, 3, 7, 0, 7, 8})
	f.Fuzz(func(t *testing.T, data []byte) {
		g := &exprGen{b: data}
		e := g.expr(0)
		x, err := Compile(e)
		if err != nil {
			return // an arity the binder never produces
		}
		row := make([]windows.Value, 6)
		for i := range row {
			row[i] = g.value()
		}
		env := &Env{Row: row, Keys: row[:2], Aggs: row[2:], WindowStart: 1, WindowEnd: 2, Now: 3}
		x.Eval(env)
		x.Bool(env)
	})
}
