package main

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/phoneload/phoneload/internal/cfgfmtvec"
	"github.com/phoneload/phoneload/internal/conformance"
)

var update = flag.Bool("update", false, "rewrite the hex: lines of ../../testdata/cfgfmt/*.txtar")

// TestConformance runs every captured vector of Cisco's tool through the
// real command line: cfgfmt -t<ptag> <args> input.txt out, then compares
// the exit status, the stderr substring and out byte for byte.
func TestConformance(t *testing.T) {
	dir := conformance.Dir(t)
	for _, f := range cfgfmtvec.Glob(t, filepath.Join(dir, "cfgfmt")) {
		t.Run(cfgfmtvec.Name(f), func(t *testing.T) {
			runVector(t, f, filepath.Join(dir, "ptag"), false)
		})
	}
}

// TestVectors runs the project's own vectors (../../testdata/cfgfmt, tables
// in ../../cfgfmt/testdata) through the real command line; the cfgfmt
// library runs the same files through Compile and Decode. With -update the
// expected hex is rewritten (review the diff: it must be explained by a
// deliberate change).
func TestVectors(t *testing.T) {
	ptags, _ := filepath.Abs(filepath.Join("..", "..", "cfgfmt", "testdata"))
	for _, f := range cfgfmtvec.Glob(t, filepath.Join("..", "..", "testdata", "cfgfmt")) {
		f, _ := filepath.Abs(f)
		t.Run(cfgfmtvec.Name(f), func(t *testing.T) {
			runVector(t, f, ptags, *update)
		})
	}
}

func runVector(t *testing.T, path, ptagDir string, rewrite bool) {
	v := cfgfmtvec.Load(t, path)
	work := t.TempDir()
	input := v.Setup(t, work)
	args := []string{"-t" + v.Table(t, ptagDir)}
	args = append(args, v.Args()...)
	args = append(args, input, "out")
	t.Chdir(work)
	var stdout, stderr bytes.Buffer
	code := run(args, strings.NewReader(""), &stdout, &stderr)
	t.Logf("cfgfmt %s → exit %d\n%s", strings.Join(args, " "), code, stderr.String())
	r := cfgfmtvec.Result{Exit: code, Stdout: stdout.String(), Stderr: stderr.String()}
	r.Out, _ = os.ReadFile("out")
	r.OutEx, _ = os.ReadFile("out.ex")
	r.OutX, _ = os.ReadFile("out.x")
	v.Check(t, r, rewrite)
}
