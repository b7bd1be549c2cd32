package eval

import (
	"testing"

	"github.com/eddy-iot/eddy/windows"
)

// BenchmarkEvalArithmeticCompare evaluates a WHERE-like condition of
// arithmetic and comparisons over numbers: it must not allocate.
func BenchmarkEvalArithmeticCompare(b *testing.B) {
	x, err := Compile(bindExpr(b, "(i + j) * 2 > f * 3 - 1 AND f / 2 < 10.5 AND i % 3 <> 0 AND ts > ts - INTERVAL '1' MINUTE"))
	if err != nil {
		b.Fatal(err)
	}
	env := &Env{Row: testRow()}
	b.ReportAllocs()
	b.ResetTimer()
	n := 0
	for i := 0; i < b.N; i++ {
		env.Row[0] = windows.Int(int64(i & 1023))
		if x.Bool(env) {
			n++
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "evals/s")
	if env.Err != nil {
		b.Fatal(env.Err)
	}
}

// BenchmarkEvalJSONPath reads a nested field of a JSON document.
func BenchmarkEvalJSONPath(b *testing.B) {
	x, err := Compile(bindExpr(b, "p.a.b->>1"))
	if err != nil {
		b.Fatal(err)
	}
	env := &Env{Row: testRow()}
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		x.Eval(env)
	}
}

func TestArithmeticCompareAllocs(t *testing.T) {
	x, err := Compile(bindExpr(t, "(i + j) * 2 > f * 3 - 1 AND f / 2 < 10.5 AND i IN (1, 2, 7) AND i BETWEEN 0 AND 10 AND abs(f) > 1"))
	if err != nil {
		t.Fatal(err)
	}
	env := &Env{Row: testRow()}
	if a := testing.AllocsPerRun(100, func() { x.Bool(env) }); a != 0 {
		t.Errorf("%v allocations per evaluation", a)
	}
	if !x.Bool(env) {
		t.Error("condition false")
	}
}
