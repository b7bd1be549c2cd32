package pipeline

import (
	"bytes"
	"encoding/binary"
	"errors"
	"hash/maphash"
	"slices"
	"strings"

	"github.com/eddy-iot/eddy/edge/store"
	"github.com/eddy-iot/eddy/windows"
)

// table holds the latest row of each group (and window) of a view, for GET
// /v1/views/{name}. The rows live in the store, written with the batch that
// made them; in memory are only the changes not yet handed to a batch and a
// set of 8-byte hashes of the stored keys (for the row count), so a view of
// 10k groups does not keep its rows twice. After a restart the table is
// what it was at the last commit.
//
// Windowed views keep the rows of the last keep windows' worth of event
// time behind the newest window end seen; a plain GROUP BY keeps one row
// per group. A non-aggregating view keeps its last rows in memory only.
type table struct {
	st       *store.Store
	store    string // the store's pipeline name
	windowed bool
	span     int64 // window length, ms (retention unit)
	keep     int64

	// pend are the changes since the last flush: row key → the window end
	// (8 bytes, big endian) and the row; nil = delete.
	pend map[string][]byte
	// keys holds a hash of every row key that is or will be in the store.
	keys   map[uint64]struct{}
	maxEnd int64
	pruned int64 // maxEnd at the last prune

	ring    [][]byte // non-aggregating views
	ringPos int

	keyBuf []byte
}

const ringRows = 100

// tableSeed hashes row keys; a collision only miscounts a row.
var tableSeed = maphash.MakeSeed()

func newTable(st *store.Store, storeName string, windowed bool, span int64, keep int) *table {
	if keep <= 0 {
		keep = 3
	}
	return &table{st: st, store: "table:" + storeName, windowed: windowed, span: span, keep: int64(keep),
		pend: map[string][]byte{}, keys: map[uint64]struct{}{}}
}

func keyHash(k []byte) uint64 { return maphash.Bytes(tableSeed, k) }

func rowEnd(v []byte) int64 { return int64(binary.BigEndian.Uint64(v)) }

func (t *table) put(key []byte, w windows.Window, row []byte) {
	t.keyBuf = resultKey(t.keyBuf[:0], key, w)
	v := t.pend[string(t.keyBuf)]
	v = binary.BigEndian.AppendUint64(v[:0], uint64(w.End))
	t.pend[string(t.keyBuf)] = append(v, row...)
	t.keys[keyHash(t.keyBuf)] = struct{}{}
	if t.windowed && w.End > t.maxEnd {
		t.maxEnd = w.End
	}
}

func (t *table) remove(key string, w windows.Window) {
	t.keyBuf = resultKey(t.keyBuf[:0], []byte(key), w)
	h := keyHash(t.keyBuf)
	if _, ok := t.keys[h]; ok {
		t.pend[string(t.keyBuf)] = nil
		delete(t.keys, h)
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

// rows is the number of rows the table holds (or will once committed).
func (t *table) rows() int { return len(t.keys) + len(t.ring) }

// prune drops windows older than the retention, at most once per window
// span. It scans the committed rows: a row of the batch being committed is
// dropped at the next prune.
func (t *table) prune() {
	if !t.windowed || t.span <= 0 || t.maxEnd-t.pruned < t.span {
		return
	}
	t.pruned = t.maxEnd
	limit := t.maxEnd - t.keep*t.span
	for k, v := range t.pend {
		if v != nil && rowEnd(v) <= limit {
			t.pend[k] = nil
			delete(t.keys, keyHash([]byte(k)))
		}
	}
	if t.st == nil {
		return
	}
	_ = t.st.LoadPipeline(t.store, func(k, v []byte) error {
		if len(v) < 8 || rowEnd(v) > limit {
			return nil
		}
		if p, ok := t.pend[string(k)]; ok && p != nil && rowEnd(p) > limit {
			return nil // a newer revision (a session that grew) is pending
		}
		t.pend[string(k)] = nil
		delete(t.keys, keyHash(k))
		return nil
	})
}

// flush writes the changed rows into b.
func (t *table) flush(b *store.Batch) {
	if len(t.pend) == 0 {
		return
	}
	for k, v := range t.pend {
		if v == nil {
			b.Delete(t.store, []byte(k))
		} else {
			b.Put(t.store, []byte(k), v)
		}
	}
	if len(t.pend) > 4096 {
		t.pend = map[string][]byte{} // do not keep a burst's buckets
	} else {
		clear(t.pend)
	}
}

// load restores the table's index from the store.
func (t *table) load(s *store.Store) error {
	return s.LoadPipeline(t.store, func(k, v []byte) error {
		if len(v) < 8 {
			return errors.New("view table: short row")
		}
		t.keys[keyHash(k)] = struct{}{}
		if end := rowEnd(v); t.windowed && end > t.maxEnd {
			t.maxEnd = end
		}
		return nil
	})
}

// tableView is what snapshot needs of a table, copied under the
// pipeline's lock so that reading the store does not hold it.
type tableView struct {
	st    *store.Store
	store string
	ring  [][]byte          // non-aggregating views: the rows
	pend  map[string][]byte // copies of the pending changes
	n     int
}

// view copies the in-memory part of the table; the caller holds p.mu.
func (t *table) view() tableView {
	tv := tableView{st: t.st, store: t.store, n: len(t.keys)}
	if len(t.keys) == 0 && len(t.ring) > 0 {
		for i := range t.ring {
			tv.ring = append(tv.ring, bytes.Clone(t.ring[(t.ringPos+i)%len(t.ring)]))
		}
		return tv
	}
	tv.pend = make(map[string][]byte, len(t.pend))
	for k, v := range t.pend {
		tv.pend[k] = bytes.Clone(v)
	}
	return tv
}

// snapshot returns the rows ordered by window start then key (stable output
// for clients and tests): the committed rows with the pending changes over
// them. The rows of a batch being committed show once it is.
func (t *table) snapshot() ([][]byte, error) { return t.view().snapshot() }

func (tv tableView) snapshot() ([][]byte, error) {
	if tv.ring != nil {
		return tv.ring, nil
	}
	type kv struct {
		k string
		v []byte
	}
	rows := make([]kv, 0, tv.n)
	if tv.st != nil {
		err := tv.st.LoadPipeline(tv.store, func(k, v []byte) error {
			if _, ok := tv.pend[string(k)]; ok || len(v) < 8 {
				return nil
			}
			rows = append(rows, kv{string(k), bytes.Clone(v[8:])})
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	for k, v := range tv.pend {
		if v != nil {
			rows = append(rows, kv{k, v[8:]})
		}
	}
	slices.SortFunc(rows, func(a, b kv) int { return strings.Compare(a.k, b.k) })
	out := make([][]byte, len(rows))
	for i := range rows {
		out[i] = rows[i].v
	}
	return out, nil
}
