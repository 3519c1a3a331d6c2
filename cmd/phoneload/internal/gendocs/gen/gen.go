// Package gen renders the command tree as Markdown, one file per command.
package gen

import (
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/cobra/doc"
)

// Write replaces dir's *.md files with the reference of root and its
// subcommands. Output is deterministic (no generation date).
func Write(root *cobra.Command, dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	old, _ := filepath.Glob(filepath.Join(dir, "*.md"))
	for _, f := range old {
		os.Remove(f)
	}
	root.DisableAutoGenTag = true
	visit(root, func(c *cobra.Command) { c.DisableAutoGenTag = true })
	link := func(name string) string { return name }
	return doc.GenMarkdownTreeCustom(root, dir, func(string) string { return "" }, link)
}

func visit(c *cobra.Command, fn func(*cobra.Command)) {
	fn(c)
	for _, s := range c.Commands() {
		visit(s, fn)
	}
}

// Files returns the generated docs as name → content, for tests.
func Files(root *cobra.Command) (map[string]string, error) {
	dir, err := os.MkdirTemp("", "gendocs")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	if err := Write(root, dir); err != nil {
		return nil, err
	}
	out := map[string]string{}
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	for _, e := range ents {
		if !strings.HasSuffix(e.Name(), ".md") {
			continue
		}
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			return nil, err
		}
		out[e.Name()] = string(b)
	}
	return out, nil
}
