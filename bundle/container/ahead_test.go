package container

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// smallAhead makes reading ahead hold files of up to 8 bytes, 20 bytes a
// batch of 3 files, 2 batches ahead, for the test: some batches hold
// every file, some not all of those that would fit alone.
func smallAhead(t *testing.T) {
	t.Helper()
	m, h, b, s := aheadMax, aheadHold, aheadBatch, aheadSlots
	aheadMax, aheadHold, aheadBatch, aheadSlots = 8, 20, 3, 2
	t.Cleanup(func() { aheadMax, aheadHold, aheadBatch, aheadSlots = m, h, b, s })
}

// aheadTree writes n files to a new directory: in the root and one level
// down, of 0 to 20 bytes (some under aheadMax, some at it, some over).
func aheadTree(t *testing.T, n int) string {
	t.Helper()
	dir := t.TempDir()
	for i := range n {
		name := fmt.Sprintf("F%03d.cnf", i)
		if i%3 == 1 {
			name = fmt.Sprintf("sub/F%03d.cnf", i)
		}
		p := filepath.Join(dir, filepath.FromSlash(name))
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, bytes.Repeat([]byte{'a' + byte(i%26)}, i%21), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

type aheadSeen struct {
	Name string
	Size int64
	Mode fs.FileMode
	Data string
}

// collect walks dir with walkFn, reading part of each file as fn (the
// first 5 bytes: the rest is read by the walk itself), and returns what fn
// saw and the walk's error.
func collect(dir string, walkFn func(string, Limits, WalkFunc) error) ([]aheadSeen, error) {
	var got []aheadSeen
	err := walkFn(dir, Limits{}, func(e Entry, r io.Reader) error {
		b := make([]byte, 5)
		n, err := io.ReadFull(r, b)
		if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) {
			return err
		}
		got = append(got, aheadSeen{e.Name, e.Size, e.Mode, string(b[:n])})
		return nil
	})
	return got, err
}

// TestWalkAheadSameAsWalk: fn sees the same files, in the same order, with
// the same bytes, as through Walk, whether a file is held in memory (up to
// aheadMax) or read by fn from the open file.
func TestWalkAheadSameAsWalk(t *testing.T) {
	smallAhead(t)
	dir := aheadTree(t, 40)
	want, err := collect(dir, Walk)
	if err != nil || len(want) != 40 {
		t.Fatalf("Walk: %d files, %v", len(want), err)
	}
	got, err := collect(dir, WalkAhead)
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("WalkAhead saw (-Walk +WalkAhead):\n%s", d)
	}
	// The whole bytes too, through a reader read to its end.
	sums := func(walkFn func(string, Limits, WalkFunc) error) []string {
		var out []string
		if err := walkFn(dir, Limits{}, func(e Entry, r io.Reader) error {
			b, err := io.ReadAll(r)
			out = append(out, e.Name+"="+string(b))
			return err
		}); err != nil {
			t.Fatal(err)
		}
		return out
	}
	if d := cmp.Diff(sums(Walk), sums(WalkAhead)); d != "" {
		t.Errorf("whole files (-Walk +WalkAhead):\n%s", d)
	}
}

// TestWalkAheadErrors: a file changed or removed after the listing, and an
// error of fn, end WalkAhead where they end Walk: the same error, fn
// called for the same files before it. Nothing stays open.
func TestWalkAheadErrors(t *testing.T) {
	smallAhead(t)
	fnErr := errors.New("fn refused")
	cases := []struct {
		name string
		// change runs in fn of the first file, after the walk has
		// listed (and perhaps opened or read) the files ahead.
		change func(t *testing.T, dir string)
		failAt int // fn returns fnErr here (-1: never)
		want   error
		calls  int
	}{
		// The files in the root are the 2/3 of F000…F039 not in sub/, in
		// name order: F020 is the 13th (20 bytes, over aheadMax), F027
		// the 18th (6 bytes), F029 the 19th (8), F030 the 20th (9).
		{"removed far ahead, large", func(t *testing.T, dir string) { os.Remove(filepath.Join(dir, "F030.cnf")) }, -1, fs.ErrNotExist, 20},
		{"removed far ahead, small", func(t *testing.T, dir string) { os.Remove(filepath.Join(dir, "F029.cnf")) }, -1, fs.ErrNotExist, 19},
		{"grown far ahead, small", func(t *testing.T, dir string) { appendTo(t, filepath.Join(dir, "F027.cnf"), "more") }, -1, ErrChanged, 18},
		{"shrunk far ahead, large", func(t *testing.T, dir string) { os.Truncate(filepath.Join(dir, "F020.cnf"), 1) }, -1, ErrChanged, 13},
		{"fn fails", nil, 12, fnErr, 13},
		{"fn fails at the first", nil, 0, fnErr, 1},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			for _, w := range []struct {
				name string
				fn   func(string, Limits, WalkFunc) error
			}{{"Walk", Walk}, {"WalkAhead", WalkAhead}} {
				dir := aheadTree(t, 40)
				before := openFiles(t)
				calls := 0
				err := w.fn(dir, Limits{}, func(e Entry, r io.Reader) error {
					if calls == 0 && tc.change != nil {
						tc.change(t, dir)
					}
					calls++
					if calls-1 == tc.failAt {
						return fnErr
					}
					return nil
				})
				if !errors.Is(err, tc.want) {
					t.Errorf("%s: %v, want errors.Is %v", w.name, err, tc.want)
				}
				if calls != tc.calls {
					t.Errorf("%s: fn called %d times, want %d", w.name, calls, tc.calls)
				}
				if after := openFiles(t); after > before {
					t.Errorf("%s: %d files open before, %d after", w.name, before, after)
				}
			}
		})
	}
}

func appendTo(t *testing.T, p, s string) {
	t.Helper()
	f, err := os.OpenFile(p, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString(s)
	f.Close()
}

// openFiles counts this process's open descriptors (Linux), or returns 0.
func openFiles(t *testing.T) int {
	if runtime.GOOS != "linux" {
		return 0
	}
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Fatal(err)
	}
	return len(ents)
}

// TestHeldReader: the bytes, then the error the read ended with, for good.
func TestHeldReader(t *testing.T) {
	boom := errors.New("boom")
	h := &heldReader{data: []byte("abc"), err: boom}
	b, err := io.ReadAll(h)
	if string(b) != "abc" || err != boom {
		t.Errorf("ReadAll: %q, %v", b, err)
	}
	if n, err := h.Read(make([]byte, 4)); n != 0 || err != boom {
		t.Errorf("after the end: %d, %v", n, err)
	}
	if _, err := readHeld(strings.NewReader("123456789"), make([]byte, 4)); err == nil {
		t.Error("readHeld of more than its buffer: no error")
	}
}
