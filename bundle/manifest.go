package bundle

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"sort"
	"strconv"
	"time"

	"github.com/phoneload/phoneload/bundle/check"
)

// ManifestName is the bundle's description, listed in SHA256SUMS like any
// other file, so it is covered by the signatures.
const ManifestName = "bundle.json"

// FormatVersion is the bundle format this package writes and reads.
const FormatVersion = 1

// MaxManifestSize bounds bundle.json read from an untrusted bundle.
const MaxManifestSize = 16 << 20

// Manifest is bundle.json. docs/bundle-format.md documents every field.
type Manifest struct {
	Format   int        `json:"format"`
	Name     string     `json:"name"`
	Created  time.Time  `json:"created"`
	Tool     string     `json:"tool"`
	Sequence uint64     `json:"sequence"`
	Expires  *time.Time `json:"expires,omitempty"`
	Files    int        `json:"files"` // files of the tree (bundle.json, SHA256SUMS and signatures excluded)
	Size     int64      `json:"size"`  // their total size in bytes
	Target   Target     `json:"target"`
	Check    CheckInfo  `json:"check"`
}

// Target says what the bundle is for, as found by the check.
type Target struct {
	Protocols []string `json:"protocols"`
	Models    []string `json:"models"`
	Loads     []string `json:"loads"`
}

// CheckInfo records the check pack ran and every rule waived with --allow.
type CheckInfo struct {
	Checker  string   `json:"checker"` // what checked the tree; "none" if nothing did
	Errors   int      `json:"errors"`
	Warnings int      `json:"warnings"`
	Infos    int      `json:"infos"`
	Waived   []Waiver `json:"waived"`
}

// Waiver is one rule whose errors were accepted with --allow.
type Waiver struct {
	Rule     string          `json:"rule"`
	Count    int             `json:"count"`    // errors of the rule waived
	Findings []check.Finding `json:"findings"` // the first MaxWaivedFindings of them
}

// MaxWaivedFindings bounds the findings recorded per waived rule: a rule
// that fires for every one of 50,000 phones is recorded by its count.
const MaxWaivedFindings = 20

// Marshal encodes m deterministically: sorted lists, UTC times in whole
// seconds, empty lists as [] rather than null, a final newline.
func (m *Manifest) Marshal() ([]byte, error) {
	c := *m
	c.Created = c.Created.UTC().Truncate(time.Second)
	if c.Expires != nil {
		e := c.Expires.UTC().Truncate(time.Second)
		c.Expires = &e
	}
	c.Target.Protocols = sortedNonNil(c.Target.Protocols)
	c.Target.Models = sortedNonNil(c.Target.Models)
	c.Target.Loads = sortedNonNil(c.Target.Loads)
	if c.Check.Waived == nil {
		c.Check.Waived = []Waiver{}
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(&c); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

func sortedNonNil(s []string) []string {
	out := append([]string{}, s...)
	sort.Strings(out)
	return out
}

// ParseManifest decodes bundle.json, refusing a format it does not know.
func ParseManifest(data []byte) (*Manifest, error) {
	if len(data) > MaxManifestSize {
		return nil, fmt.Errorf("bundle: %s: larger than %d bytes", ManifestName, MaxManifestSize)
	}
	var m Manifest
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&m); err != nil {
		return nil, fmt.Errorf("bundle: %s: %v", ManifestName, err)
	}
	if dec.More() {
		return nil, fmt.Errorf("bundle: %s: trailing data", ManifestName)
	}
	if m.Format != FormatVersion {
		return nil, fmt.Errorf("bundle: %s: format %d, this phoneload reads format %d", ManifestName, m.Format, FormatVersion)
	}
	return &m, nil
}

// SourceDateEpoch returns the time in $SOURCE_DATE_EPOCH
// (reproducible-builds.org), and whether it is set.
func SourceDateEpoch() (time.Time, bool, error) {
	v, ok := os.LookupEnv("SOURCE_DATE_EPOCH")
	if !ok || v == "" {
		return time.Time{}, false, nil
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < 0 {
		return time.Time{}, false, fmt.Errorf("bundle: SOURCE_DATE_EPOCH=%q is not a number of seconds", v)
	}
	return time.Unix(n, 0).UTC(), true, nil
}
