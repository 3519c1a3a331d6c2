// Package cfgfmtvec reads the cfgfmt test vectors (testdata/cfgfmt/*.txtar
// and ../shared/conformance/cfgfmt/*.txtar) and checks a run against them.
// Two runners use it: cmd/cfgfmt (through the real command line) and the
// cfgfmt library (through Compile and Decode). It is for tests only.
//
// A vector is a txtar archive whose comment holds header lines:
//
//	ptag:      tag table, in the runner's table directory
//	args:      extra cfgfmt options
//	exit:      expected exit status (0, or 1 for any failure)
//	hex:       expected output file, hex ("" = none)
//	stderr:    substring expected on stderr ("" = anything)
//	hex.ex:    expected <out>.ex ("-" = none)            [optional]
//	hex.x:     expected <out>.x ("-" = none)             [optional]
//	stdout:    substring expected on stdout               [optional]
//	input-hex: a binary input.bin instead of input.txt   [optional]
//	cli-only:  why the library runner skips it            [optional]
//
// A ptag of the form conformance/<file> names a real table in
// ../shared/conformance/ptag (the test skips when that folder is absent).
// The files of the archive (input.txt, includes) are written to the work
// directory; the run is `cfgfmt -t<ptag> <args> <input> out`.
package cfgfmtvec

import (
	"encoding/hex"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/rogpeppe/go-internal/txtar"

	"github.com/phoneload/phoneload/internal/conformance"
)

// Vector is one parsed case.
type Vector struct {
	Path    string
	Header  map[string]string
	order   []string
	archive *txtar.Archive
}

// Glob lists the vectors in dir.
func Glob(t testing.TB, dir string) []string {
	files, _ := filepath.Glob(filepath.Join(dir, "*.txtar"))
	if len(files) == 0 {
		t.Fatalf("no vectors in %s", dir)
	}
	return files
}

// Name is the vector's file name without .txtar, for t.Run.
func Name(path string) string { return strings.TrimSuffix(filepath.Base(path), ".txtar") }

// Load parses the vector at path.
func Load(t testing.TB, path string) *Vector {
	a, err := txtar.ParseFile(path)
	if err != nil {
		t.Fatal(err)
	}
	v := &Vector{Path: path, Header: map[string]string{}, archive: a}
	for _, line := range strings.Split(strings.TrimRight(string(a.Comment), "\n"), "\n") {
		k, val, ok := strings.Cut(line, ":")
		if !ok {
			t.Fatalf("%s: bad header line %q", path, line)
		}
		v.Header[k] = strings.TrimSpace(val)
		v.order = append(v.order, k)
	}
	for _, k := range []string{"ptag", "args", "exit", "hex", "stderr"} {
		if _, ok := v.Header[k]; !ok {
			t.Fatalf("%s: no %s: header", path, k)
		}
	}
	return v
}

// Table returns the path of the vector's tag table: in dir, or for
// conformance/<file> in the shared conformance folder (skipping the test
// when it is absent).
func (v *Vector) Table(t testing.TB, dir string) string {
	p := v.Header["ptag"]
	if rest, ok := strings.CutPrefix(p, "conformance/"); ok {
		return filepath.Join(conformance.Dir(t), "ptag", rest)
	}
	return filepath.Join(dir, p)
}

// Args are the extra options, split on blanks.
func (v *Vector) Args() []string { return strings.Fields(v.Header["args"]) }

// Exit is the expected exit status.
func (v *Vector) Exit(t testing.TB) int {
	n, err := strconv.Atoi(v.Header["exit"])
	if err != nil {
		t.Fatalf("%s: bad exit: header %q", v.Path, v.Header["exit"])
	}
	return n
}

// Setup writes the vector's files into dir and returns the input's name
// (input.txt, or input.bin for input-hex).
func (v *Vector) Setup(t testing.TB, dir string) string {
	for _, f := range v.archive.Files {
		p := filepath.Join(dir, f.Name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, f.Data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	h, ok := v.Header["input-hex"]
	if !ok {
		return "input.txt"
	}
	b, err := hex.DecodeString(h)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "input.bin"), b, 0o644); err != nil {
		t.Fatal(err)
	}
	return "input.bin"
}

// Result is what a run produced. Out and OutEx are nil when the file was
// not written.
type Result struct {
	Exit             int
	Stdout, Stderr   string
	Out, OutEx, OutX []byte
}

// Check compares r with the vector: the exact exit status (scripts branch
// on it), the stderr substring, and the output bytes; a failed run must
// leave no output. With rewrite, the hex: and hex.ex: lines are replaced
// by r's instead (review the diff: it must be explained by a deliberate
// change).
func (v *Vector) Check(t testing.TB, r Result, rewrite bool) {
	t.Helper()
	want := v.Exit(t)
	if r.Exit != want {
		t.Errorf("exit status %d, want %d", r.Exit, want)
	}
	if !strings.Contains(r.Stderr, v.Header["stderr"]) {
		t.Errorf("stderr does not contain %q", v.Header["stderr"])
	}
	if w, ok := v.Header["stdout"]; ok && !strings.Contains(r.Stdout, w) {
		t.Errorf("stdout does not contain %q", w)
	}
	gotHex := hex.EncodeToString(r.Out)
	if r.Out == nil && want == 0 {
		t.Errorf("no output file")
	}
	if r.Out != nil && r.Exit != 0 {
		t.Errorf("a failed run left an output file")
	}
	gotEx := "-"
	if r.OutEx != nil {
		gotEx = hex.EncodeToString(r.OutEx)
	}
	gotX := "-"
	if r.OutX != nil {
		gotX = hex.EncodeToString(r.OutX)
	}
	if rewrite {
		v.rewrite(t, gotHex, gotEx, gotX)
		return
	}
	if w, ok := v.Header["hex.x"]; ok && gotX != w {
		t.Errorf("out.x differs\n got %s\nwant %s", gotX, w)
	}
	if gotHex != v.Header["hex"] {
		t.Errorf("output differs\n got %s\nwant %s", gotHex, v.Header["hex"])
	}
	if w, ok := v.Header["hex.ex"]; ok && gotEx != w {
		t.Errorf("out.ex differs\n got %s\nwant %s", gotEx, w)
	} else if !ok && gotEx != "-" {
		t.Errorf("unexpected out.ex %s", gotEx)
	}
}

func (v *Vector) rewrite(t testing.TB, gotHex, gotEx, gotX string) {
	v.Header["hex"] = gotHex
	if _, ok := v.Header["hex.x"]; ok {
		v.Header["hex.x"] = gotX
	}
	if _, ok := v.Header["hex.ex"]; ok || gotEx != "-" {
		if !ok {
			v.order = append(v.order, "hex.ex")
		}
		v.Header["hex.ex"] = gotEx
	}
	var hdr strings.Builder
	for _, k := range v.order {
		hdr.WriteString(k + ": " + v.Header[k] + "\n")
	}
	v.archive.Comment = []byte(hdr.String())
	if err := os.WriteFile(v.Path, txtar.Format(v.archive), 0o644); err != nil {
		t.Fatal(err)
	}
}
