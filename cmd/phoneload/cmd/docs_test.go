package cmd

import (
	"os"
	"os/exec"
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
	got := committed(t, dir, "*.md")
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

// TestManCurrent fails when docs/man is out of date with the commands
// (regenerate with `make docs`), and has groff render every page with
// warnings on, when groff is installed.
func TestManCurrent(t *testing.T) {
	want, err := gen.ManFiles(New(), CfgfmtManCommand())
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join("..", "..", "..", "docs", "man")
	got := committed(t, dir, "*.1")
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("docs/man is stale; run `make docs` (-want +got):\n%s", diff)
	}
	for _, name := range []string{"phoneload.1", "phoneload-pack.1", "phoneload-version.1", "cfgfmt.1"} {
		if _, ok := want[name]; !ok {
			t.Errorf("no %s", name)
		}
	}
	if !strings.Contains(want["phoneload-pack.1"], "PHONELOAD_PASSPHRASE") {
		t.Error("phoneload-pack.1 lacks the passphrase paragraph")
	}
	groff, err := exec.LookPath("groff")
	if err != nil {
		return
	}
	for name := range got {
		out, err := exec.Command(groff, "-man", "-Tutf8", "-ww", "-z", filepath.Join(dir, name)).CombinedOutput()
		if err != nil || len(out) > 0 {
			t.Errorf("groff %s: %v\n%s", name, err, out)
		}
	}
}

// committed reads the generated files matching pattern in dir, by base name.
func committed(t *testing.T, dir, pattern string) map[string]string {
	t.Helper()
	got := map[string]string{}
	files, _ := filepath.Glob(filepath.Join(dir, pattern))
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		got[filepath.Base(f)] = string(b)
	}
	return got
}
