package cfgfmtcli

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/phoneload/phoneload/cfgfmt"
	"github.com/phoneload/phoneload/internal/atomicfile"
	"github.com/phoneload/phoneload/internal/cli"
)

// OutputName derives the name Cisco's tools give the binary of a text
// profile: gk0011223344aa.txt → gk0011223344aa, and the shared defaults
// gkdefault.txt → gkdefault.cfg (same for ld and ata) [Cisco file names].
func OutputName(input string) (string, error) {
	base := filepath.Base(input)
	stem, ok := strings.CutSuffix(base, ".txt")
	if !ok || stem == "" {
		return "", fmt.Errorf("%s: cannot name the output: a text profile is NAME.txt", input)
	}
	if defaultName().MatchString(stem) {
		return stem + ".cfg", nil
	}
	return stem, nil
}

var (
	defaultName = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`(?i)^(gk|ld|ata)default$`) })
	deviceName  = sync.OnceValue(func() *regexp.Regexp {
		return regexp.MustCompile(`(?i)^((gk|ld|ata)[0-9a-f]{12}|(gk|ld|ata)default\.cfg)$`)
	})
)

// caseWarning warns when an output is a device's file name (ata<mac>,
// ld<mac>, gk<mac>, the shared defaults) in anything but lower case: the
// device asks for the lower-case name [Cisco], and a case-sensitive TFTP
// server would not find the file. The output is still written as named.
func caseWarning(input, output string) *cfgfmt.Diagnostic {
	name := filepath.Base(output)
	if !deviceName().MatchString(name) || strings.ToLower(name) == name {
		return nil
	}
	return &cfgfmt.Diagnostic{File: input, Severity: cfgfmt.SeverityWarning, Message: "device file name not in lower case",
		Detail: fmt.Sprintf("the device asks its TFTP server for %s; %s is written as named", strings.ToLower(name), output)}
}

// BatchOptions control Batch.
type BatchOptions struct {
	Table   *cfgfmt.Table
	Options cfgfmt.Options // ExtensionName and ReadInclude are set per file
	OutDir  string
	Jobs    int // parallel compilations; 0 = GOMAXPROCS
}

// FileResult is the outcome for one profile; it is also the --json schema
// of `phoneload compile` (see docs/cfgfmt.md).
type FileResult struct {
	Input       string              `json:"input"`
	Output      string              `json:"output"`
	Extension   string              `json:"extension,omitempty"`
	Bytes       int                 `json:"bytes"`
	Records     int                 `json:"records"`
	Encrypted   bool                `json:"encrypted"`
	OK          bool                `json:"ok"`
	Unchanged   bool                `json:"unchanged"` // outputs already held these bytes: not rewritten
	Error       string              `json:"error,omitempty"`
	Diagnostics []cfgfmt.Diagnostic `json:"diagnostics"`

	compiled bool      // Compile succeeded (its bytes are not kept: 10,000 results would hold them all)
	pending  []pending // temporary files waiting to be renamed, extension first
}

// Batch compiles every input into OutDir in parallel. Each profile either
// gets complete outputs or none; one failing profile does not stop the
// others. Outputs are written to temporary files, made durable with one
// filesystem sync, and only then renamed into place, so a crash never leaves
// a torn profile, and 10,000 profiles do not cost 10,000 fsyncs.
func Batch(inputs []string, bo BatchOptions) ([]FileResult, error) {
	if fi, err := os.Stat(bo.OutDir); err != nil || !fi.IsDir() {
		if err == nil {
			err = fmt.Errorf("not a directory")
		}
		return nil, fmt.Errorf("output directory %s: %v", bo.OutDir, err)
	}
	results := make([]FileResult, len(inputs))
	seen := map[string]string{}
	for i, in := range inputs {
		r := &results[i]
		r.Input = in
		r.Diagnostics = []cfgfmt.Diagnostic{} // [] rather than null in JSON
		name, err := OutputName(in)
		if err != nil {
			r.Error = cli.Message(err)
			continue
		}
		r.Output = filepath.Join(bo.OutDir, name)
		if prev, dup := seen[r.Output]; dup {
			r.Error = fmt.Sprintf("%s: output %s already comes from %s", in, r.Output, prev)
			r.Output = ""
			continue
		}
		seen[r.Output] = in
	}
	jobs := bo.Jobs
	if jobs <= 0 {
		jobs = runtime.GOMAXPROCS(0)
	}
	parallel(len(results), jobs, func(i int) {
		if results[i].Error == "" {
			compileTo(&results[i], bo)
		}
	})

	var tmps []string
	for i := range results {
		for _, p := range results[i].pending {
			tmps = append(tmps, p.tmp)
		}
	}
	if err := syncFiles(bo.OutDir, tmps); err != nil {
		for i := range results {
			r := &results[i]
			for _, p := range r.pending {
				os.Remove(p.tmp)
			}
			if len(r.pending) > 0 {
				r.pending, r.Error = nil, fmt.Sprintf("cannot write output file (sync: %v)", err)
			}
		}
		return results, fmt.Errorf("output directory %s: sync: %v", bo.OutDir, err)
	}
	parallel(len(results), jobs, func(i int) {
		r := &results[i]
		for _, p := range r.pending {
			if err := os.Rename(p.tmp, p.target); err != nil && r.Error == "" {
				r.Error = fmt.Sprintf("cannot write output file (%v)", err)
			}
		}
		r.pending = nil
		r.OK = r.Error == "" && r.compiled
	})
	if err := atomicfile.SyncDir(bo.OutDir); err != nil {
		return results, err
	}
	return results, nil
}

// parallel calls fn(0..n-1) on jobs goroutines, handing out indexes in
// order through an atomic counter.
func parallel(n, jobs int, fn func(i int)) {
	var next atomic.Int64
	var wg sync.WaitGroup
	for range min(jobs, n) {
		wg.Go(func() {
			for {
				i := int(next.Add(1)) - 1
				if i >= n {
					return
				}
				fn(i)
			}
		})
	}
	wg.Wait()
}

func readIncludeFast(path string) ([]byte, error) { return readFile(path, cfgfmt.MaxProfileSize) }

// compileTo compiles one profile and writes its bytes to temporary files.
func compileTo(r *FileResult, bo BatchOptions) {
	in, err := readFile(r.Input, cfgfmt.MaxProfileSize)
	if err != nil {
		r.Error = fmt.Sprintf("cannot open input file (%v)", err)
		return
	}
	opt := bo.Options
	opt.ExtensionName = filepath.Base(r.Output) + ".ex"
	opt.ReadInclude = readIncludeFast
	res, err := cfgfmt.Compile(bo.Table, r.Input, in, opt)
	if res.Diagnostics != nil {
		r.Diagnostics = res.Diagnostics
	}
	if err != nil {
		n := len(err.(cfgfmt.Errors))
		r.Error = fmt.Sprintf("%d %s, no output written", n, plural(n, "error"))
		return
	}
	if d := caseWarning(r.Input, r.Output); d != nil {
		r.Diagnostics = append(r.Diagnostics, *d)
	}
	r.compiled = true
	r.Bytes, r.Records, r.Encrypted = len(res.Profile), len(res.Records), res.Encrypted
	// The extension first: a base file never names a missing extension.
	files := []pending{{target: r.Output}}
	if res.Extension != nil {
		r.Extension = r.Output + ".ex"
		files = []pending{{target: r.Extension}, {target: r.Output}}
	}
	r.Unchanged = true
	for _, p := range files {
		b := res.Profile
		if p.target == r.Extension {
			b = res.Extension
		}
		// Re-provisioning a fleet mostly regenerates identical profiles:
		// leave those files alone (no write, same mtime for TFTP caches).
		if old, err := readFile(p.target, int64(len(b))); err == nil && bytes.Equal(old, b) {
			continue
		}
		r.Unchanged = false
		t, err := writeTemp(filepath.Dir(r.Output), b)
		if err != nil {
			for _, old := range r.pending {
				os.Remove(old.tmp)
			}
			r.pending = nil
			r.Error = fmt.Sprintf("cannot write output file (%v)", err)
			return
		}
		p.tmp = t
		r.pending = append(r.pending, p)
	}
}

// pending is an output written to a temporary file, to be renamed.
type pending struct{ tmp, target string }

// Summary counts the outcome of a batch.
type Summary struct {
	Profiles  int `json:"profiles"`
	Compiled  int `json:"compiled"`
	Failed    int `json:"failed"`
	Unchanged int `json:"unchanged"` // compiled, but the outputs already held these bytes
	Warnings  int `json:"warnings"`
	Errors    int `json:"errors"`
}

// Summarize counts results.
func Summarize(rs []FileResult) Summary {
	s := Summary{Profiles: len(rs)}
	for _, r := range rs {
		if r.OK {
			s.Compiled++
			if r.Unchanged {
				s.Unchanged++
			}
		} else {
			s.Failed++
		}
		errs := 0
		for _, d := range r.Diagnostics {
			switch d.Severity {
			case cfgfmt.SeverityWarning:
				s.Warnings++
			case cfgfmt.SeverityError:
				errs++
			}
		}
		if !r.OK && errs == 0 {
			errs = 1 // unreadable input, unwritable output, bad name
		}
		s.Errors += errs
	}
	return s
}
