package eval

import (
	"fmt"

	"github.com/valyala/fastjson"

	"github.com/eddy-iot/eddy/sql"
	"github.com/eddy-iot/eddy/windows"
)

// x -> key and x ->> key read a field of a JSON object (a string key) or
// an element of an array (an int index; negative counts from the end, as
// PostgreSQL). -> yields the JSON text of the value, ->> its text (a
// string unquoted, a number or boolean as written, an object or array as
// JSON). A missing field, a JSON null, a non-container, and malformed JSON
// all give NULL, never an error: sensors send what they send.
//
// A chain such as payload.a.b (payload -> 'a' -> 'b') is compiled into one
// path lookup, so the document is parsed once per evaluation.

var parsers fastjson.ParserPool

type pathStep struct {
	key   string
	index int
	isKey bool
}

func compileJSONGet(e *sql.JSONGet) (node, error) {
	// Collect the chain from the innermost document outwards.
	var steps []pathStep
	var x sql.BoundExpr = e
	text := e.Text
	for {
		g, ok := x.(*sql.JSONGet)
		if !ok || (g != e && g.Text) {
			break
		}
		c, ok := g.Key.(*sql.Const)
		if !ok {
			return node{}, fmt.Errorf("%w: JSON key %s is not a constant", ErrUnsupported, g.Key.String())
		}
		var st pathStep
		switch c.V.Kind {
		case windows.KindString:
			st = pathStep{key: c.V.S, isKey: true}
		case windows.KindInt:
			if c.V.I > 1<<30 || c.V.I < -(1<<30) {
				st = pathStep{index: 1 << 30}
			} else {
				st = pathStep{index: int(c.V.I)}
			}
		default:
			return constNode(windows.Null, e.Type()), nil
		}
		steps = append([]pathStep{st}, steps...)
		x = g.X
	}
	doc, err := compile(x)
	if err != nil {
		return node{}, err
	}
	df := doc.f
	return node{t: e.Type(), f: func(env *Env) windows.Value {
		d := df(env)
		if d.Kind != windows.KindString {
			return windows.Null
		}
		return jsonPath(d.S, steps, text)
	}}, nil
}

// jsonPath looks up steps in the JSON document s.
func jsonPath(s string, steps []pathStep, text bool) windows.Value {
	p := parsers.Get()
	defer parsers.Put(p)
	v, err := p.Parse(s)
	if err != nil {
		return windows.Null
	}
	for _, st := range steps {
		switch v.Type() {
		case fastjson.TypeObject:
			if !st.isKey {
				return windows.Null
			}
			v = v.Get(st.key)
		case fastjson.TypeArray:
			if st.isKey {
				return windows.Null
			}
			arr, _ := v.Array()
			i := st.index
			if i < 0 {
				i += len(arr)
			}
			if i < 0 || i >= len(arr) {
				return windows.Null
			}
			v = arr[i]
		default:
			return windows.Null
		}
		if v == nil {
			return windows.Null
		}
	}
	switch v.Type() {
	case fastjson.TypeNull:
		return windows.Null
	case fastjson.TypeString:
		if text {
			return windows.String(string(v.GetStringBytes()))
		}
	case fastjson.TypeNumber:
		if text {
			return windows.String(string(v.MarshalTo(nil)))
		}
	}
	return windows.String(string(v.MarshalTo(nil)))
}
