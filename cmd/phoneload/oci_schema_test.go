package main

import (
	"os"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/phoneload/phoneload/bundle/oci"
)

// TestOCIJSONDocumented: every key push, pull and sync --json print is in
// docs/distribution.md, and the docs list no key they do not print.
func TestOCIJSONDocumented(t *testing.T) {
	b, err := os.ReadFile("../../docs/distribution.md")
	if err != nil {
		t.Fatal(err)
	}
	doc := string(b)
	keyRE := regexp.MustCompile(`"([a-z_0-9]+)"`)
	for _, tc := range []struct {
		start string
		types []any
	}{
		{"`push --json` prints:", []any{oci.PushResult{}}},
		{"`pull --json` prints", []any{oci.PullResult{}}},
		{"`sync --json` prints", []any{oci.SyncDecision{}}},
	} {
		i := strings.Index(doc, tc.start)
		if i < 0 {
			t.Fatalf("docs/distribution.md: no %q", tc.start)
		}
		open := strings.Index(doc[i:], "```json\n")
		end := strings.Index(doc[i+open+8:], "\n```\n")
		if open < 0 || end < 0 {
			t.Fatalf("docs/distribution.md: no JSON block after %q", tc.start)
		}
		seen := map[string]bool{}
		for _, m := range keyRE.FindAllStringSubmatch(doc[i+open:i+open+8+end], -1) {
			seen[m[1]] = true
		}
		var got []string
		for k := range seen {
			if !strings.HasPrefix(k, "sha256") {
				got = append(got, k)
			}
		}
		sort.Strings(got)
		// Values that look like keys in the examples.
		got = slicesDelete(got, "published", "sip-8-12")
		if diff := cmp.Diff(jsonKeys(tc.types...), got); diff != "" {
			t.Errorf("%s: keys printed vs documented (-printed +documented):\n%s", tc.start, diff)
		}
	}
}

func slicesDelete(s []string, drop ...string) []string {
	out := s[:0]
	for _, v := range s {
		keep := true
		for _, d := range drop {
			keep = keep && v != d
		}
		if keep {
			out = append(out, v)
		}
	}
	return out
}
