package sql

// Select is the query of a view or sink:
//
//	SELECT items FROM from [WHERE e] [GROUP BY e, ...] [HAVING e] [EMIT ON WINDOW CLOSE]
type Select struct {
	At      Pos
	Items   []*SelectItem
	From    *From
	Where   Expr
	GroupBy []Expr
	Having  Expr
	// EmitOnWindowClose is RisingWave's EMIT ON WINDOW CLOSE: only final
	// results of closed windows.
	EmitOnWindowClose bool
}

// SelectItem is expr [AS alias], * or qualifier.*.
type SelectItem struct {
	Star      bool
	Qualifier *Ident // for qualifier.*
	StarPos   Pos
	Expr      Expr
	Alias     *Ident
}

// WindowKind is the window function of a FROM clause.
type WindowKind uint8

const (
	// NoWindow: FROM relation; with GROUP BY a continuously updated view.
	NoWindow WindowKind = iota
	// Tumble: fixed, non-overlapping windows of Size.
	Tumble
	// Hop: windows of Size starting every Slide.
	Hop
	// Session: windows that close after Gap without events, per key.
	Session
)

func (k WindowKind) String() string {
	switch k {
	case Tumble:
		return "TUMBLE"
	case Hop:
		return "HOP"
	case Session:
		return "SESSION"
	}
	return "NONE"
}

// From is the one relation a query reads, optionally through a window
// function:
//
//	FROM src [AS a]
//	FROM TUMBLE(src, ts, size [, offset]) [AS a]
//	FROM HOP(src, ts, slide, size [, offset]) [AS a]
//	FROM SESSION(src, ts, gap) [AS a]
//	FROM TABLE(TUMBLE(TABLE src, DESCRIPTOR(ts), size)) [AS a]        -- Flink
//	FROM TABLE(SESSION(TABLE src PARTITION BY k, DESCRIPTOR(ts), gap)) -- Flink
type From struct {
	At       Pos
	Window   WindowKind
	Relation Ident
	TimeCol  *Ident // the window's time column; nil without a window
	// Args are the interval arguments after the time column, in the
	// order written: TUMBLE size [offset]; HOP slide, size [offset];
	// SESSION gap.
	Args []Expr
	// PartitionBy is Flink's SESSION(TABLE t PARTITION BY k, ...).
	PartitionBy []Ident
	// TVF is true for Flink's TABLE(fn(TABLE src, DESCRIPTOR(ts), ...)).
	TVF   bool
	Alias *Ident
}
