package main

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestRulesDocCurrent fails when docs/rules.md no longer matches the rule
// registry. Regenerate with `go run ./cmd/phoneload/internal/genrules docs/rules.md`.
func TestRulesDocCurrent(t *testing.T) {
	got, err := os.ReadFile(filepath.Join("..", "..", "..", "..", "docs", "rules.md"))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(string(markdown()), string(got)); diff != "" {
		t.Errorf("docs/rules.md is stale; run `go run ./cmd/phoneload/internal/genrules docs/rules.md` (-want +got):\n%s", diff)
	}
}
