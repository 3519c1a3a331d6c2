package report

import (
	"encoding/xml"
	"fmt"
	"io"
	"path"
	"path/filepath"
	"strings"
	"time"

	"github.com/phoneload/phoneload/bundle/check"
)

// JUnitOptions tunes JUnit.
type JUnitOptions struct {
	Elapsed   time.Duration // how long the check took: the time attributes
	Timestamp time.Time     // when it ran; zero leaves the attribute out
	// PathPrefix, when set, is where the root sits in the repository
	// (e.g. "tftp/"): the testcases' file attributes start with it.
	PathPrefix string
}

// The JUnit document, as Jenkins and GitLab read it (docs/junit.xsd).
type junitSuites struct {
	XMLName  xml.Name     `xml:"testsuites"`
	Name     string       `xml:"name,attr"`
	Tests    int          `xml:"tests,attr"`
	Failures int          `xml:"failures,attr"`
	Errors   int          `xml:"errors,attr"`
	Skipped  int          `xml:"skipped,attr"`
	Time     string       `xml:"time,attr"`
	Suites   []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name       string          `xml:"name,attr"`
	Tests      int             `xml:"tests,attr"`
	Failures   int             `xml:"failures,attr"`
	Errors     int             `xml:"errors,attr"`
	Skipped    int             `xml:"skipped,attr"`
	Time       string          `xml:"time,attr"`
	Timestamp  string          `xml:"timestamp,attr,omitempty"`
	Properties *junitProps     `xml:"properties,omitempty"`
	Cases      []junitTestCase `xml:"testcase"`
	SystemOut  string          `xml:"system-out,omitempty"`
}

type junitProps struct {
	Props []junitProp `xml:"property"`
}

type junitProp struct {
	Name  string `xml:"name,attr"`
	Value string `xml:"value,attr"`
}

type junitTestCase struct {
	Name      string        `xml:"name,attr"`
	Classname string        `xml:"classname,attr"`
	File      string        `xml:"file,attr,omitempty"`
	Line      int           `xml:"line,attr,omitempty"`
	Time      string        `xml:"time,attr"`
	Failure   *junitFailure `xml:"failure,omitempty"`
	Skipped   *junitSkipped `xml:"skipped,omitempty"`
	SystemOut string        `xml:"system-out,omitempty"`
}

type junitFailure struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr"`
	Text    string `xml:",chardata"`
}

type junitSkipped struct {
	Message string `xml:"message,attr"`
}

// JUnit writes rep as JUnit XML: one <testsuite> per rule area (the
// groups of docs/rules.md), and in it, for every rule, one <testcase>
// per finding (named by file and line, classname the rule id) or one
// passing testcase when the rule found nothing. Errors are <failure>s;
// warnings are <failure>s with --strict and <skipped> otherwise, so they
// show without failing the job; info findings pass with the finding in
// <system-out>; rules left out with --ignore are <skipped>. There are no
// <error>s: a check that cannot run writes no report.
func JUnit(w io.Writer, rep *check.Report, tool Tool, opts JUnitOptions) error {
	secs := fmt.Sprintf("%.3f", opts.Elapsed.Seconds())
	byRule := map[string][]check.Finding{}
	for _, f := range rep.Findings {
		byRule[f.Rule] = append(byRule[f.Rule], f)
	}
	ignored := map[string]bool{}
	for _, id := range rep.Ignored {
		ignored[id] = true
	}
	doc := junitSuites{Name: tool.Name + " check " + rep.Path, Time: secs}
	var suite *junitSuite
	for _, r := range check.Rules() {
		if suite == nil || suite.Name != r.Area {
			doc.Suites = append(doc.Suites, junitSuite{Name: r.Area, Time: secs})
			suite = &doc.Suites[len(doc.Suites)-1]
			if !opts.Timestamp.IsZero() {
				suite.Timestamp = opts.Timestamp.UTC().Format("2006-01-02T15:04:05")
			}
		}
		var cases []junitTestCase
		switch fs := byRule[r.ID]; {
		case ignored[r.ID]:
			cases = append(cases, junitTestCase{Name: r.ID, Classname: r.ID, Time: "0",
				Skipped: &junitSkipped{Message: "ignored (--ignore " + r.ID + ")"}})
		case len(fs) == 0:
			cases = append(cases, junitTestCase{Name: r.ID, Classname: r.ID, Time: "0"})
		default:
			for _, f := range fs {
				cases = append(cases, findingCase(f, rep.Strict, opts.PathPrefix))
			}
		}
		for _, c := range cases {
			suite.Tests++
			switch {
			case c.Failure != nil:
				suite.Failures++
			case c.Skipped != nil:
				suite.Skipped++
			}
		}
		suite.Cases = append(suite.Cases, cases...)
	}
	for i := range doc.Suites {
		s := &doc.Suites[i]
		doc.Tests += s.Tests
		doc.Failures += s.Failures
		doc.Skipped += s.Skipped
	}
	if len(rep.Assumptions) > 0 && len(doc.Suites) > 0 {
		// Where the report is read, the assumptions belong beside it.
		var b strings.Builder
		for _, a := range rep.Assumptions {
			b.WriteString("assumed: " + a + "\n")
		}
		doc.Suites[0].SystemOut = b.String()
	}
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return err
	}
	_, err := io.WriteString(w, "\n")
	return err
}

// findingCase is the testcase of one finding.
func findingCase(f check.Finding, strict bool, prefix string) junitTestCase {
	c := junitTestCase{Name: where(f), Classname: f.Rule, Line: f.Line, Time: "0"}
	if f.File != "" {
		c.File = path.Join(filepath.ToSlash(prefix), filepath.ToSlash(f.File))
	}
	text := f.Message + "\n" + detail(f)
	switch {
	case f.Severity == check.SeverityError, f.Severity == check.SeverityWarning && strict:
		c.Failure = &junitFailure{Message: f.Message, Type: string(f.Severity), Text: text}
	case f.Severity == check.SeverityWarning:
		c.Skipped = &junitSkipped{Message: "warning: " + f.Message}
		c.SystemOut = text
	default:
		c.SystemOut = "info: " + text
	}
	return c
}
