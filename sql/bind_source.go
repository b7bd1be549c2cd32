package sql

import (
	"strconv"
	"strings"
	"time"
)

// ColumnOrigin says where a source column's values come from.
type ColumnOrigin uint8

const (
	// FromPayload: a field of the JSON payload (Column.Field).
	FromPayload ColumnOrigin = iota
	// FromTopic: a capture of the MQTT topic pattern (Column.Field is the
	// capture name).
	FromTopic
	// FromMetadata: message metadata such as the Kafka timestamp
	// (Column.Meta is the key).
	FromMetadata
	// Computed: Flink's name AS expr (Column.Expr over the other columns).
	Computed
	// ProcTime: name AS PROCTIME(), the processing time of the row.
	ProcTime
	// FromView: an output column of a view.
	FromView
)

func (o ColumnOrigin) String() string {
	return [...]string{"payload", "topic", "metadata", "computed", "proctime", "view"}[o]
}

// Column is one column of a source or view, as queries see it.
type Column struct {
	Name   string // SQL name, folded to lower case unless quoted
	Type   Type
	Origin ColumnOrigin
	// Field is the JSON field (FromPayload) or topic capture (FromTopic)
	// that feeds the column, spelled as written: JSON fields are
	// case-sensitive, and a decoder should match Field first and fall back
	// to a case-insensitive match for Flink/RisingWave habits.
	Field string
	// Meta is the metadata key of FromMetadata columns: for Kafka key,
	// timestamp, partition, offset, topic or header:<name>; for MQTT
	// topic, qos or retain.
	Meta    string
	Expr    BoundExpr // Computed only
	NotNull bool      // rows without a value are rejected (dead-lettered)
	Pos     Pos
}

// BoundWatermark is a source's event-time declaration.
type BoundWatermark struct {
	Column int    // index of the event-time column
	Name   string // its name
	// OutOfOrderness is the delay of the watermark behind the largest
	// event time seen: WATERMARK FOR ts AS ts - INTERVAL '5' SECOND is 5s.
	OutOfOrderness time.Duration
}

// BoundSource is a checked CREATE SOURCE / STREAM / TABLE.
type BoundSource struct {
	Name string
	Pos  Pos
	Stmt *CreateSource
	// Definition is the canonical text of the statement; a change of it
	// means the pipeline definition changed.
	Definition string
	Connector  string // "mqtt" or "kafka"
	Topic      string // Kafka topic, or MQTT topic pattern with captures
	Captures   []string
	Format     string // "json"
	// Options holds every WITH option, keys lower-cased, values as text
	// (intervals as Go durations, e.g. "5s").
	Options   map[string]string
	Columns   []Column
	Watermark *BoundWatermark
}

// metadataKeys are the metadata a connector offers, with their types.
var metadataKeys = map[string]map[string]Type{
	"kafka": {"key": TypeString, "timestamp": TypeTimestamp, "partition": TypeInt, "offset": TypeInt, "topic": TypeString, "header": TypeString},
	"mqtt":  {"topic": TypeString, "qos": TypeInt, "retain": TypeBool},
}

// bindSource checks a CREATE SOURCE; sinkTable is set when the statement
// is Flink's CREATE TABLE with a sink connector (print, file, ...), which
// declares a sink fed by INSERT INTO.
func (c *Catalog) bindSource(s *CreateSource) (src *BoundSource, sinkTable *BoundSinkTable, errs ErrorList) {
	opts := optionValues(s.Options, &errs)
	conn, ok := opts["connector"]
	if !ok {
		errs = append(errs, newError(s.At, ErrOption, "CREATE "+s.Keyword+" "+s.Name.String()+
			" needs WITH (connector = 'mqtt' or 'kafka', ...)"))
		return nil, nil, errs
	}
	name := strings.ToLower(conn.text)
	if a, ok := connectorAliases[name]; ok {
		name = a
	}
	if _, isSink := sinkConnectors[name]; isSink && sourceConnectors[name] == nil {
		if s.Keyword != "TABLE" {
			errs = append(errs, newError(conn.valPos, ErrOption, "connector "+quoteString(conn.text)+
				" is a sink: write CREATE SINK name FROM view WITH (connector = "+quoteString(name)+", ...)"))
			return nil, nil, errs
		}
		t, errs := c.bindSinkTable(s, name, opts, errs)
		return nil, t, errs
	}
	if s.Keyword == "TABLE" && hasPrimaryKey(s) && sinkConnectors[name] != nil {
		// Flink's upsert tables: a source has no key, so a table with
		// one is written by INSERT INTO.
		t, errs := c.bindSinkTable(s, name, opts, errs)
		return nil, t, errs
	}
	specs, ok := sourceConnectors[name]
	if !ok {
		errs = append(errs, newError(conn.valPos, ErrOption, "unknown source connector "+quoteString(conn.text)+
			": use 'mqtt' or 'kafka'"+didYouMean(name, keys(sourceConnectors))))
		return nil, nil, errs
	}
	what := name + " source " + quoteString(s.Name.Name)
	checkOptions(opts, specs, what, s.At, &errs)
	out := &BoundSource{
		Name: s.Name.Name, Pos: s.At, Stmt: s, Definition: s.String(),
		Connector: name, Format: "json", Options: map[string]string{},
	}
	for k, v := range opts {
		out.Options[k] = v.text
	}
	out.Options["connector"] = name
	out.Topic = out.Options["topic"]
	if f := s.Format; f != nil {
		if !strings.EqualFold(f.Format.Name, "plain") {
			errs = append(errs, newError(f.Format.At, ErrOption, "FORMAT "+upperWord(f.Format)+
				" is not supported for sources: use FORMAT PLAIN ENCODE JSON"))
		}
		if !strings.EqualFold(f.Encode.Name, "json") {
			errs = append(errs, newError(f.Encode.At, ErrOption, "ENCODE "+upperWord(f.Encode)+
				" is not supported: Eddy reads JSON (ENCODE JSON)"))
		}
		if len(f.Options) > 0 {
			errs = append(errs, newError(f.Options[0].At, ErrOption, "FORMAT ... ENCODE JSON takes no options for a source"))
		}
	}
	if name == "mqtt" {
		if caps, msg := topicCaptures(out.Topic); msg == "" {
			out.Captures = caps
		}
	}
	c.bindColumns(s, out, &errs)
	if s.PrimaryKey != nil {
		errs = append(errs, newError(s.PrimaryKey.At, ErrUnsupported,
			"PRIMARY KEY on a source is not supported: sources are append-only streams; remove it"))
	}
	for _, col := range s.Columns {
		if col.PrimaryKey {
			errs = append(errs, newError(col.Name.At, ErrUnsupported,
				"PRIMARY KEY on a source is not supported: sources are append-only streams; remove it"))
		}
	}
	if len(errs) > 0 {
		return nil, nil, errs
	}
	return out, nil, nil
}

// bindColumns builds the source's columns: declared ones, topic captures,
// metadata, computed columns, then the watermark.
func (c *Catalog) bindColumns(s *CreateSource, out *BoundSource, errs *ErrorList) {
	seen := map[string]Pos{}
	add := func(col Column) {
		if prev, dup := seen[col.Name]; dup {
			*errs = append(*errs, newError(col.Pos, ErrExists, "column "+strconv.Quote(col.Name)+
				" is defined twice (first at "+prev.String()+")"))
			return
		}
		seen[col.Name] = col.Pos
		out.Columns = append(out.Columns, col)
	}
	meta := metadataKeys[out.Connector]
	capture := map[string]string{} // SQL name -> capture as written
	for _, cp := range out.Captures {
		capture[strings.ToLower(cp)] = cp
	}
	var computed []*ColumnDef
	for _, d := range s.Columns {
		col := Column{Name: d.Name.Name, Field: d.Name.Raw, NotNull: d.NotNull, Pos: d.Name.At}
		switch {
		case d.Computed != nil:
			computed = append(computed, d)
			continue
		case d.Metadata != "":
			key := strings.ToLower(d.Metadata)
			t, ok := meta[key]
			if !ok || key == "header" {
				*errs = append(*errs, newError(d.Name.At, ErrUnsupported, "metadata "+quoteString(d.Metadata)+
					" is not available from "+out.Connector+": use one of "+strings.Join(quoteAll(keysExcept(meta, "header")), ", ")))
				continue
			}
			if d.Type.T != t {
				*errs = append(*errs, newError(d.Type.At, ErrType, "metadata "+quoteString(key)+" is "+t.String()+
					", but column "+d.Name.String()+" is declared "+d.Type.String()))
				continue
			}
			col.Origin, col.Meta, col.Field, col.Type = FromMetadata, key, "", t
		default:
			col.Type = d.Type.T
			if cp, ok := capture[strings.ToLower(col.Name)]; ok {
				if col.Type != TypeString {
					*errs = append(*errs, newError(d.Type.At, ErrType, "column "+d.Name.String()+
						" is the topic capture {"+cp+"}, which is text: declare it VARCHAR"))
					continue
				}
				col.Origin, col.Field = FromTopic, cp
				delete(capture, strings.ToLower(col.Name))
			}
		}
		add(col)
	}
	// Captures not declared become VARCHAR columns, in pattern order.
	for _, cp := range out.Captures {
		if _, left := capture[strings.ToLower(cp)]; left {
			add(Column{Name: strings.ToLower(cp), Type: TypeString, Origin: FromTopic, Field: cp, Pos: s.At})
		}
	}
	for _, inc := range s.Includes {
		key := strings.ToLower(inc.What.Name)
		t, ok := meta[key]
		if !ok {
			*errs = append(*errs, newError(inc.What.At, ErrUnsupported, "INCLUDE "+inc.What.String()+
				" is not available from "+out.Connector+": use one of "+strings.Join(keys(meta), ", ")))
			continue
		}
		metaKey := key
		if key == "header" {
			if inc.Inner == "" {
				*errs = append(*errs, newError(inc.What.At, ErrSyntax, "INCLUDE header needs the header's name, as in INCLUDE header 'trace_id' AS trace_id"))
				continue
			}
			metaKey = "header:" + inc.Inner
		} else if inc.Inner != "" {
			*errs = append(*errs, newError(inc.At, ErrSyntax, "INCLUDE "+key+" takes no name in quotes"))
			continue
		}
		col := Column{Name: "_rw_" + out.Connector + "_" + key, Type: t, Origin: FromMetadata, Meta: metaKey, Pos: inc.At}
		if inc.Alias != nil {
			col.Name, col.Pos = inc.Alias.Name, inc.Alias.At
		}
		add(col)
	}
	// Computed columns see the columns above, not each other.
	base := &scope{relation: out.Name, kind: "source", cols: append([]Column(nil), out.Columns...)}
	for _, d := range computed {
		b := &binder{scope: base, ctx: "a computed column"}
		x := b.bind(d.Computed)
		*errs = append(*errs, b.errs...)
		col := Column{Name: d.Name.Name, Type: x.Type(), Origin: Computed, Expr: x, Pos: d.Name.At}
		if f, ok := x.(*FuncExpr); ok && f.Name == "proctime" {
			col.Origin, col.Expr = ProcTime, nil
		}
		if x.Type() == TypeNull && len(b.errs) == 0 {
			*errs = append(*errs, newError(d.Computed.Pos(), ErrType, "computed column "+d.Name.String()+" has no type: it is always NULL"))
		}
		add(col)
	}
	if len(out.Columns) == 0 {
		*errs = append(*errs, newError(s.At, ErrSyntax, "source "+s.Name.String()+" has no columns"))
	}
	if w := s.Watermark; w != nil {
		out.Watermark = bindWatermark(w, out, errs)
	}
}

func keysExcept[V any](m map[string]V, except string) []string {
	var out []string
	for _, k := range keys(m) {
		if k != except {
			out = append(out, k)
		}
	}
	return out
}

// bindWatermark accepts WATERMARK FOR ts AS ts [- INTERVAL 'n' unit].
func bindWatermark(w *Watermark, src *BoundSource, errs *ErrorList) *BoundWatermark {
	idx := -1
	for i, c := range src.Columns {
		if c.Name == w.Column.Name {
			idx = i
		}
	}
	if idx < 0 {
		names := make([]string, len(src.Columns))
		for i, c := range src.Columns {
			names[i] = c.Name
		}
		*errs = append(*errs, newError(w.Column.At, ErrUnknownColumn, "unknown watermark column "+
			strconv.Quote(w.Column.Name)+didYouMean(w.Column.Name, names)))
		return nil
	}
	col := src.Columns[idx]
	if col.Type != TypeTimestamp {
		*errs = append(*errs, newError(w.Column.At, ErrWindow, "watermark column "+strconv.Quote(col.Name)+
			" is "+col.Type.String()+": it must be a TIMESTAMP; convert it with a computed column, as in ts AS TO_TIMESTAMP(epoch_seconds)"))
		return nil
	}
	if col.Origin == ProcTime {
		*errs = append(*errs, newError(w.Column.At, ErrWindow, "a processing-time column has no watermark: remove the WATERMARK clause"))
		return nil
	}
	usage := "the watermark must be " + w.Column.String() + " or " + w.Column.String() + " - INTERVAL 'n' unit"
	isCol := func(e Expr) bool {
		r, ok := e.(*Ref)
		return ok && len(r.Parts) == 1 && r.Parts[0].Name == col.Name
	}
	var delay time.Duration
	switch e := w.Expr.(type) {
	case *Ref:
		if !isCol(e) {
			*errs = append(*errs, newError(e.Pos(), ErrWindow, usage))
			return nil
		}
	case *BinaryExpr:
		iv, ok := e.R.(*IntervalLit)
		if e.Op != "-" || !isCol(e.L) || !ok {
			*errs = append(*errs, newError(e.Pos(), ErrWindow, usage))
			return nil
		}
		if iv.Dur < 0 {
			*errs = append(*errs, newError(iv.At, ErrWindow, "the watermark delay must not be negative"))
			return nil
		}
		delay = iv.Dur
	default:
		*errs = append(*errs, newError(w.Expr.Pos(), ErrWindow, usage))
		return nil
	}
	return &BoundWatermark{Column: idx, Name: col.Name, OutOfOrderness: delay}
}

func hasPrimaryKey(s *CreateSource) bool {
	if s.PrimaryKey != nil {
		return true
	}
	for _, c := range s.Columns {
		if c.PrimaryKey {
			return true
		}
	}
	return false
}
