package report_test

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	// The official SARIF 2.1.0 schema comes from this module's source
	// (pkg/report/v210/sarif/schema.go) in the module cache: importing
	// the package keeps the module a test requirement in go.mod.
	_ "github.com/owenrumney/go-sarif/v3/pkg/report/v210/sarif"
	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/phoneload/phoneload/bundle/check"
	"github.com/phoneload/phoneload/bundle/check/report"
	"github.com/phoneload/phoneload/bundle/drop"
	"github.com/phoneload/phoneload/internal/fixture"
	"github.com/phoneload/phoneload/internal/testtool"
)

// brokenRoot writes a 7940 SIP root with findings of every severity, with
// and without lines, about a file and about the root, and a fleet.
func brokenRoot(t *testing.T) (*check.Report, string) {
	t.Helper()
	dir := t.TempDir()
	if err := fixture.WriteDir(dir, fixture.SIP7940, fixture.Options{}); err != nil {
		t.Fatal(err)
	}
	// os79xx-crlf (warning, line), image-missing (error), unknown-file (info).
	mustWrite(t, filepath.Join(dir, "OS79XX.TXT"), "P003-8-12-00\r\n")
	mustWrite(t, filepath.Join(dir, "SIP001122334455.cnf"), "image_version: P0S3-8-12-01\n")
	mustWrite(t, filepath.Join(dir, "notes & <stuff>.txt"), "x")
	fleet := []check.Phone{{MAC: "001122334455", Model: "7960", Load: "P0S3-08-9-00"}, {MAC: "001122334466", Model: "7940", Load: "P0S3-08-9-00"}}
	rep, err := check.RunPath(dir, drop.OpenOptions{}, check.Options{Fleet: fleet, Ignore: []string{"ring-format"}})
	if err != nil {
		t.Fatal(err)
	}
	sev := map[check.Severity]bool{}
	lines, root := false, false
	for _, f := range rep.Findings {
		sev[f.Severity] = true
		lines = lines || f.Line > 0
		root = root || f.File == ""
	}
	if len(sev) != 3 || !lines || !root {
		t.Fatalf("fixture no longer covers every case: severities %v, lines %v, root %v:\n%+v", sev, lines, root, rep.Findings)
	}
	return rep, dir
}

func mustWrite(t *testing.T, name, s string) {
	t.Helper()
	if err := os.WriteFile(name, []byte(s), 0o644); err != nil {
		t.Fatal(err)
	}
}

// sarifSchema compiles the OASIS SARIF 2.1.0 schema shipped (as a Go
// string constant) by github.com/owenrumney/go-sarif/v3, read from the
// module cache; the test skips when the module cannot be found.
func sarifSchema(t *testing.T) *jsonschema.Schema {
	t.Helper()
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "github.com/owenrumney/go-sarif/v3").Output()
	dir := strings.TrimSpace(string(out))
	if err != nil || dir == "" {
		t.Skipf("github.com/owenrumney/go-sarif/v3 not in the module cache (go mod download): %v", err)
	}
	src, err := os.ReadFile(filepath.Join(dir, "pkg/report/v210/sarif/schema.go"))
	if err != nil {
		t.Skipf("no SARIF schema in go-sarif: %v", err)
	}
	i, j := bytes.IndexByte(src, '`'), bytes.LastIndexByte(src, '`')
	if i < 0 || j <= i {
		t.Fatal("go-sarif's schema.go holds no raw string")
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(src[i+1 : j]))
	if err != nil {
		t.Fatalf("go-sarif's schema: %v", err)
	}
	m := doc.(map[string]any)
	if m["id"] != report.SARIFSchema || m["title"] != "Static Analysis Results Format (SARIF) Version 2.1.0 JSON Schema" {
		t.Fatalf("go-sarif's schema is not the OASIS 2.1.0 (errata 01) one: id %v", m["id"])
	}
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	if err := c.AddResource(report.SARIFSchema, doc); err != nil {
		t.Fatal(err)
	}
	s, err := c.Compile(report.SARIFSchema)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func validate(t *testing.T, s *jsonschema.Schema, b []byte) error {
	t.Helper()
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("not JSON: %v", err)
	}
	return s.Validate(v)
}

type sarifDoc struct {
	Runs []struct {
		Tool struct {
			Driver struct {
				Name, Version, InformationURI string
				Rules                         []struct {
					ID               string
					ShortDescription struct{ Text string }
					FullDescription  struct{ Text string }
					HelpURI          string
				}
			}
		}
		OriginalURIBaseIDs map[string]struct{ URI string } `json:"originalUriBaseIds"`
		Results            []struct {
			RuleID    string
			RuleIndex int
			Level     string
			Message   struct{ Text string }
			Locations []struct {
				PhysicalLocation struct {
					ArtifactLocation struct{ URI, URIBaseID string }
					Region           *struct{ StartLine int }
				}
			}
		}
	}
}

func TestSARIF(t *testing.T) {
	schema := sarifSchema(t)
	rep, dir := brokenRoot(t)
	var buf bytes.Buffer
	tool := report.DefaultTool("v1.2.3")
	if err := report.SARIF(&buf, rep, tool, report.SARIFOptions{RootDir: dir}); err != nil {
		t.Fatal(err)
	}
	if err := validate(t, schema, buf.Bytes()); err != nil {
		t.Fatalf("SARIF does not validate against the 2.1.0 schema: %v\n%s", err, buf.Bytes())
	}
	var doc sarifDoc
	if err := json.Unmarshal(buf.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	if len(doc.Runs) != 1 {
		t.Fatalf("%d runs, want 1", len(doc.Runs))
	}
	run := doc.Runs[0]
	d := run.Tool.Driver
	if d.Name != "phoneload" || d.Version != "v1.2.3" || d.InformationURI == "" {
		t.Errorf("driver = %q %q %q", d.Name, d.Version, d.InformationURI)
	}
	// Every registry rule, each linked to its heading in docs/rules.md.
	rulesMD, err := os.ReadFile("../../../docs/rules.md")
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Rules) != len(check.Rules()) {
		t.Fatalf("%d rules, registry has %d", len(d.Rules), len(check.Rules()))
	}
	for i, r := range check.Rules() {
		got := d.Rules[i]
		if got.ID != r.ID || got.ShortDescription.Text == "" || got.FullDescription.Text == "" {
			t.Errorf("rule %d = %+v, want id %s with descriptions", i, got, r.ID)
		}
		want := "https://github.com/phoneload/phoneload/blob/v1.2.3/docs/rules.md#" + r.ID
		if got.HelpURI != want {
			t.Errorf("%s: helpUri %s, want %s", r.ID, got.HelpURI, want)
		}
		if !bytes.Contains(rulesMD, []byte("\n### "+r.ID+"\n")) {
			t.Errorf("%s: docs/rules.md has no heading for the anchor", r.ID)
		}
	}
	if got := run.OriginalURIBaseIDs[report.RootBaseID].URI; got != "file://"+filepath.ToSlash(dir)+"/" {
		t.Errorf("originalUriBaseIds.ROOT = %q, want the root's file URI", got)
	}
	if len(run.Results) != len(rep.Findings) {
		t.Fatalf("%d results for %d findings", len(run.Results), len(rep.Findings))
	}
	levels := map[check.Severity]string{check.SeverityError: "error", check.SeverityWarning: "warning", check.SeverityInfo: "note"}
	for i, f := range rep.Findings {
		r := run.Results[i]
		if r.RuleID != f.Rule || d.Rules[r.RuleIndex].ID != f.Rule || r.Level != levels[f.Severity] || !strings.HasPrefix(r.Message.Text, f.Message) {
			t.Errorf("result %d = %+v, want finding %+v", i, r, f)
		}
		loc := r.Locations[0].PhysicalLocation
		wantURI := f.File
		if wantURI == "" {
			wantURI = "."
		}
		if f.File == "notes & <stuff>.txt" {
			wantURI = "notes%20&%20%3Cstuff%3E.txt" // one path segment, escaped
		}
		if loc.ArtifactLocation.URI != wantURI || loc.ArtifactLocation.URIBaseID != report.RootBaseID {
			t.Errorf("result %d location %+v, want %q under ROOT", i, loc.ArtifactLocation, wantURI)
		}
		switch {
		case f.Line > 0 && (loc.Region == nil || loc.Region.StartLine != f.Line):
			t.Errorf("result %d region %+v, want line %d", i, loc.Region, f.Line)
		case f.Line == 0 && loc.Region != nil:
			t.Errorf("result %d has a region without a line", i)
		}
	}
}

// TestSARIFPathPrefix: with the root's place in the repository, every
// location is relative to the repository top (%SRCROOT%), as GitHub code
// scanning reads them, and the document still validates.
func TestSARIFPathPrefix(t *testing.T) {
	schema := sarifSchema(t)
	rep, dir := brokenRoot(t)
	var buf bytes.Buffer
	if err := report.SARIF(&buf, rep, report.DefaultTool("devel"), report.SARIFOptions{RootDir: dir, PathPrefix: "sites/tftp/"}); err != nil {
		t.Fatal(err)
	}
	if err := validate(t, schema, buf.Bytes()); err != nil {
		t.Fatalf("does not validate: %v", err)
	}
	var doc sarifDoc
	if err := json.Unmarshal(buf.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	run := doc.Runs[0]
	if run.OriginalURIBaseIDs != nil {
		t.Errorf("originalUriBaseIds %v with a path prefix", run.OriginalURIBaseIDs)
	}
	for i, f := range rep.Findings {
		loc := run.Results[i].Locations[0].PhysicalLocation.ArtifactLocation
		want := "sites/tftp/" + f.File
		switch f.File {
		case "":
			want = "sites/tftp"
		case "notes & <stuff>.txt":
			want = "sites/tftp/notes%20&%20%3Cstuff%3E.txt"
		}
		if loc.URI != want || loc.URIBaseID != report.SrcRootBaseID {
			t.Errorf("result %d: %+v, want %s under %%SRCROOT%%", i, loc, want)
		}
	}
}

// TestSARIFSchemaCatches proves the validator is live: documents the
// schema forbids are refused.
func TestSARIFSchemaCatches(t *testing.T) {
	schema := sarifSchema(t)
	rep, _ := brokenRoot(t)
	var buf bytes.Buffer
	if err := report.SARIF(&buf, rep, report.DefaultTool("devel"), report.SARIFOptions{}); err != nil {
		t.Fatal(err)
	}
	good := buf.String()
	if err := validate(t, schema, buf.Bytes()); err != nil {
		t.Fatalf("good document refused: %v", err)
	}
	for _, bad := range []struct{ old, new string }{
		{`"level": "note"`, `"level": "info"`},
		{`"version": "2.1.0"`, `"version": "2.0.0"`},
		{`"startLine": `, `"startLine": -`},
		{`"ruleId": `, `"rule": `},
	} {
		if !strings.Contains(good, bad.old) {
			t.Fatalf("document has no %s", bad.old)
		}
		doc := strings.Replace(good, bad.old, bad.new, 1)
		if validate(t, schema, []byte(doc)) == nil {
			t.Errorf("schema accepted %s → %s", bad.old, bad.new)
		}
	}
}

func TestDefaultToolLinks(t *testing.T) {
	for v, ref := range map[string]string{"v1.2.3": "v1.2.3", "devel": "main", "v1.2.3-0.20260101-abcdef": "main", "v1.2.3-dirty": "main"} {
		if got := report.DefaultTool(v).RulesURI; got != "https://github.com/phoneload/phoneload/blob/"+ref+"/docs/rules.md" {
			t.Errorf("%s: %s", v, got)
		}
	}
}

// junitDoc is the JUnit document read back as a CI server would.
type junitDoc struct {
	XMLName  xml.Name `xml:"testsuites"`
	Tests    int      `xml:"tests,attr"`
	Failures int      `xml:"failures,attr"`
	Errors   int      `xml:"errors,attr"`
	Skipped  int      `xml:"skipped,attr"`
	Time     float64  `xml:"time,attr"`
	Suites   []struct {
		Name     string  `xml:"name,attr"`
		Tests    int     `xml:"tests,attr"`
		Failures int     `xml:"failures,attr"`
		Skipped  int     `xml:"skipped,attr"`
		Time     float64 `xml:"time,attr"`
		Cases    []struct {
			Name      string `xml:"name,attr"`
			Classname string `xml:"classname,attr"`
			File      string `xml:"file,attr"`
			Line      int    `xml:"line,attr"`
			Failure   *struct {
				Message string `xml:"message,attr"`
				Type    string `xml:"type,attr"`
				Text    string `xml:",chardata"`
			} `xml:"failure"`
			Skipped *struct {
				Message string `xml:"message,attr"`
			} `xml:"skipped"`
			SystemOut string `xml:"system-out"`
		} `xml:"testcase"`
	} `xml:"testsuite"`
}

func TestJUnit(t *testing.T) {
	rep, _ := brokenRoot(t)
	for _, strict := range []bool{false, true} {
		rep.Strict = strict
		var buf bytes.Buffer
		if err := report.JUnit(&buf, rep, report.DefaultTool("devel"), report.JUnitOptions{Elapsed: 1500 * time.Millisecond, Timestamp: time.Unix(1700000000, 0)}); err != nil {
			t.Fatal(err)
		}
		xmllintJUnit(t, buf.Bytes())
		var doc junitDoc
		if err := xml.Unmarshal(buf.Bytes(), &doc); err != nil {
			t.Fatalf("read back: %v", err)
		}
		wantFail := rep.Errors()
		if strict {
			wantFail += rep.Warnings()
		}
		areas, rules := 0, map[string]bool{}
		prev := ""
		for _, r := range check.Rules() {
			if r.Area != prev {
				areas, prev = areas+1, r.Area
			}
		}
		tests, fails, skips := 0, 0, 0
		for _, s := range doc.Suites {
			sf, ss := 0, 0
			for _, c := range s.Cases {
				rules[c.Classname] = true
				if c.Failure != nil {
					sf++
					if c.Failure.Message == "" || !strings.Contains(c.Failure.Text, "fix: ") {
						t.Errorf("%s %s: failure without message or fix", c.Classname, c.Name)
					}
				}
				if c.Skipped != nil {
					ss++
				}
			}
			if s.Tests != len(s.Cases) || s.Failures != sf || s.Skipped != ss || s.Time != 1.5 {
				t.Errorf("suite %s: tests %d failures %d skipped %d time %v; counted %d %d %d", s.Name, s.Tests, s.Failures, s.Skipped, s.Time, len(s.Cases), sf, ss)
			}
			tests, fails, skips = tests+len(s.Cases), fails+sf, skips+ss
		}
		if len(doc.Suites) != areas || len(rules) != len(check.Rules()) {
			t.Errorf("%d suites for %d areas, %d rules of %d", len(doc.Suites), areas, len(rules), len(check.Rules()))
		}
		if doc.Tests != tests || doc.Failures != fails || doc.Skipped != skips || doc.Errors != 0 || doc.Time != 1.5 {
			t.Errorf("testsuites: %d/%d/%d/%d, counted %d/%d/%d", doc.Tests, doc.Failures, doc.Skipped, doc.Errors, tests, fails, skips)
		}
		if fails != wantFail {
			t.Errorf("strict %v: %d failures, want %d", strict, fails, wantFail)
		}
		wantSkip := 1 // ring-format, ignored
		if !strict {
			wantSkip += rep.Warnings()
		}
		if skips != wantSkip {
			t.Errorf("strict %v: %d skipped, want %d", strict, skips, wantSkip)
		}
	}
}

// xmllintJUnit validates a JUnit document against docs/junit.xsd with
// xmllint (libxml2-utils; skipped locally when absent, required in CI).
func xmllintJUnit(t *testing.T, doc []byte) {
	t.Helper()
	xmllint := testtool.Need(t, "xmllint")
	f := filepath.Join(t.TempDir(), "junit.xml")
	if err := os.WriteFile(f, doc, 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(xmllint, "--noout", "--schema", "../../../docs/junit.xsd", f).CombinedOutput()
	if err != nil {
		t.Fatalf("xmllint: %v\n%s\n%s", err, out, doc)
	}
}

// TestJUnitSchemaCatches proves docs/junit.xsd and xmllint refuse what
// readers would misread.
func TestJUnitSchemaCatches(t *testing.T) {
	xmllint := testtool.Need(t, "xmllint")
	rep, _ := brokenRoot(t)
	var buf bytes.Buffer
	if err := report.JUnit(&buf, rep, report.DefaultTool("devel"), report.JUnitOptions{}); err != nil {
		t.Fatal(err)
	}
	for _, bad := range []*regexp.Regexp{
		regexp.MustCompile(`tests="\d+"`),
		regexp.MustCompile(` classname="[^"]*"`),
		regexp.MustCompile(`<skipped `),
	} {
		doc := bad.ReplaceAllStringFunc(buf.String(), func(s string) string {
			switch {
			case strings.HasPrefix(s, "tests"):
				return `tests="-1"`
			case strings.HasPrefix(s, "<skipped"):
				return `<skip `
			}
			return ""
		})
		doc = strings.ReplaceAll(doc, "</skipped>", "</skip>")
		f := filepath.Join(t.TempDir(), "bad.xml")
		if err := os.WriteFile(f, []byte(doc), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := exec.Command(xmllint, "--noout", "--schema", "../../../docs/junit.xsd", f).Run(); err == nil {
			t.Errorf("xmllint accepted a document changed at %s", bad)
		}
	}
}

// TestManyPhones: a finding that hits a fleet names the first phones in
// its text; SARIF's properties and nothing else carry them all.
func TestManyPhones(t *testing.T) {
	var phones []string
	for i := range 25 {
		phones = append(phones, fixture.PhoneMAC(i))
	}
	rep := &check.Report{Path: "root", Findings: []check.Finding{{
		Rule: "image-missing", Severity: check.SeverityError, File: "SIPDefault.cnf", Line: 5,
		Phones: phones, Message: "m", Symptom: "s", Fix: "f",
	}}}
	var buf bytes.Buffer
	if err := report.SARIF(&buf, rep, report.DefaultTool("devel"), report.SARIFOptions{}); err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Runs []struct {
			Results []struct {
				Message    struct{ Text string }
				Properties struct{ Phones []string }
			}
		}
	}
	if err := json.Unmarshal(buf.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	r := doc.Runs[0].Results[0]
	if !strings.Contains(r.Message.Text, "phones (25): "+phones[0]) || !strings.HasSuffix(r.Message.Text, phones[report.MaxPhonesInText-1]+" … and 5 more\n") || strings.Contains(r.Message.Text, phones[report.MaxPhonesInText]) {
		t.Errorf("message text:\n%s", r.Message.Text)
	}
	if len(r.Properties.Phones) != 25 {
		t.Errorf("properties.phones has %d, want 25", len(r.Properties.Phones))
	}
	buf.Reset()
	if err := report.JUnit(&buf, rep, report.DefaultTool("devel"), report.JUnitOptions{}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), "… and 5 more") {
		t.Errorf("JUnit failure text does not summarise the phones:\n%s", buf.String())
	}
}
