package main

import (
	"os"
	"reflect"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/phoneload/phoneload/bundle/boot"
	"github.com/phoneload/phoneload/bundle/probe"
	"github.com/phoneload/phoneload/bundle/publish"

	"github.com/google/go-cmp/cmp"
)

// jsonKeys returns the JSON names of the fields of the given struct types.
func jsonKeys(types ...any) []string {
	seen := map[string]bool{}
	for _, v := range types {
		rt := reflect.TypeOf(v)
		for i := 0; i < rt.NumField(); i++ {
			name, _, _ := strings.Cut(rt.Field(i).Tag.Get("json"), ",")
			if name != "" && name != "-" {
				seen[name] = true
			}
		}
	}
	keys := make([]string, 0, len(seen))
	for k := range seen {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// TestPublishJSONDocumented: every key publish, rollback and probe --json
// print is in docs/publish.md, and the docs list no key they do not print.
func TestPublishJSONDocumented(t *testing.T) {
	b, err := os.ReadFile("../../docs/publish.md")
	if err != nil {
		t.Fatal(err)
	}
	doc := string(b)
	section := func(start, end string) string {
		i := strings.Index(doc, start)
		if i < 0 {
			t.Fatalf("docs/publish.md: no %q", start)
		}
		j := strings.Index(doc[i:], end)
		if j < 0 {
			t.Fatalf("docs/publish.md: no %q after %q", end, start)
		}
		return doc[i : i+j]
	}
	keyRE := regexp.MustCompile(`"([a-z_0-9]+)"`)
	documented := func(s string) []string {
		seen := map[string]bool{}
		for _, m := range keyRE.FindAllStringSubmatch(s, -1) {
			seen[m[1]] = true
		}
		keys := make([]string, 0, len(seen))
		for k := range seen {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		return keys
	}
	for _, tc := range []struct {
		name       string
		start, end string
		types      []any
	}{
		{"publish --json", "`publish --json` prints:", "\n```\n", []any{publish.Result{}, publish.Step{}}},
		// The rollback line names "steps" without listing their keys again.
		{"rollback --json", "`rollback --json`:", "\n\n", []any{publish.RollbackResult{}, publish.Step{}}},
		{"probe --json", "`probe --json`:", "sizes are -1", []any{probe.Result{}, probe.File{}, boot.Outcome{}}},
		{"history --json", "`history --json`:", "`name`,", []any{struct {
			Root      string          `json:"root"`
			Publishes []publish.Entry `json:"publishes"`
		}{}, publish.Entry{}}},
	} {
		got := documented(section(tc.start, tc.end))
		want := jsonKeys(tc.types...)
		if tc.name == "rollback --json" {
			got = append(got, jsonKeys(publish.Step{})...)
			slices.Sort(got)
			got = slices.Compact(got)
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("%s: keys printed vs documented in docs/publish.md (-printed +documented):\n%s", tc.name, diff)
		}
	}
}
