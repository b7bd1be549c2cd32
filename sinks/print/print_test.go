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
