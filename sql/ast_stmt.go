package sql

// CreateSource is CREATE SOURCE | STREAM | TABLE name (columns) WITH (...).
type CreateSource struct {
	At          Pos
	Keyword     string // "SOURCE", "STREAM" or "TABLE", as written
	IfNotExists bool
	Name        Ident
	Columns     []*ColumnDef
	Watermark   *Watermark // nil when none
	PrimaryKey  *PrimaryKey
	Includes    []*Include // RisingWave INCLUDE clauses
	Options     []*Option
	Format      *FormatSpec // nil when no FORMAT ... ENCODE ...
}

// ColumnDef is one column of a source.
type ColumnDef struct {
	Name Ident
	// Type is nil for a computed column (name AS expr).
	Type *TypeName
	// Computed is the expression of Flink's "name AS expr".
	Computed Expr
	// Metadata is set for Flink's "name TYPE METADATA [FROM 'key']
	// [VIRTUAL]": the key (the column name when FROM is absent).
	Metadata     string
	MetadataFrom bool // FROM 'key' was written
	Virtual      bool
	NotNull      bool
	PrimaryKey   bool // inline PRIMARY KEY
}

// Watermark is WATERMARK FOR column AS expr.
type Watermark struct {
	At     Pos
	Column Ident
	Expr   Expr
}

// PrimaryKey is [CONSTRAINT name] PRIMARY KEY (columns) [NOT ENFORCED].
type PrimaryKey struct {
	At          Pos
	Constraint  *Ident
	Columns     []Ident
	NotEnforced bool
}

// Include is RisingWave's INCLUDE what ['inner key'] [AS name].
type Include struct {
	At    Pos
	What  Ident  // key, timestamp, partition, offset, topic, header, ...
	Inner string // the header name of INCLUDE header 'name'
	Alias *Ident
}

// Option is one key = value of a WITH list. Keys are dotted words
// (properties.bootstrap.servers) or 'quoted' (Flink).
type Option struct {
	At        Pos
	Key       string // as written, without quotes
	KeyQuoted bool
	// Value is a *Literal (string, number, boolean), an *IntervalLit, or a
	// *Ref for a bare word.
	Value Expr
}

// FormatSpec is RisingWave's FORMAT format ENCODE encode [(options)].
type FormatSpec struct {
	At      Pos
	Format  Ident // PLAIN, UPSERT, ...
	Encode  Ident // JSON, ...
	Options []*Option
}

// CreateView is CREATE MATERIALIZED VIEW name [WITH (...)] AS SELECT.
type CreateView struct {
	At           Pos
	Materialized bool // false for CREATE VIEW, a synonym
	IfNotExists  bool
	Name         Ident
	Options      []*Option
	Query        *Select
}

// CreateSink is CREATE SINK name FROM relation | AS SELECT ... WITH (...),
// or Flink's CREATE TABLE name WITH (...) AS SELECT ... (Keyword "TABLE":
// a view and a sink of the same name).
type CreateSink struct {
	At          Pos
	Keyword     string // "SINK" or "TABLE"
	IfNotExists bool
	Name        Ident
	From        *Ident  // FROM relation, or nil
	Query       *Select // AS SELECT, or nil
	Options     []*Option
	Format      *FormatSpec
}

// Insert is Flink's INSERT INTO sink_table SELECT ...: it feeds a sink
// declared with CREATE TABLE (columns) WITH ('connector' = 'print', ...).
type Insert struct {
	At    Pos
	Table Ident
	Query *Select
}

// Drop is DROP kind [IF EXISTS] name [CASCADE].
type Drop struct {
	At       Pos
	Kind     ObjectKind
	Keyword  string // as written: SOURCE, STREAM, TABLE, MATERIALIZED VIEW, VIEW, SINK
	IfExists bool
	Name     Ident
	Cascade  bool
}

// Show is SHOW SOURCES | MATERIALIZED VIEWS | SINKS | TABLES.
type Show struct {
	At   Pos
	Kind ObjectKind
}

// Explain is EXPLAIN statement; the statement is bound but not applied.
type Explain struct {
	At   Pos
	Stmt Statement
}

// Query is a bare SELECT; it is a statement only under EXPLAIN.
type Query struct {
	Select *Select
}

// BadStatement stands for a statement with a syntax error, so that later
// statements naming the object it meant to create are not reported as
// referring to an unknown name.
type BadStatement struct {
	At   Pos
	Kind ObjectKind // 0 when the parser did not get that far
	Name *Ident     // nil when the parser did not get that far
}

func (*CreateSource) stmt() {}
func (*CreateView) stmt()   {}
func (*CreateSink) stmt()   {}
func (*Insert) stmt()       {}
func (*Drop) stmt()         {}
func (*Show) stmt()         {}
func (*Explain) stmt()      {}
func (*Query) stmt()        {}
func (*BadStatement) stmt() {}

func (s *CreateSource) Pos() Pos { return s.At }
func (s *CreateView) Pos() Pos   { return s.At }
func (s *CreateSink) Pos() Pos   { return s.At }
func (s *Insert) Pos() Pos       { return s.At }
func (s *Drop) Pos() Pos         { return s.At }
func (s *Show) Pos() Pos         { return s.At }
func (s *Explain) Pos() Pos      { return s.At }
func (s *Query) Pos() Pos        { return s.Select.At }
func (s *BadStatement) Pos() Pos { return s.At }
