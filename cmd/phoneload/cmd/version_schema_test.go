package cmd

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestVersionJSONSchema checks `version --json` against
// docs/version.schema.json: every required key, no other key, each value of
// a type the schema allows (a type may be a list: "modified" is boolean or
// null), and the schema enum.
func TestVersionJSONSchema(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join("..", "..", "..", "docs", "version.schema.json"))
	must(t, err)
	var s struct {
		Required   []string
		Properties map[string]struct {
			Type any
			Enum []any
		}
	}
	must(t, json.Unmarshal(raw, &s))
	var out, errb bytes.Buffer
	if code := Run([]string{"version", "--json"}, strings.NewReader(""), &out, &errb); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	var doc map[string]any
	must(t, json.Unmarshal(out.Bytes(), &doc))
	for _, k := range s.Required {
		if _, ok := doc[k]; !ok {
			t.Errorf("missing %q", k)
		}
	}
	for k, v := range doc {
		p, ok := s.Properties[k]
		if !ok {
			t.Errorf("%q not in the schema", k)
			continue
		}
		var types []string
		switch ty := p.Type.(type) {
		case string:
			types = []string{ty}
		case []any:
			for _, x := range ty {
				types = append(types, x.(string))
			}
		}
		got := "other"
		switch v.(type) {
		case string:
			got = "string"
		case bool:
			got = "boolean"
		case nil:
			got = "null"
		}
		if !slices.Contains(types, got) {
			t.Errorf("%q is %s, schema allows %v", k, got, types)
		}
		if len(p.Enum) > 0 && !slices.Contains(p.Enum, v) {
			t.Errorf("%q = %v, not one of %v", k, v, p.Enum)
		}
	}
}
