package sql

import (
	"strconv"
	"strings"
)

// typeName parses a column or CAST type and normalises it.
func (p *parser) typeName(what string) *TypeName {
	if p.err != nil {
		return nil
	}
	t := p.tok()
	if t.kind != tokWord {
		p.unexpected(what)
		return nil
	}
	w := strings.ToUpper(t.text)
	info, ok := typeWords[w]
	if !ok {
		if hint, known := unsupportedTypes[w]; known {
			p.fail(t.pos, ErrUnsupported, "type "+w+" is not supported: "+hint)
			return nil
		}
		msg := "unknown type " + t.describe() + didYouMean(w, typeWordList())
		if isReserved(w) {
			msg = "unexpected " + t.describe() + ": expected " + what
		}
		p.fail(t.pos, ErrSyntax, msg)
		return nil
	}
	p.advance()
	tn := &TypeName{At: t.pos, Name: w, T: info.t}
	switch w {
	case "DOUBLE":
		if p.accept("PRECISION") {
			tn.Name = "DOUBLE PRECISION"
		}
	case "CHARACTER", "CHAR":
		if p.accept("VARYING") {
			tn.Name = w + " VARYING"
		}
	}
	if p.tok().isOp("(") {
		p.advance()
		for p.err == nil {
			nt := p.tok()
			if nt.kind != tokNumber {
				p.unexpected("a number in " + w + "(...)")
				return nil
			}
			n, err := strconv.Atoi(nt.text)
			if err != nil || n < 0 || n > 1<<20 {
				p.fail(nt.pos, ErrSyntax, "invalid type parameter "+nt.describe()+": expected a small whole number")
				return nil
			}
			p.advance()
			tn.Params = append(tn.Params, n)
			if !p.acceptOp(",") {
				break
			}
		}
		if !p.expectOp(")", "to close the parameters of "+w) {
			return nil
		}
		if len(tn.Params) > info.maxParams {
			p.fail(t.pos, ErrSyntax, "type "+w+" takes at most "+strconv.Itoa(info.maxParams)+" parameter(s), got "+strconv.Itoa(len(tn.Params)))
			return nil
		}
	}
	if p.tok().isOp("[") || p.tok().is("ARRAY") {
		p.unsupported("array types are not supported: use JSONB for nested data")
		return nil
	}
	if w == "TIMESTAMP" {
		switch {
		case p.tok().is("WITH") && p.peek(1).is("TIME"):
			p.advance()
			p.advance()
			if !p.expect("ZONE", "after WITH TIME") {
				return nil
			}
			tn.Zone = "WITH TIME ZONE"
		case p.tok().is("WITH") && p.peek(1).is("LOCAL"):
			p.advance()
			p.advance()
			if !p.expect("TIME", "after WITH LOCAL") || !p.expect("ZONE", "after WITH LOCAL TIME") {
				return nil
			}
			tn.Zone = "WITH LOCAL TIME ZONE"
		case p.tok().is("WITHOUT"):
			p.advance()
			if !p.expect("TIME", "after WITHOUT") || !p.expect("ZONE", "after WITHOUT TIME") {
				return nil
			}
			tn.Zone = "WITHOUT TIME ZONE"
		}
	}
	return tn
}
