package report

import (
	"encoding/json"
	"io"
	"net/url"
	"path"
	"path/filepath"
	"strings"

	"github.com/phoneload/phoneload/bundle/check"
)

// SARIFSchema is the $schema SARIF documents name: the OASIS 2.1.0
// schema (errata 01), which the tests validate against.
const SARIFSchema = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"

// RootBaseID is the uriBaseId every result's location is relative to:
// the root or drop that was checked (originalUriBaseIds says where it was
// when it was a directory).
const RootBaseID = "ROOT"

// SARIFOptions tunes SARIF.
type SARIFOptions struct {
	// RootDir is the absolute directory that was checked; when set it
	// becomes originalUriBaseIds.ROOT, so viewers can resolve the
	// relative file URIs. Empty for archives and stdin.
	RootDir string
	// PathPrefix, when set, is where the root sits in the repository
	// (e.g. "tftp/"): every file URI starts with it and is relative to
	// the repository top (uriBaseId %SRCROOT%), the only base GitHub code
	// scanning understands (it ignores originalUriBaseIds).
	PathPrefix string
}

// SrcRootBaseID is the uriBaseId of locations relative to the repository
// top (SARIFOptions.PathPrefix).
const SrcRootBaseID = "%SRCROOT%"

type sarifLog struct {
	Schema  string     `json:"$schema"`
	Version string     `json:"version"`
	Runs    []sarifRun `json:"runs"`
}

type sarifRun struct {
	Tool               sarifTool                   `json:"tool"`
	Invocations        []sarifInvocation           `json:"invocations"`
	OriginalURIBaseIDs map[string]sarifArtifactLoc `json:"originalUriBaseIds,omitempty"`
	Results            []sarifResult               `json:"results"`
	ColumnKind         string                      `json:"columnKind"`
}

type sarifTool struct {
	Driver sarifDriver `json:"driver"`
}

type sarifDriver struct {
	Name           string      `json:"name"`
	Version        string      `json:"version,omitempty"`
	InformationURI string      `json:"informationUri"`
	Rules          []sarifRule `json:"rules"`
}

type sarifText struct {
	Text     string `json:"text"`
	Markdown string `json:"markdown,omitempty"`
}

type sarifRule struct {
	ID                   string        `json:"id"`
	Name                 string        `json:"name"`
	ShortDescription     sarifText     `json:"shortDescription"`
	FullDescription      sarifText     `json:"fullDescription"`
	Help                 sarifText     `json:"help"`
	HelpURI              string        `json:"helpUri"`
	DefaultConfiguration sarifConfig   `json:"defaultConfiguration"`
	Properties           sarifRuleProp `json:"properties"`
}

type sarifConfig struct {
	Level string `json:"level"`
}

type sarifRuleProp struct {
	Tags  []string `json:"tags"`
	Fleet bool     `json:"fleet"`
}

type sarifInvocation struct {
	ExecutionSuccessful bool                `json:"executionSuccessful"`
	ToolExecutionNotes  []sarifNotification `json:"toolExecutionNotifications,omitempty"`
}

type sarifNotification struct {
	Level   string    `json:"level"`
	Message sarifText `json:"message"`
}

type sarifResult struct {
	RuleID     string          `json:"ruleId"`
	RuleIndex  int             `json:"ruleIndex"`
	Level      string          `json:"level"`
	Message    sarifText       `json:"message"`
	Locations  []sarifLocation `json:"locations"`
	Properties sarifResultProp `json:"properties"`
}

type sarifResultProp struct {
	Symptom string   `json:"symptom"`
	Fix     string   `json:"fix"`
	Steps   []string `json:"steps,omitempty"`
	Phones  []string `json:"phones,omitempty"`
}

type sarifLocation struct {
	PhysicalLocation sarifPhysical `json:"physicalLocation"`
}

type sarifPhysical struct {
	ArtifactLocation sarifArtifactLoc `json:"artifactLocation"`
	Region           *sarifRegion     `json:"region,omitempty"`
}

type sarifArtifactLoc struct {
	URI       string `json:"uri"`
	URIBaseID string `json:"uriBaseId,omitempty"`
}

type sarifRegion struct {
	StartLine int `json:"startLine"`
}

// Level maps a check severity to a SARIF level: error, warning, note.
func Level(s check.Severity) string {
	switch s {
	case check.SeverityError:
		return "error"
	case check.SeverityWarning:
		return "warning"
	}
	return "note"
}

// SARIF writes rep as a SARIF 2.1.0 log with one run: every rule of the
// registry in tool.driver.rules (with a link to its section of
// docs/rules.md) and one result per finding, located by file (relative to
// the checked root, under uriBaseId ROOT) and line when known. Findings
// about the root as a whole are located at the root itself (".").
func SARIF(w io.Writer, rep *check.Report, tool Tool, opts SARIFOptions) error {
	rules := check.Rules()
	index := map[string]int{}
	driver := sarifDriver{Name: tool.Name, Version: tool.Version, InformationURI: tool.InformationURI}
	for i, r := range rules {
		index[r.ID] = i
		full := capitalise(r.Title) + ". On the phone: " + r.Symptom + "."
		driver.Rules = append(driver.Rules, sarifRule{
			ID:                   r.ID,
			Name:                 ruleName(r.ID),
			ShortDescription:     sarifText{Text: capitalise(r.Title)},
			FullDescription:      sarifText{Text: full},
			Help:                 sarifText{Text: "Fix: " + r.Fix + ".", Markdown: "**Fix:** " + r.Fix + ".\n\nSee [" + r.ID + "](" + tool.RulesURI + "#" + r.ID + ")."},
			HelpURI:              tool.RulesURI + "#" + r.ID,
			DefaultConfiguration: sarifConfig{Level: Level(r.Severity)},
			Properties:           sarifRuleProp{Tags: []string{r.Area}, Fleet: r.Fleet},
		})
	}
	run := sarifRun{
		Tool:       sarifTool{Driver: driver},
		Results:    []sarifResult{},
		ColumnKind: "unicodeCodePoints",
	}
	inv := sarifInvocation{ExecutionSuccessful: true}
	for _, a := range rep.Assumptions {
		inv.ToolExecutionNotes = append(inv.ToolExecutionNotes, sarifNotification{Level: "note", Message: sarifText{Text: "assumed: " + a}})
	}
	run.Invocations = []sarifInvocation{inv}
	base := RootBaseID
	if opts.PathPrefix != "" {
		base = SrcRootBaseID
	} else if opts.RootDir != "" {
		run.OriginalURIBaseIDs = map[string]sarifArtifactLoc{RootBaseID: {URI: dirURI(opts.RootDir)}}
	}
	for _, f := range rep.Findings {
		i, ok := index[f.Rule]
		if !ok {
			i = -1 // cannot happen: every finding comes from the registry
		}
		loc := sarifPhysical{ArtifactLocation: sarifArtifactLoc{URI: fileURI(opts.PathPrefix, f.File), URIBaseID: base}}
		if f.Line > 0 {
			loc.Region = &sarifRegion{StartLine: f.Line}
		}
		run.Results = append(run.Results, sarifResult{
			RuleID:    f.Rule,
			RuleIndex: i,
			Level:     Level(f.Severity),
			Message:   sarifText{Text: f.Message + "\n" + detail(f)},
			Locations: []sarifLocation{{PhysicalLocation: loc}},
			Properties: sarifResultProp{
				Symptom: f.Symptom, Fix: f.Fix, Steps: f.Steps, Phones: f.Phones,
			},
		})
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(sarifLog{Schema: SARIFSchema, Version: "2.1.0", Runs: []sarifRun{run}})
}

// fileURI is a relative URI reference for a file of the root, under
// prefix: each path segment escaped (a name with spaces or "#" stays one
// file); the root itself is "." (or the prefix).
func fileURI(prefix, name string) string {
	name = path.Join(filepath.ToSlash(prefix), filepath.ToSlash(name))
	if name == "" || name == "." {
		return "."
	}
	segs := strings.Split(path.Clean(name), "/")
	for i, s := range segs {
		segs[i] = url.PathEscape(s)
	}
	u := strings.Join(segs, "/")
	if strings.Contains(segs[0], ":") {
		u = "./" + u // "a:b" would read as a URI scheme
	}
	return u
}

// dirURI is the file: URI of an absolute directory, ending in "/" as
// SARIF requires of a base URI.
func dirURI(dir string) string {
	p := filepath.ToSlash(dir)
	if !strings.HasPrefix(p, "/") {
		p = "/" + p // Windows: C:/x → /C:/x
	}
	if !strings.HasSuffix(p, "/") {
		p += "/"
	}
	return (&url.URL{Scheme: "file", Path: p}).String()
}

// ruleName turns "os79xx-crlf" into "Os79xxCrlf", the PascalCase name
// SARIF viewers show beside the id.
func ruleName(id string) string {
	var b strings.Builder
	for _, part := range strings.Split(id, "-") {
		b.WriteString(capitalise(part))
	}
	return b.String()
}

func capitalise(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}
