package file

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

func lines(t *testing.T, p string) []string {
	t.Helper()
	f, err := os.Open(p)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		out = append(out, sc.Text())
	}
	return out
}

func TestRotateKeepsBoundedFilesAndLosesNothingRecent(t *testing.T) {
	p := filepath.Join(t.TempDir(), "out.jsonl")
	row := func(i int) []byte { return []byte(fmt.Sprintf(`{"i":%03d}`, i)) } // 9 bytes + newline
	s, err := New(Options{Path: p, MaxBytes: 50, Keep: 2})
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 23; i++ {
		if err := s.Write(context.Background(), [][]byte{row(i)}); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	// 5 rows per file: current holds 20..22, .1 holds 15..19, .2 holds 10..14, older dropped.
	check := func(path string, from, to int) {
		t.Helper()
		got := lines(t, path)
		if len(got) != to-from {
			t.Fatalf("%s: %d lines %v, want rows %d..%d", filepath.Base(path), len(got), got, from, to-1)
		}
		for i, l := range got {
			if l != string(row(from+i)) {
				t.Fatalf("%s line %d = %s, want %s", filepath.Base(path), i, l, row(from+i))
			}
		}
	}
	check(p, 20, 23)
	check(p+".1", 15, 20)
	check(p+".2", 10, 15)
	if _, err := os.Stat(p + ".3"); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf(".3 exists: %v", err)
	}
}

func TestAppendsAcrossReopen(t *testing.T) {
	p := filepath.Join(t.TempDir(), "out.jsonl")
	for i := 0; i < 2; i++ {
		s, err := New(Options{Path: p, Sync: true})
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Write(context.Background(), [][]byte{[]byte(fmt.Sprint(i))}); err != nil {
			t.Fatal(err)
		}
		s.Close()
	}
	if got := lines(t, p); len(got) != 2 || got[0] != "0" || got[1] != "1" {
		t.Fatalf("got %v", got)
	}
}

func TestErrors(t *testing.T) {
	if _, err := New(Options{}); !errors.Is(err, ErrNoPath) {
		t.Fatalf("err = %v", err)
	}
	if _, err := New(Options{Path: filepath.Join(t.TempDir(), "missing", "x")}); err == nil {
		t.Fatal("open in a missing directory succeeded")
	}
}
