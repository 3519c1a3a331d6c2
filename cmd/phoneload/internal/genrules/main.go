// Command genrules writes docs/rules.md from check's rule registry
// (bundle.Rules), so that the documentation cannot drift from the code.
// Run `go run ./cmd/phoneload/internal/genrules docs/rules.md`; a test fails when the file
// is stale.
package main

import (
	"bytes"
	"fmt"
	"os"
	"strings"

	"github.com/phoneload/phoneload/bundle/check"

	"github.com/phoneload/phoneload/internal/atomicfile"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: genrules FILE")
		os.Exit(2)
	}
	if err := atomicfile.WriteFile(os.Args[1], markdown(), 0o644); err != nil {
		fmt.Fprintln(os.Stderr, "genrules:", err)
		os.Exit(1)
	}
}

// markdown renders the registry: an index table, then one section per area.
func markdown() []byte {
	var b bytes.Buffer
	rules := check.Rules()
	b.WriteString(`# check rules

<!-- Generated from the rule registry (bundle/check/rules.go) by
     go run ./cmd/phoneload/internal/genrules docs/rules.md — do not edit. -->

` + "`phoneload check`" + ` runs every rule below over a TFTP root or a firmware drop.
Rule ids are stable: pass them to ` + "`--ignore`" + ` and read them from ` + "`--json`" + `
output (docs/check.md). Errors leave some phone unable to boot the root and
make check exit 1; warnings do so only with ` + "`--strict`" + `; info never does.
Rules marked *fleet* are judged per phone with ` + "`--fleet`" + `, and from the
root alone (with the assumption stated in the report) without it.

| rule | severity | title |
|---|---|---|
`)
	for _, r := range rules {
		fleet := ""
		if r.Fleet {
			fleet = " (fleet)"
		}
		fmt.Fprintf(&b, "| [`%s`](#%s) | %s%s | %s |\n", r.ID, r.ID, r.Severity, fleet, cell(r.Title))
	}
	area := ""
	for _, r := range rules {
		if r.Area != area {
			area = r.Area
			fmt.Fprintf(&b, "\n## %s\n", area)
		}
		fmt.Fprintf(&b, "\n### %s\n\n", r.ID)
		fmt.Fprintf(&b, "%s. Severity: **%s**", capitalise(r.Title), r.Severity)
		if r.Fleet {
			b.WriteString("; judged per phone with `--fleet`")
		}
		b.WriteString(".\n\n")
		fmt.Fprintf(&b, "- On the phone: %s.\n", r.Symptom)
		fmt.Fprintf(&b, "- Fix: %s.\n", r.Fix)
	}
	return b.Bytes()
}

func cell(s string) string { return strings.ReplaceAll(s, "|", `\|`) }

func capitalise(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}
