package main

import (
	"bytes"
	"encoding/hex"
	"flag"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/rogpeppe/go-internal/txtar"

	"github.com/phoneload/phoneload/internal/conformance"
)

var update = flag.Bool("update", false, "rewrite the hex: lines of testdata/vectors/*.txtar")

// TestConformance runs every captured vector of Cisco's tool through the
// real command line: cfgfmt -t<ptag> <args> input.txt out, then compares
// the exit status, the stderr substring and out byte for byte.
func TestConformance(t *testing.T) {
	dir := conformance.Dir(t)
	files, _ := filepath.Glob(filepath.Join(dir, "cfgfmt", "*.txtar"))
	if len(files) == 0 {
		t.Fatalf("no vectors in %s/cfgfmt", dir)
	}
	for _, f := range files {
		t.Run(strings.TrimSuffix(filepath.Base(f), ".txtar"), func(t *testing.T) {
			runVector(t, f, filepath.Join(dir, "ptag"), false)
		})
	}
}

// TestVectors runs the project's own vectors, same format, tables in
// ../../cfgfmt/testdata. With -update the expected hex is rewritten
// (review the diff: it must be explained by a deliberate change).
func TestVectors(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join("testdata", "vectors", "*.txtar"))
	if len(files) == 0 {
		t.Fatal("no vectors")
	}
	ptags, _ := filepath.Abs(filepath.Join("..", "..", "cfgfmt", "testdata"))
	for _, f := range files {
		t.Run(strings.TrimSuffix(filepath.Base(f), ".txtar"), func(t *testing.T) {
			runVector(t, f, ptags, *update)
		})
	}
}

// vector is one case: the header lines of the conformance README, plus
// optional ones of ours: "hex.ex:" (the expected <out>.ex; "-" = none),
// "input-hex:" (a binary input.bin instead of -- input.txt --).
type vector struct {
	header map[string]string
	order  []string
	files  []txtar.File
}

func parseVector(t *testing.T, path string) (*vector, *txtar.Archive) {
	a, err := txtar.ParseFile(path)
	if err != nil {
		t.Fatal(err)
	}
	v := &vector{header: map[string]string{}, files: a.Files}
	for _, line := range strings.Split(strings.TrimRight(string(a.Comment), "\n"), "\n") {
		k, val, ok := strings.Cut(line, ":")
		if !ok {
			t.Fatalf("%s: bad header line %q", path, line)
		}
		v.header[k] = strings.TrimSpace(val)
		v.order = append(v.order, k)
	}
	for _, k := range []string{"ptag", "args", "exit", "hex", "stderr"} {
		if _, ok := v.header[k]; !ok {
			t.Fatalf("%s: no %s: header", path, k)
		}
	}
	return v, a
}

func runVector(t *testing.T, path, ptagDir string, rewrite bool) {
	v, a := parseVector(t, path)
	work := t.TempDir()
	input := "input.txt"
	for _, f := range v.files {
		if err := os.MkdirAll(filepath.Dir(filepath.Join(work, f.Name)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(work, f.Name), f.Data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if h, ok := v.header["input-hex"]; ok {
		b, err := hex.DecodeString(h)
		if err != nil {
			t.Fatal(err)
		}
		input = "input.bin"
		os.WriteFile(filepath.Join(work, input), b, 0o644)
	}
	args := []string{"-t" + filepath.Join(ptagDir, v.header["ptag"])}
	args = append(args, strings.Fields(v.header["args"])...)
	args = append(args, input, "out")
	t.Chdir(work)
	var stdout, stderr bytes.Buffer
	code := run(args, strings.NewReader(""), &stdout, &stderr)
	t.Logf("cfgfmt %s → exit %d\n%s", strings.Join(args, " "), code, stderr.String())

	wantExit, err := strconv.Atoi(v.header["exit"])
	if err != nil {
		t.Fatalf("bad exit: header %q", v.header["exit"])
	}
	// The exact status, not just success or failure: scripts around
	// cfgfmt branch on it, and usage errors (2) differ from failures (1).
	if code != wantExit {
		t.Errorf("exit status %d, want %d", code, wantExit)
	}
	if !strings.Contains(stderr.String(), v.header["stderr"]) {
		t.Errorf("stderr does not contain %q", v.header["stderr"])
	}
	got, err := os.ReadFile("out")
	gotHex := hex.EncodeToString(got)
	if err != nil {
		gotHex = ""
		if wantExit == 0 {
			t.Errorf("no output file: %v", err)
		}
	} else if code != 0 {
		t.Errorf("a failed run left an output file")
	}
	gotEx := "-"
	if b, err := os.ReadFile("out.ex"); err == nil {
		gotEx = hex.EncodeToString(b)
	}
	if rewrite {
		v.header["hex"] = gotHex
		if _, ok := v.header["hex.ex"]; ok || gotEx != "-" {
			if !ok {
				v.order = append(v.order, "hex.ex")
			}
			v.header["hex.ex"] = gotEx
		}
		var hdr strings.Builder
		for _, k := range v.order {
			hdr.WriteString(k + ": " + v.header[k] + "\n")
		}
		a.Comment = []byte(hdr.String())
		if err := os.WriteFile(filepath.Join(origDir(t), path), txtar.Format(a), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	if gotHex != v.header["hex"] {
		t.Errorf("output differs\n got %s\nwant %s", gotHex, v.header["hex"])
	}
	if want, ok := v.header["hex.ex"]; ok && gotEx != want {
		t.Errorf("out.ex differs\n got %s\nwant %s", gotEx, want)
	} else if !ok && gotEx != "-" {
		t.Errorf("unexpected out.ex %s", gotEx)
	}
}

var startDir, _ = os.Getwd()

func origDir(t *testing.T) string { return startDir }
