package pipeline

import (
	"bytes"
	"encoding/binary"
	"errors"
	"sort"

	"github.com/eddy-iot/eddy/edge/store"
	"github.com/eddy-iot/eddy/windows"
)

// table holds the latest row of each group (and window) of a view, for GET
// /v1/views/{name}. Changes are persisted with the batch that made them, so
// after a restart the table is what it was at the last commit.
//
// Windowed views keep the rows of the last keep windows' worth of event
// time behind the newest window end seen; a plain GROUP BY keeps one row
// per group. A non-aggregating view keeps its last rows in memory only.
type table struct {
	store    string // the store's pipeline name
	windowed bool
	span     int64 // window length, ms (retention unit)
	keep     int64

	rows   map[string]tableRow
	dirty  map[string]struct{}
	maxEnd int64
	pruned int64 // maxEnd at the last prune

	ring    [][]byte // non-aggregating views
	ringPos int

	keyBuf []byte
}

type tableRow struct {
	end int64
	row []byte
}

const ringRows = 100

func newTable(storeName string, windowed bool, span int64, keep int) *table {
	if keep <= 0 {
		keep = 3
	}
	return &table{store: "table:" + storeName, windowed: windowed, span: span, keep: int64(keep),
		rows: map[string]tableRow{}, dirty: map[string]struct{}{}}
}

func (t *table) put(key []byte, w windows.Window, row []byte) {
	t.keyBuf = resultKey(t.keyBuf[:0], key, w)
	k := string(t.keyBuf)
	t.rows[k] = tableRow{end: w.End, row: bytes.Clone(row)}
	t.dirty[k] = struct{}{}
	if t.windowed && w.End > t.maxEnd {
		t.maxEnd = w.End
	}
}

func (t *table) remove(key string, w windows.Window) {
	t.keyBuf = resultKey(t.keyBuf[:0], []byte(key), w)
	k := string(t.keyBuf)
	if _, ok := t.rows[k]; ok {
		delete(t.rows, k)
		t.dirty[k] = struct{}{}
	}
}

func (t *table) append(row []byte) {
	if len(t.ring) < ringRows {
		t.ring = append(t.ring, bytes.Clone(row))
		return
	}
	t.ring[t.ringPos] = append(t.ring[t.ringPos][:0], row...)
	t.ringPos = (t.ringPos + 1) % ringRows
}

// prune drops windows older than the retention, at most once per window span.
func (t *table) prune() {
	if !t.windowed || t.span <= 0 || t.maxEnd-t.pruned < t.span {
		return
	}
	t.pruned = t.maxEnd
	limit := t.maxEnd - t.keep*t.span
	for k, r := range t.rows {
		if r.end <= limit {
			delete(t.rows, k)
			t.dirty[k] = struct{}{}
		}
	}
}

// flush writes the changed rows into b.
func (t *table) flush(b *store.Batch) {
	if len(t.dirty) == 0 {
		return
	}
	var val []byte
	for k := range t.dirty {
		r, ok := t.rows[k]
		if !ok {
			b.Delete(t.store, []byte(k))
			continue
		}
		val = binary.BigEndian.AppendUint64(val[:0], uint64(r.end))
		val = append(val, r.row...)
		b.Put(t.store, []byte(k), val)
	}
	clear(t.dirty)
}

// load restores the table from the store.
func (t *table) load(s *store.Store) error {
	return s.LoadPipeline(t.store, func(k, v []byte) error {
		if len(v) < 8 {
			return errors.New("view table: short row")
		}
		end := int64(binary.BigEndian.Uint64(v))
		t.rows[string(k)] = tableRow{end: end, row: bytes.Clone(v[8:])}
		if t.windowed && end > t.maxEnd {
			t.maxEnd = end
		}
		return nil
	})
}

// snapshot returns the rows ordered by window start then key (stable output
// for clients and tests).
func (t *table) snapshot() [][]byte {
	if len(t.rows) == 0 && len(t.ring) > 0 {
		out := make([][]byte, 0, len(t.ring))
		for i := range t.ring {
			out = append(out, t.ring[(t.ringPos+i)%len(t.ring)])
		}
		return out
	}
	keys := make([]string, 0, len(t.rows))
	for k := range t.rows {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := make([][]byte, len(keys))
	for i, k := range keys {
		out[i] = t.rows[k].row
	}
	return out
}
