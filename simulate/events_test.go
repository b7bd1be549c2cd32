package simulate

import (
	"bufio"
	"bytes"
	"encoding/json"
	"testing"
)

func TestWriteEvents(t *testing.T) {
	want := all(testCfg)
	var buf bytes.Buffer
	n := int64(len(want) - 5)
	if err := WriteEvents(&buf, testCfg, n); err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(&buf)
	i := 0
	for ; sc.Scan(); i++ {
		var e Event
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			t.Fatalf("line %d: %v", i+1, err)
		}
		m := want[i]
		if e.Topic != m.Topic || e.Payload != string(m.Payload) || e.Kind != m.Kind.String() || e.Reason != m.Reason ||
			e.Seq != m.Seq || e.TS != m.Time || e.Device != m.Device {
			t.Fatalf("line %d: %+v, message %+v", i+1, e, m)
		}
	}
	if int64(i) != n {
		t.Fatalf("%d lines, want %d", i, n)
	}
}
