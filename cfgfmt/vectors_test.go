package cfgfmt_test

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/phoneload/phoneload/cfgfmt"
	"github.com/phoneload/phoneload/internal/cfgfmtvec"
)

// TestVectors runs the project's cfgfmt vectors (../testdata/cfgfmt, the
// files cmd/cfgfmt runs through the real command line) through the library
// itself: the options of each vector's args: line become Options, the run's
// exit status is 0 when Compile or Decode succeed, and "stderr" is the
// diagnostics plus the error. Vectors about the command line alone say so
// in a cli-only: line and are skipped here.
func TestVectors(t *testing.T) {
	for _, f := range cfgfmtvec.Glob(t, filepath.Join("..", "testdata", "cfgfmt")) {
		t.Run(cfgfmtvec.Name(f), func(t *testing.T) {
			v := cfgfmtvec.Load(t, f)
			if why, ok := v.Header["cli-only"]; ok {
				t.Skip("cli-only: " + why)
			}
			work := t.TempDir()
			input := v.Setup(t, work)
			tb, err := os.ReadFile(v.Table(t, "testdata"))
			if err != nil {
				t.Fatal(err)
			}
			tab, err := cfgfmt.ParseTable(v.Header["ptag"], tb)
			if err != nil {
				t.Fatal(err)
			}
			in, err := os.ReadFile(filepath.Join(work, input))
			if err != nil {
				t.Fatal(err)
			}
			v.Check(t, runLibrary(t, tab, work, input, in, v.Args()), false)
		})
	}
}

// runLibrary does what `cfgfmt <args> input out` does, with the library.
func runLibrary(t *testing.T, tab *cfgfmt.Table, work, input string, in []byte, args []string) cfgfmtvec.Result {
	opt := cfgfmt.Options{
		ExtensionName: "out.ex",
		ReadInclude:   func(p string) ([]byte, error) { return os.ReadFile(filepath.Join(work, p)) },
	}
	verbose := false
	for _, a := range args {
		switch {
		case a == "-sip":
			opt.Protocols |= cfgfmt.SIP
		case a == "-h323":
			opt.Protocols |= cfgfmt.H323
		case a == "-mgcp":
			opt.Protocols |= cfgfmt.MGCP
		case a == "-sccp":
			opt.Protocols |= cfgfmt.SCCP
		case a == "-g":
			opt.OmitSensitive = true
		case a == "-E":
			opt.IgnoreProfileKey = true
		case a == "-split":
			opt.ForceSplit = true
		case a == "-v":
			verbose = true
		case strings.HasPrefix(a, "-e"):
			k, err := cfgfmt.ParseKey(a[2:])
			if err != nil {
				t.Fatalf("%s: %v (a usage error: mark the vector cli-only)", a, err)
			}
			opt.Key = k
		default:
			t.Fatalf("option %q has no library equivalent: mark the vector cli-only", a)
		}
	}
	var r cfgfmtvec.Result
	fail := func(err error) cfgfmtvec.Result {
		r.Exit, r.Stderr = 1, r.Stderr+"error: "+err.Error()+"\n"
		r.Out, r.OutEx = nil, nil
		return r
	}
	if len(in) < cfgfmt.MinInputSize {
		return fail(&cfgfmt.SizeError{N: len(in)})
	}
	if bytes.HasPrefix(in, []byte("#txt")) {
		res, err := cfgfmt.Compile(tab, input, in, opt)
		for _, d := range res.Diagnostics {
			r.Stderr += d.String() + "\n"
		}
		if err != nil {
			return fail(errors.New("compile failed"))
		}
		r.Out, r.OutEx = res.Profile, res.Extension
		return r
	}
	dopt := cfgfmt.DecodeOptions{Protocols: opt.Protocols, Key: opt.Key}
	p, err := cfgfmt.Decode(tab, in, dopt)
	if err != nil {
		return fail(err)
	}
	text := p.Text(verbose)
	if p.Extension != "" {
		b, err := os.ReadFile(filepath.Join(work, filepath.Base(p.Extension)))
		if err == nil {
			ep, err := cfgfmt.Decode(tab, b, dopt)
			if err != nil {
				return fail(err)
			}
			text = append(text, ep.Text(false)[len("#txt\n"):]...)
		}
	}
	r.Out = text
	return r
}
