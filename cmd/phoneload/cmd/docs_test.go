package cmd

import (
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/phoneload/phoneload/cmd/phoneload/internal/gendocs/gen"
)

// TestDocsCurrent fails when docs/cli is out of date with the commands.
// Regenerate with `make docs`.
func TestDocsCurrent(t *testing.T) {
	want, err := gen.Files(New())
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join("..", "..", "..", "docs", "cli")
	got := map[string]string{}
	files, _ := filepath.Glob(filepath.Join(dir, "*.md"))
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		got[filepath.Base(f)] = string(b)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("docs/cli is stale; run `make docs` (-want +got):\n%s", diff)
	}
}

// TestEveryCommandHasExamples keeps the CLI contract: every runnable command
// documents itself with examples.
func TestEveryCommandHasExamples(t *testing.T) {
	var missing []string
	root := New()
	for _, c := range root.Commands() {
		if !c.IsAvailableCommand() || c.Name() == "completion" || c.Name() == "help" {
			continue
		}
		if c.Runnable() && strings.TrimSpace(c.Example) == "" {
			missing = append(missing, c.Name())
		}
		for _, s := range c.Commands() {
			if s.Runnable() && s.IsAvailableCommand() && strings.TrimSpace(s.Example) == "" {
				missing = append(missing, c.Name()+" "+s.Name())
			}
		}
	}
	sort.Strings(missing)
	if len(missing) > 0 {
		t.Errorf("commands without Example: %v", missing)
	}
}
