package print

import (
	"bytes"
	"context"
	"testing"
)

func TestPrint(t *testing.T) {
	var buf bytes.Buffer
	s := New(&buf, "order_summary")
	if err := s.Write(context.Background(), [][]byte{[]byte(`{"a":1}`), []byte(`{"a":2}`)}); err != nil {
		t.Fatal(err)
	}
	want := "order_summary> {\"a\":1}\norder_summary> {\"a\":2}\n"
	if buf.String() != want {
		t.Fatalf("got %q want %q", buf.String(), want)
	}
}

// writes records each Write call.
type writes struct{ calls [][]byte }

func (w *writes) Write(p []byte) (int, error) {
	w.calls = append(w.calls, bytes.Clone(p))
	return len(p), nil
}

// TestPrintWritesWholeLines: a batch larger than one write is split between
// lines, never inside one, so a process killed between two writes leaves
// no torn line; a line longer than the bound goes alone.
func TestPrintWritesWholeLines(t *testing.T) {
	w := &writes{}
	s := New(w, "v")
	var rows [][]byte
	for i := range 500 {
		rows = append(rows, bytes.Repeat([]byte{'a' + byte(i%26)}, 1+i%97))
	}
	rows = append(rows, bytes.Repeat([]byte{'z'}, 3*writeMax)) // longer than one write
	if err := s.Write(context.Background(), rows); err != nil {
		t.Fatal(err)
	}
	if len(w.calls) < 3 {
		t.Fatalf("%d writes for %d rows: the batch should be split", len(w.calls), len(rows))
	}
	var all []byte
	for i, c := range w.calls {
		if len(c) == 0 || c[len(c)-1] != '\n' {
			t.Fatalf("write %d does not end a line: ...%q", i, c[max(0, len(c)-20):])
		}
		if len(c) > writeMax && bytes.Count(c, []byte{'\n'}) != 1 {
			t.Fatalf("write %d is %d bytes with %d lines", i, len(c), bytes.Count(c, []byte{'\n'}))
		}
		all = append(all, c...)
	}
	var want []byte
	for _, r := range rows {
		want = append(append(append(want, "v> "...), r...), '\n')
	}
	if !bytes.Equal(all, want) {
		t.Fatal("the writes do not add up to the rows, in order")
	}
}
