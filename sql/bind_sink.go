package sql

import (
	"strconv"
	"strings"
)

// BoundSink is a checked sink: CREATE SINK s FROM v, CREATE SINK s AS
// SELECT, Flink's CREATE TABLE s WITH ('connector' = ...) AS SELECT, or a
// sink table of Flink's CREATE TABLE s (columns) WITH ('connector' = ...)
// once INSERT INTO s SELECT feeds it.
type BoundSink struct {
	Name string
	Pos  Pos
	// Stmt is the statement that made the sink: *CreateSink, or the
	// *Insert that feeds a sink table.
	Stmt Statement
	// Definition is the canonical text of the statement (for a sink
	// table, the CREATE TABLE and the INSERT INTO, ";"-separated).
	Definition string
	// From is the view or source the sink reads (CREATE SINK s FROM v),
	// "" when Query is set.
	From     string
	FromKind ObjectKind // of From: ObjectView or ObjectSource
	// Query is the Implicit view that feeds the sink, for every form but
	// CREATE SINK s FROM v. Its Output names are the sink's Columns.
	Query *BoundView
	// Connector is kafka, mqtt, print, file or webhook.
	Connector string
	// Options holds every WITH option (and FORMAT ... ENCODE options), keys
	// lower-cased, values as text; FORMAT UPSERT sets type = 'upsert'.
	Options map[string]string
	// Columns are what the sink receives, in order.
	Columns []Column
	// Late is set by WITH (stream = 'late'): the sink receives the view
	// From's late side output, the input rows that arrived after every
	// window they belong to was gone, instead of its results. Columns are
	// then the view's input columns and LateColumns.
	Late bool
}

// The values of a sink's stream option.
const (
	SinkStreamResults = "results"
	SinkStreamLate    = "late"
)

// LateColumns are the columns a late sink's rows carry after the input
// row's: the view whose windows the row missed, the first such window, and
// the view's watermark (for the row's partition) when it arrived.
var LateColumns = []Column{
	{Name: "late_view", Type: TypeString, Origin: FromView, Field: "late_view"},
	{Name: "late_window_start", Type: TypeTimestamp, Origin: FromView, Field: "late_window_start"},
	{Name: "late_window_end", Type: TypeTimestamp, Origin: FromView, Field: "late_window_end"},
	{Name: "late_watermark", Type: TypeTimestamp, Origin: FromView, Field: "late_watermark"},
}

// Reads returns the relation whose rows reach the sink: From, or the
// relation its Query reads.
func (s *BoundSink) Reads() string {
	if s.Query != nil {
		return s.Query.From
	}
	return s.From
}

// BoundSinkTable is Flink's CREATE TABLE t (columns) WITH ('connector' =
// 'print', ...): a sink with declared columns, fed by INSERT INTO t SELECT.
// It becomes a BoundSink when the INSERT is bound.
type BoundSinkTable struct {
	Name       string
	Pos        Pos
	Stmt       *CreateSource
	Definition string
	Connector  string
	Options    map[string]string
	Columns    []Column
	// Sink is set once an INSERT INTO feeds the table.
	Sink *BoundSink
}

// bindSinkTable checks a CREATE TABLE (columns) WITH a sink connector.
// errs holds the errors found so far (of the option list).
func (c *Catalog) bindSinkTable(s *CreateSource, conn string, opts map[string]optValue, errs ErrorList) (*BoundSinkTable, ErrorList) {
	what := conn + " sink table " + quoteString(s.Name.Name)
	if v, ok := opts["stream"]; ok {
		errs = append(errs, newError(v.at, ErrOption, "option 'stream' is for CREATE SINK name FROM view WITH (stream = 'late', ...); "+
			"a sink table receives the rows of its INSERT INTO"))
		delete(opts, "stream")
	}
	checkOptions(opts, sinkConnectors[conn], what, s.At, &errs)
	t := &BoundSinkTable{
		Name: s.Name.Name, Pos: s.At, Stmt: s, Definition: s.String(),
		Connector: conn, Options: optionText(opts),
	}
	t.Options["connector"] = conn
	if s.Format != nil {
		sinkFormat(s.Format, conn, t.Options, &errs)
	}
	unsupported := func(at Pos, what string) {
		errs = append(errs, newError(at, ErrUnsupported, what+" is not supported in a sink table "+
			"(connector "+quoteString(conn)+"): it receives the rows of INSERT INTO; remove it"))
	}
	seen := map[string]Pos{}
	for _, d := range s.Columns {
		switch {
		case d.Computed != nil:
			unsupported(d.Name.At, "a computed column")
			continue
		case d.Metadata != "":
			unsupported(d.Name.At, "a METADATA column")
			continue
		}
		if prev, dup := seen[d.Name.Name]; dup {
			errs = append(errs, newError(d.Name.At, ErrExists, "column "+strconv.Quote(d.Name.Name)+
				" is defined twice (first at "+prev.String()+")"))
			continue
		}
		seen[d.Name.Name] = d.Name.At
		t.Columns = append(t.Columns, Column{Name: d.Name.Name, Type: d.Type.T, Origin: FromView,
			Field: d.Name.Raw, NotNull: d.NotNull, Pos: d.Name.At})
	}
	if s.Watermark != nil {
		unsupported(s.Watermark.At, "WATERMARK")
	}
	if len(s.Includes) > 0 {
		unsupported(s.Includes[0].At, "INCLUDE")
	}
	var pk []string
	if s.PrimaryKey != nil {
		for _, id := range s.PrimaryKey.Columns {
			pk = append(pk, id.Name)
		}
	}
	for _, d := range s.Columns {
		if d.PrimaryKey {
			pk = append(pk, d.Name.Name)
		}
	}
	if len(pk) > 0 {
		// Flink's PRIMARY KEY of a sink table is the upsert key.
		if _, ok := t.Options["primary_key"]; !ok && conn == "kafka" {
			t.Options["primary_key"] = strings.Join(pk, ",")
		}
	}
	checkSinkColumns(conn, t.Options, opts, t.Columns, what, s.At, &errs)
	if len(errs) > 0 {
		return nil, errs
	}
	return t, nil
}

// sinkOptions splits a sink's WITH list into the view options of its
// query (allowed_lateness, ...) and the connector's options.
func sinkOptions(opts []*Option) (view, conn []*Option) {
	for _, o := range opts {
		k := strings.ReplaceAll(strings.ToLower(o.Key), "-", "_")
		if _, ok := viewOptionSpecs[k]; ok {
			view = append(view, o)
		} else {
			conn = append(conn, o)
		}
	}
	return view, conn
}

// bindSinkConnector checks the connector options of a sink; the checks
// that need the sink's columns are done by checkSinkColumns.
func bindSinkConnector(opts []*Option, format *FormatSpec, name string, at Pos, errs *ErrorList) (string, map[string]optValue, map[string]string, bool) {
	vals := optionValues(opts, errs)
	if format != nil {
		for k, v := range optionValues(format.Options, errs) {
			if prev, dup := vals[k]; dup {
				*errs = append(*errs, newError(v.at, ErrOption, "option "+quoteString(k)+" is given twice (first at "+prev.at.String()+")"))
				continue
			}
			vals[k] = v
		}
	}
	cv, ok := vals["connector"]
	if !ok {
		*errs = append(*errs, newError(at, ErrOption, "sink "+quoteString(name)+
			" needs WITH (connector = 'kafka', 'mqtt', 'print', 'file' or 'webhook', ...)"))
		return "", nil, nil, false
	}
	conn := strings.ToLower(cv.text)
	if a, ok := connectorAliases[conn]; ok {
		conn = a
	}
	specs, ok := sinkConnectors[conn]
	if !ok {
		*errs = append(*errs, newError(cv.valPos, ErrOption, "unknown sink connector "+quoteString(cv.text)+
			": use one of "+strings.Join(quoteAll(keys(sinkConnectors)), ", ")+didYouMean(conn, keys(sinkConnectors))))
		return "", nil, nil, false
	}
	checkOptions(vals, withStream(specs), conn+" sink "+quoteString(name), at, errs)
	text := optionText(vals)
	text["connector"] = conn
	if format != nil {
		sinkFormat(format, conn, text, errs)
	}
	return conn, vals, text, true
}

// withStream adds the stream option to a connector's options.
func withStream(specs map[string]optionSpec) map[string]optionSpec {
	out := make(map[string]optionSpec, len(specs)+1)
	for k, v := range specs {
		out[k] = v
	}
	out["stream"] = sinkStreamOpt
	return out
}

func optionText(opts map[string]optValue) map[string]string {
	out := make(map[string]string, len(opts))
	for k, v := range opts {
		out[k] = v.text
	}
	return out
}

// sinkFormat checks FORMAT PLAIN | UPSERT ENCODE JSON of a sink and
// records UPSERT as type = 'upsert'.
func sinkFormat(f *FormatSpec, conn string, opts map[string]string, errs *ErrorList) {
	switch strings.ToLower(f.Format.Name) {
	case "plain":
	case "upsert":
		if conn != "kafka" {
			*errs = append(*errs, newError(f.Format.At, ErrOption, "FORMAT UPSERT needs a kafka sink; "+
				conn+" sinks write every row (FORMAT PLAIN)"))
			break
		}
		if t, ok := opts["type"]; ok && t != "upsert" {
			*errs = append(*errs, newError(f.Format.At, ErrOption, "FORMAT UPSERT contradicts type = "+quoteString(t)+": remove one of them"))
			break
		}
		opts["type"] = "upsert"
	default:
		*errs = append(*errs, newError(f.Format.At, ErrOption, "FORMAT "+upperWord(f.Format)+
			" is not supported for sinks: use FORMAT PLAIN or FORMAT UPSERT"))
	}
	if !strings.EqualFold(f.Encode.Name, "json") {
		*errs = append(*errs, newError(f.Encode.At, ErrOption, "ENCODE "+upperWord(f.Encode)+
			" is not supported: Eddy writes JSON (ENCODE JSON)"))
	}
}

// checkSinkColumns checks the options that name the sink's columns:
// primary_key (needed by type = 'upsert') and the {column} placeholders of
// an MQTT topic.
func checkSinkColumns(conn string, text map[string]string, vals map[string]optValue, cols []Column, what string, at Pos, errs *ErrorList) {
	names := make([]string, len(cols))
	for i, c := range cols {
		names[i] = c.Name
	}
	pos := func(key string) Pos {
		if v, ok := vals[key]; ok {
			return v.valPos
		}
		return at
	}
	if pk, ok := text["primary_key"]; ok {
		for _, k := range strings.Split(pk, ",") {
			k = strings.TrimSpace(k)
			if !contains(names, k) {
				*errs = append(*errs, newError(pos("primary_key"), ErrUnknownColumn, "primary_key column "+strconv.Quote(k)+
					" is not a column of "+what+didYouMean(k, names)+" (columns: "+strings.Join(names, ", ")+")"))
			}
		}
	} else if text["type"] == "upsert" {
		*errs = append(*errs, newError(pos("type"), ErrOption, what+" is upsert and needs option 'primary_key', "+
			"as in WITH (..., primary_key = '"+firstOr(names, "id")+"')"))
	}
	if topic, ok := text["topic"]; ok && conn == "mqtt" {
		ph, msg := topicPlaceholders(topic)
		if msg != "" {
			*errs = append(*errs, newError(pos("topic"), ErrOption, "option 'topic' "+msg))
		}
		for _, p := range ph {
			if !contains(names, strings.ToLower(p)) && !contains(names, p) {
				*errs = append(*errs, newError(pos("topic"), ErrUnknownColumn, "topic placeholder {"+p+"} is not a column of "+
					what+didYouMean(p, names)+" (columns: "+strings.Join(names, ", ")+")"))
			}
		}
	}
}

func firstOr(list []string, def string) string {
	if len(list) > 0 {
		return list[0]
	}
	return def
}

// bindSink checks a CREATE SINK or Flink's CREATE TABLE ... AS SELECT.
// skipped is set, with no error, when it reads a relation whose own
// statement failed.
func (c *Catalog) bindSink(s *CreateSink) (out *BoundSink, errs ErrorList, skipped bool) {
	name := s.Name.Name
	viewOpts, connOpts := sinkOptions(s.Options)
	conn, vals, text, ok := bindSinkConnector(connOpts, s.Format, name, s.At, &errs)
	out = &BoundSink{Name: name, Pos: s.At, Stmt: s, Definition: s.String(), Connector: conn, Options: text}
	if s.From != nil {
		if len(viewOpts) > 0 {
			errs = append(errs, newError(viewOpts[0].At, ErrOption, "option "+quoteString(viewOpts[0].Key)+
				" belongs to the view "+s.From.String()+": set it in CREATE MATERIALIZED VIEW "+s.From.String()+" WITH (...)"))
		}
		cols, kind, _, found := c.relation(s.From.Name)
		switch {
		case found && text["stream"] == SinkStreamLate:
			out.From, out.FromKind, out.Late = s.From.Name, kind, true
			out.Columns, errs = c.lateColumns(s, vals["stream"], errs)
		case found:
			out.From, out.FromKind, out.Columns = s.From.Name, kind, cols
		case c.failed[s.From.Name]:
			return nil, nil, true
		default:
			errs = append(errs, c.unknownRelation(*s.From))
		}
	} else {
		if v, late := vals["stream"]; late && v.text == SinkStreamLate {
			errs = append(errs, newError(v.valPos, ErrOption, "stream = 'late' needs CREATE SINK "+s.Name.String()+
				" FROM view: a late sink receives the late rows of a windowed materialized view"))
		}
		q, qerrs, skip := c.bindQuery(s.Query, name, s, viewOpts)
		if skip {
			return nil, nil, true
		}
		errs = append(errs, qerrs...)
		if q != nil {
			q.Implicit = true
			out.Query, out.Columns = q, q.Columns()
		}
	}
	if ok && out.Columns != nil {
		checkSinkColumns(conn, text, vals, out.Columns, conn+" sink "+quoteString(name), s.At, &errs)
	}
	if len(errs) > 0 {
		return nil, errs, false
	}
	return out, nil, false
}

// lateColumns checks that a late sink reads a windowed view and returns
// its columns: the view's input columns, then LateColumns.
func (c *Catalog) lateColumns(s *CreateSink, opt optValue, errs ErrorList) ([]Column, ErrorList) {
	v, ok := c.views[s.From.Name]
	if !ok || v.Window == nil {
		what := "a source"
		if ok {
			what = "a view without a window"
		}
		return nil, append(errs, newError(opt.valPos, ErrOption, "stream = 'late': "+s.From.String()+" is "+what+
			", which has no late rows; read a view with TUMBLE, HOP or SESSION"))
	}
	in, _, _, _ := c.relation(v.From)
	cols := make([]Column, 0, len(in)+len(LateColumns))
	cols = append(cols, in...)
	for _, l := range LateColumns {
		for _, col := range in {
			if col.Name == l.Name {
				return nil, append(errs, newError(opt.valPos, ErrOption, "stream = 'late': input column "+
					strconv.Quote(l.Name)+" of "+v.From+" clashes with the late row's own column; rename it in the source"))
			}
		}
		cols = append(cols, l)
	}
	return cols, errs
}

// unknownRelation reports a FROM name that is neither source nor view.
func (c *Catalog) unknownRelation(id Ident) *Error {
	if _, isSink := c.sinks[id.Name]; isSink {
		return newError(id.At, ErrUnknownRelation, strconv.Quote(id.Name)+
			" is a sink, which cannot be read: read the view or source it reads, or make it a materialized view "+
			"(CREATE MATERIALIZED VIEW "+id.String()+" AS SELECT ...) and sink that")
	}
	if t, isTable := c.tables[id.Name]; isTable {
		hint := ""
		if hasPrimaryKey(t.Stmt) {
			hint = "; a table with a PRIMARY KEY is an upsert sink: remove the key to read the table as a source"
		}
		return newError(id.At, ErrUnknownRelation, strconv.Quote(id.Name)+
			" is a sink table (connector "+quoteString(t.Connector)+" writes it), which cannot be read"+hint)
	}
	return newError(id.At, ErrUnknownRelation, "unknown source or view "+strconv.Quote(id.Name)+
		didYouMean(id.Name, c.relationNames()))
}

// bindInsert checks INSERT INTO table SELECT: the query's columns must
// match the table's in number and type; they take the table's names. It
// changes nothing: converted is set when the table was bound as a source
// (Flink declares Kafka and MQTT tables alike whether read or written) and
// must become a sink table. skipped is set, with no error, when the table
// or the relation the query reads had a failed statement.
func (c *Catalog) bindInsert(in *Insert) (out *BoundSink, converted *BoundSinkTable, errs ErrorList, skipped bool) {
	name := in.Table.Name
	t, ok := c.tables[name]
	if !ok {
		if c.failed[name] {
			return nil, nil, nil, true
		}
		src, isSource := c.sources[name]
		if !isSource || src.Stmt.Keyword != "TABLE" || sinkConnectors[src.Connector] == nil {
			return nil, nil, ErrorList{c.notATable(in.Table)}, false
		}
		if readers := c.readers(name); len(readers) > 0 {
			return nil, nil, ErrorList{newError(in.Table.At, ErrDependency, "INSERT INTO "+in.Table.String()+
				": the table is a source that "+readers[0]+" reads; a table is either read or written")}, false
		}
		var terrs ErrorList
		t, terrs = c.bindSinkTable(src.Stmt, src.Connector, optionValues(src.Stmt.Options, &terrs), terrs)
		if len(terrs) > 0 {
			for _, e := range terrs {
				e.Msg += " (table " + in.Table.String() + " is a sink: INSERT INTO at " + in.At.String() + " writes it)"
			}
			return nil, nil, terrs, false
		}
		converted = t
	}
	if t.Sink != nil {
		return nil, nil, ErrorList{newError(in.At, ErrExists, "table "+in.Table.String()+" is already fed by INSERT INTO at "+
			t.Sink.Stmt.Pos().String()+": one INSERT INTO per sink table; combine the queries in one view")}, false
	}
	q, qerrs, skip := c.bindQuery(in.Query, name, in, nil)
	if skip {
		return nil, nil, nil, true
	}
	if len(qerrs) > 0 {
		return nil, nil, qerrs, false
	}
	q.Implicit = true
	if len(q.Output) != len(t.Columns) {
		return nil, nil, ErrorList{newError(in.Query.At, ErrType, "INSERT INTO "+in.Table.String()+" selects "+
			plural(len(q.Output), "column")+", but the table has "+strconv.Itoa(len(t.Columns))+
			" ("+columnList(t.Columns)+"): select one value per table column, in order")}, false
	}
	for i, col := range t.Columns {
		o := &q.Output[i]
		at, what := in.Query.At, "column "+strconv.Itoa(i+1)
		if i < len(in.Query.Items) && !in.Query.Items[i].Star {
			at = in.Query.Items[i].Expr.Pos()
			what = in.Query.Items[i].Expr.String() + " (" + what + ")"
		}
		switch {
		case o.Type == col.Type || col.Type == TypeJSON || o.Type == TypeNull:
		case o.Type == TypeJSON || o.Type == TypeInt && col.Type == TypeFloat ||
			col.Type == TypeString && o.Type != TypeInterval:
			o.Expr = &BoundCast{X: o.Expr, To: col.Type}
		default:
			errs = append(errs, newError(at, ErrType, what+" of INSERT INTO "+in.Table.String()+
				" is "+o.Type.String()+", but table column "+strconv.Quote(col.Name)+" is "+col.Type.String()+
				": convert it with CAST(... AS "+col.Type.String()+")"))
			continue
		}
		o.Name, o.Type = col.Name, col.Type
	}
	if len(errs) > 0 {
		return nil, nil, errs, false
	}
	out = &BoundSink{
		Name: name, Pos: t.Pos, Stmt: in, Definition: t.Definition + ";\n" + in.String(),
		Query: q, Connector: t.Connector, Options: t.Options, Columns: t.Columns,
	}
	return out, converted, nil, false
}

// notATable reports an INSERT INTO target that is not a sink table.
func (c *Catalog) notATable(id Ident) *Error {
	what := ""
	switch {
	case c.sources[id.Name] != nil:
		what = " is a source"
	case c.views[id.Name] != nil:
		what = " is a materialized view"
	case c.sinks[id.Name] != nil:
		what = " is a sink defined by its own query"
	}
	if what != "" {
		return newError(id.At, ErrUnknownRelation, "cannot INSERT INTO "+strconv.Quote(id.Name)+": it"+what+
			"; INSERT INTO writes to a table declared with CREATE TABLE "+id.String()+" (columns) WITH ('connector' = 'print', ...)")
	}
	var names []string
	for n := range c.tables {
		names = append(names, n)
	}
	return newError(id.At, ErrUnknownRelation, "unknown table "+strconv.Quote(id.Name)+didYouMean(id.Name, names)+
		": declare it first with CREATE TABLE "+id.String()+" (columns) WITH ('connector' = 'print', ...)")
}

func columnList(cols []Column) string {
	parts := make([]string, len(cols))
	for i, c := range cols {
		parts[i] = quoteName(c.Name) + " " + c.Type.String()
	}
	return strings.Join(parts, ", ")
}

// plural prints "1 column", "2 columns".
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return strconv.Itoa(n) + " " + noun + "s"
}
