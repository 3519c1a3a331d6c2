package cmd

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"testing"

	"github.com/phoneload/phoneload/bundle/check"
	"github.com/phoneload/phoneload/bundle/cisco"
	"github.com/phoneload/phoneload/bundle/drop"

	"github.com/phoneload/phoneload/internal/cli"
)

// schema is the subset of JSON Schema that docs/check.schema.json uses.
type schema struct {
	Type                 string             `json:"type"`
	Enum                 []any              `json:"enum"`
	Required             []string           `json:"required"`
	Properties           map[string]*schema `json:"properties"`
	AdditionalProperties *bool              `json:"additionalProperties"`
	Items                *schema            `json:"items"`
	Minimum              *float64           `json:"minimum"`
}

// validate checks v (decoded with UseNumber) against s and returns every
// violation with its JSON path.
func (s *schema) validate(path string, v any) []string {
	var errs []string
	bad := func(format string, args ...any) { errs = append(errs, path+": "+fmt.Sprintf(format, args...)) }
	switch s.Type {
	case "object":
		m, ok := v.(map[string]any)
		if !ok {
			bad("not an object")
			return errs
		}
		for _, r := range s.Required {
			if _, ok := m[r]; !ok {
				bad("missing %q", r)
			}
		}
		keys := make([]string, 0, len(m))
		for k := range m {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			p, ok := s.Properties[k]
			if !ok {
				if s.AdditionalProperties != nil && !*s.AdditionalProperties {
					bad("undocumented property %q", k)
				}
				continue
			}
			errs = append(errs, p.validate(path+"."+k, m[k])...)
		}
	case "array":
		a, ok := v.([]any)
		if !ok {
			bad("not an array (null is not allowed)")
			return errs
		}
		for i, x := range a {
			errs = append(errs, s.Items.validate(fmt.Sprintf("%s[%d]", path, i), x)...)
		}
	case "string":
		if _, ok := v.(string); !ok {
			bad("not a string")
		}
	case "boolean":
		if _, ok := v.(bool); !ok {
			bad("not a boolean")
		}
	case "integer":
		n, ok := v.(json.Number)
		if _, err := n.Int64(); !ok || err != nil {
			bad("not an integer")
		} else if i, _ := n.Int64(); s.Minimum != nil && float64(i) < *s.Minimum {
			bad("%d below %v", i, *s.Minimum)
		}
	}
	if len(s.Enum) > 0 {
		found := false
		for _, e := range s.Enum {
			found = found || e == v
		}
		if !found {
			bad("%v not one of %v", v, s.Enum)
		}
	}
	return errs
}

func loadSchema(t *testing.T) *schema {
	b, err := os.ReadFile(filepath.Join("..", "..", "..", "docs", "check.schema.json"))
	if err != nil {
		t.Fatal(err)
	}
	var s schema
	if err := json.Unmarshal(b, &s); err != nil {
		t.Fatal(err)
	}
	return &s
}

// TestCheckJSONSchema validates real --json documents (with and without
// findings, phones and steps) against docs/check.schema.json, and the
// schema against a document that breaks it, so the validator itself is
// shown to fail.
func TestCheckJSONSchema(t *testing.T) {
	s := loadSchema(t)
	d := &drop.Drop{Path: "root", Files: []*drop.File{
		{Name: "OS79XX.TXT", Kind: cisco.KindOS79XX, Mode: 0o644, Size: 13, More: &drop.FileMore{OS79XX: &cisco.OS79XX{Name: "P0S3-8-12-00", Lines: 1, CRLF: true}}},
		{Name: "SIPDefault.cnf", Kind: cisco.KindSIPConfig, Mode: 0o644, Size: 40, More: &drop.FileMore{SIP: &cisco.SIPConfig{Entries: []cisco.ConfigEntry{
			{Name: "image_version", Value: "P0S3-8-12-00", Line: 1}, {Name: "proxy1_address", Value: "x", Line: 2}}}}},
		{Name: "Thumbs.db", Kind: cisco.KindUnknown, Mode: 0o644, Size: 1},
	}}
	fleet := []check.Phone{{MAC: "000D28A1B2C3", Model: "7940", Load: "P0S30203"}}
	docs := map[string]checkJSON{
		"findings": toCheckJSON(check.Run(d, check.Options{Fleet: fleet}), 1),
		"alone":    toCheckJSON(check.Run(d, check.Options{Ignore: []string{"unknown-file"}, Strict: true}), 0),
		"empty":    toCheckJSON(check.Run(&drop.Drop{Path: "e"}, check.Options{Ignore: []string{"no-load-specified"}}), 0),
	}
	steps := false
	for name, doc := range docs {
		var buf bytes.Buffer
		if err := cli.WriteJSON(&buf, doc); err != nil {
			t.Fatal(err)
		}
		dec := json.NewDecoder(&buf)
		dec.UseNumber()
		var v any
		if err := dec.Decode(&v); err != nil {
			t.Fatal(err)
		}
		for _, e := range s.validate("$", v) {
			t.Errorf("%s: %s", name, e)
		}
		for _, f := range doc.Findings {
			steps = steps || len(f.Steps) > 0 && len(f.Phones) > 0
		}
	}
	if !steps {
		t.Error("no document exercised phones and steps")
	}
	// The validator catches what the schema forbids.
	var bad any
	dec := json.NewDecoder(bytes.NewReader([]byte(`{"schema":"x","path":"p","files":-1,"fleet":0,"summary":{},"findings":[{"rule":"r","severity":"fatal"}],"assumptions":null,"ignored":[],"extra":1}`)))
	dec.UseNumber()
	if err := dec.Decode(&bad); err != nil {
		t.Fatal(err)
	}
	if errs := s.validate("$", bad); len(errs) < 6 {
		t.Errorf("validator let a bad document through: %q", errs)
	}
}
