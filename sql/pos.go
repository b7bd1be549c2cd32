package sql

import "strconv"

// Pos is a position in the SQL text. Line and Col are 1-based; Col counts
// characters (runes), not bytes, so it matches what an editor shows. Offset
// is the 0-based byte offset. The zero Pos means "no position".
type Pos struct {
	Line, Col int
	Offset    int
}

// IsValid reports whether p is a real position.
func (p Pos) IsValid() bool { return p.Line > 0 }

// String renders p as "line:col".
func (p Pos) String() string {
	if !p.IsValid() {
		return "-"
	}
	return strconv.Itoa(p.Line) + ":" + strconv.Itoa(p.Col)
}
