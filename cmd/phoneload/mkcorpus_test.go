package main

import (
	"fmt"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/phoneload/phoneload/internal/badcontainer"
	"github.com/phoneload/phoneload/internal/cli"
)

// mkcorpus NAME… writes containers of internal/badcontainer into the
// script's working directory by file name: the bad-container corpus
// (`mkcorpus dotdot.zip crc.zip`, or `mkcorpus all`) and the good ones
// (good.zip, good.tar, good.tgz, good-tar-in-zip.zip).
func cmdMkcorpus(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) == 0 {
		ts.Fatalf("usage: mkcorpus NAME... | all")
	}
	cases := map[string][]byte{}
	for _, c := range badcontainer.Cases() {
		cases[c.File] = c.Data
	}
	good := map[string][]byte{}
	for _, c := range badcontainer.Good() {
		good[c.File] = c.Data
	}
	for _, name := range args {
		if name == "all" {
			for f, data := range cases {
				ts.Check(os.WriteFile(ts.MkAbs(f), data, 0o644))
			}
			continue
		}
		data, ok := cases[name]
		if !ok {
			data, ok = good[name]
		}
		if !ok {
			ts.Fatalf("mkcorpus: no container %q", name)
		}
		ts.Check(os.WriteFile(ts.MkAbs(name), data, 0o644))
	}
}

// TestRefusalScript keeps testdata/script/unpack_refusals.txt in step with
// the corpus: between its corpus markers, every container is unpacked with
// the limits it needs and its whole message expected, then `! exists out`.
// UPDATE_SCRIPTS=1 rewrites that block.
func TestRefusalScript(t *testing.T) {
	const path = "testdata/script/unpack_refusals.txt"
	const begin, end = "# corpus: begin\n", "# corpus: end\n"
	script, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	i, j := strings.Index(string(script), begin), strings.Index(string(script), end)
	if i < 0 || j < i {
		t.Fatalf("%s: no %q … %q block", path, begin, end)
	}
	var b strings.Builder
	for _, c := range badcontainer.Cases() {
		flags := ""
		if c.Limits.MaxFiles > 0 {
			flags += fmt.Sprintf(" --max-files %d", c.Limits.MaxFiles)
		}
		if c.Limits.MaxFileSize > 0 {
			flags += fmt.Sprintf(" --max-file-size %d", c.Limits.MaxFileSize)
		}
		if c.Limits.MaxTotalSize > 0 {
			flags += fmt.Sprintf(" --max-total-size %d", c.Limits.MaxTotalSize)
		}
		// What the user reads: cli.Report drops the package prefix.
		msg := regexp.QuoteMeta(strings.ReplaceAll(cli.StripPrefixes(c.Msg), "'", "''"))
		fmt.Fprintf(&b, "! exec phoneload unpack%s %s out\nstderr '^phoneload: error: %s$'\n", flags, c.File, msg)
		// A limit refusal names the flag that sets the limit; a size lie
		// gets no hint, since no flag makes it acceptable.
		switch {
		case strings.Contains(c.Msg, "Limits."):
			b.WriteString("stderr '^phoneload: hint: .*--max-file-size, --max-total-size, --max-files and --max-ratio'\n")
		case strings.Contains(c.Msg, "too large"):
			b.WriteString("! stderr 'hint'\n")
		}
		b.WriteString("! exists out\n\n")
	}
	got := string(script[i+len(begin) : j])
	if got == b.String() {
		return
	}
	if os.Getenv("UPDATE_SCRIPTS") != "" {
		out := string(script[:i+len(begin)]) + b.String() + string(script[j:])
		if err := os.WriteFile(path, []byte(out), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	t.Errorf("%s is out of step with internal/badcontainer; run UPDATE_SCRIPTS=1 go test ./cmd/phoneload -run TestRefusalScript", path)
}
