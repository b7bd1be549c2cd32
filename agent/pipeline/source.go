package pipeline

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/eddy-iot/eddy/edge/dedupe"
	"github.com/eddy-iot/eddy/edge/ingest"
	"github.com/eddy-iot/eddy/edge/payload"
	"github.com/eddy-iot/eddy/edge/topic"
	"github.com/eddy-iot/eddy/sql"
	"github.com/eddy-iot/eddy/sql/eval"
	"github.com/eddy-iot/eddy/windows"
)

// source is the runtime of one CREATE SOURCE: how its messages become rows.
type source struct {
	name    string
	bound   *sql.BoundSource
	kafka   bool
	pattern *topic.Pattern // MQTT
	qos     byte

	dec *payload.Decoder
	// decoded[i] is the row position of the decoder's column i; the other
	// positions are filled by fills.
	decoded []int
	fills   []fill
	width   int
	row     []windows.Value
	env     eval.Env

	// Exact dedupe by device sequence numbers, when the source names them.
	tracker        *dedupe.Tracker
	deviceCol      int
	seqCol         int
	partitionCol   int // the watermark partition of a row; -1: the topic (MQTT) or Kafka partition
	views          []*view
	partitionBuf   []byte
	captureScratch []string

	rowsCounter, dupCounter string // persisted counter names
}

// fill computes one row position that is not a payload field.
type fill struct {
	at   int
	meta string     // metadata key
	expr *eval.Expr // computed column
	proc bool       // PROCTIME()
}

// payloadType maps a declared column type to the decoder's.
func payloadType(t sql.Type) (payload.Type, error) {
	switch t {
	case sql.TypeInt:
		return payload.TypeInt, nil
	case sql.TypeFloat:
		return payload.TypeFloat, nil
	case sql.TypeString:
		return payload.TypeString, nil
	case sql.TypeBool:
		return payload.TypeBool, nil
	case sql.TypeTimestamp:
		return payload.TypeTimestamp, nil
	case sql.TypeJSON:
		return payload.TypeJSON, nil
	}
	return 0, fmt.Errorf("column type %s cannot be read from a payload", t)
}

func newSource(b *sql.BoundSource, o *Options) (*source, error) {
	s := &source{name: b.Name, bound: b, kafka: b.Connector == "kafka", width: len(b.Columns),
		deviceCol: -1, seqCol: -1, partitionCol: -1, rowsCounter: "rows_in." + b.Name, dupCounter: "duplicates." + b.Name}
	if !s.kafka {
		p, err := topic.Compile(b.Topic)
		if err != nil {
			return nil, fmt.Errorf("source %s: topic %q: %w", b.Name, b.Topic, err)
		}
		s.pattern = p
		s.qos = 1
		if q, ok := b.Options["qos"]; ok {
			n, err := strconv.Atoi(q)
			if err != nil || n < 0 || n > 2 {
				return nil, fmt.Errorf("source %s: qos %q: use 0, 1 or 2", b.Name, q)
			}
			s.qos = byte(n)
		}
	}
	schema := payload.Schema{}
	if !s.kafka {
		schema.Captures = s.pattern.Names()
	}
	for i, c := range b.Columns {
		switch c.Origin {
		case sql.FromPayload, sql.FromTopic:
			pt, err := payloadType(c.Type)
			if err != nil {
				return nil, fmt.Errorf("source %s: column %s: %w", b.Name, c.Name, err)
			}
			pc := payload.Column{Name: c.Name, Type: pt, Required: c.NotNull}
			if c.Origin == sql.FromTopic {
				pc.Capture = c.Field
			} else {
				pc.Path = escapePath(c.Field)
			}
			schema.Columns = append(schema.Columns, pc)
			s.decoded = append(s.decoded, i)
		case sql.FromMetadata:
			s.fills = append(s.fills, fill{at: i, meta: c.Meta})
		case sql.ProcTime:
			s.fills = append(s.fills, fill{at: i, proc: true})
		case sql.Computed:
			x, err := eval.Compile(c.Expr)
			if err != nil {
				return nil, fmt.Errorf("source %s: computed column %s: %w", b.Name, c.Name, err)
			}
			s.fills = append(s.fills, fill{at: i, expr: x})
		}
	}
	if w := b.Watermark; w != nil && b.Columns[w.Column].Origin == sql.FromPayload {
		schema.EventTime = b.Columns[w.Column].Name
	}
	// Computed columns read base columns only (the binder's rule), so they
	// are evaluated after every payload and metadata column is in place.
	sortFillsComputedLast(s.fills)

	if d := o.Dedupe[b.Name]; d.Sequence != "" {
		s.seqCol, s.deviceCol = columnIndex(b, d.Sequence), columnIndex(b, d.Device)
		if s.seqCol < 0 || b.Columns[s.seqCol].Type != sql.TypeInt {
			return nil, fmt.Errorf("source %s: sequence column %q must be a BIGINT column of the source", b.Name, d.Sequence)
		}
		if d.Device != "" && s.deviceCol < 0 {
			return nil, fmt.Errorf("source %s: device column %q is not a column of the source", b.Name, d.Device)
		}
		tr, err := dedupe.NewTracker(dedupe.Config{Window: d.Window})
		if err != nil {
			return nil, fmt.Errorf("source %s: %w", b.Name, err)
		}
		s.tracker = tr
	}
	if d := o.Dedupe[b.Name]; d.Device != "" {
		s.partitionCol = columnIndex(b, d.Device)
	}
	dec, err := payload.NewDecoder(schema, o.Payload)
	if err != nil {
		return nil, fmt.Errorf("source %s: %w", b.Name, err)
	}
	s.dec = dec
	s.row = make([]windows.Value, s.width)
	return s, nil
}

func sortFillsComputedLast(f []fill) {
	j := 0
	for i := range f {
		if f[i].expr == nil {
			f[i], f[j] = f[j], f[i]
			j++
		}
	}
}

func columnIndex(b *sql.BoundSource, name string) int {
	for i, c := range b.Columns {
		if strings.EqualFold(c.Name, name) {
			return i
		}
	}
	return -1
}

// escapePath turns a JSON field name into a decoder path: dots in a name
// are literal.
func escapePath(field string) string {
	return strings.ReplaceAll(field, ".", `\.`)
}

// fillRow completes row positions that do not come from the payload.
// It returns the first evaluation error.
func (s *source) fillRow(m *ingest.Message, now int64) error {
	for _, f := range s.fills {
		switch {
		case f.proc:
			s.row[f.at] = windows.Int(now)
		case f.expr != nil:
			s.env.Row, s.env.Now, s.env.Err = s.row, now, nil
			v := f.expr.Eval(&s.env)
			if s.env.Err != nil {
				return s.env.Err
			}
			s.row[f.at] = v
		default:
			s.row[f.at] = metadata(f.meta, m)
		}
	}
	return nil
}

func metadata(key string, m *ingest.Message) windows.Value {
	switch key {
	case "topic":
		return windows.String(m.Topic)
	case "qos":
		return windows.Int(int64(m.QoS))
	case "partition":
		if m.Partition >= 0 {
			return windows.Int(int64(m.Partition))
		}
	case "offset":
		if m.Partition >= 0 {
			return windows.Int(m.Offset)
		}
	case "timestamp":
		return windows.Int(m.Received)
	}
	return windows.Null
}

// partition returns the watermark partition of the current row.
func (s *source) partition(m *ingest.Message) []byte {
	s.partitionBuf = s.partitionBuf[:0]
	switch {
	case s.partitionCol >= 0:
		if v := s.row[s.partitionCol]; v.Kind == windows.KindString {
			s.partitionBuf = append(s.partitionBuf, v.S...)
		} else {
			s.partitionBuf = append(s.partitionBuf, v.String()...)
		}
	case m.Partition >= 0:
		s.partitionBuf = strconv.AppendInt(append(s.partitionBuf, 'p'), int64(m.Partition), 10)
	default:
		s.partitionBuf = append(s.partitionBuf, m.Topic...)
	}
	return s.partitionBuf
}
