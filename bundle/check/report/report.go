// Package report writes a check.Report in the formats CI systems read:
// SARIF 2.1.0 (code review annotations: GitHub code scanning and other
// SARIF viewers) and JUnit XML (test reports: GitLab, Jenkins). It only
// encodes: it never prints, and the caller chooses the writer.
//
// Limits: one SARIF run per report; JUnit times are the whole check's
// (rules run interleaved over one pass of the drop, so no per-rule time
// exists).
package report

import (
	"strconv"
	"strings"

	"github.com/phoneload/phoneload/bundle/check"
)

// Tool describes the program that made the report, for SARIF's
// tool.driver and JUnit's suite names.
type Tool struct {
	Name    string // "phoneload"
	Version string // "v1.2.3", or "devel"
	// InformationURI is the project's home page; rule help links are
	// RulesURI + "#" + rule id.
	InformationURI string
	RulesURI       string
}

// DefaultTool returns phoneload's Tool for version: rule links point at
// docs/rules.md of that tag when version is a release tag (v1.2.3), else at
// the main branch.
func DefaultTool(version string) Tool {
	const home = "https://github.com/phoneload/phoneload"
	ref := "main"
	if isTag(version) {
		ref = version
	}
	return Tool{
		Name:           "phoneload",
		Version:        version,
		InformationURI: home,
		RulesURI:       home + "/blob/" + ref + "/docs/rules.md",
	}
}

// isTag reports whether v looks like a release tag: v, digits and dots,
// nothing else (no -dirty, no pseudo-version).
func isTag(v string) bool {
	if !strings.HasPrefix(v, "v") || len(v) < 2 {
		return false
	}
	for _, c := range v[1:] {
		if c != '.' && (c < '0' || c > '9') {
			return false
		}
	}
	return true
}

// location returns a finding's file (or "" for the root as a whole) and line.
func location(f check.Finding) (string, int) { return f.File, f.Line }

// where is how a finding's place is written in text: "file:line", "file",
// or "(root)".
func where(f check.Finding) string {
	file, line := location(f)
	if file == "" {
		file = "(root)"
	}
	if line > 0 {
		return file + ":" + strconv.Itoa(line)
	}
	return file
}

// MaxPhonesInText caps the MACs a finding's message text lists.
const MaxPhonesInText = 20

// detail is the finding's explanation beyond its message: what the phone
// does, the fix, the upgrade steps and the phones hit.
func detail(f check.Finding) string {
	var b strings.Builder
	b.WriteString("phone: " + f.Symptom + "\n")
	b.WriteString("fix: " + f.Fix + "\n")
	if len(f.Steps) > 0 {
		b.WriteString("steps: " + strings.Join(f.Steps, " -> ") + "\n")
	}
	if n := len(f.Phones); n > 0 {
		// At fleet scale a finding hits thousands of phones: the text
		// names the first few (SARIF's properties.phones has them all).
		shown := f.Phones[:min(n, MaxPhonesInText)]
		b.WriteString("phones (" + strconv.Itoa(n) + "): " + strings.Join(shown, " "))
		if n > len(shown) {
			b.WriteString(" … and " + strconv.Itoa(n-len(shown)) + " more")
		}
		b.WriteString("\n")
	}
	return b.String()
}
