// Package gen renders the command tree as Markdown (docs/cli) and as man
// pages (docs/man), one file per command.
package gen

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"

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
	return files(root, ".md", Write)
}

// ManFiles returns the generated man pages as name → content, for tests.
func ManFiles(root *cobra.Command, extra ...*cobra.Command) (map[string]string, error) {
	return files(root, ".1", func(r *cobra.Command, dir string) error { return WriteMan(r, dir, extra...) })
}

// thLine is the .TH line's date field, which cobra fills with the month of
// generation; it is left empty so that the pages depend on the commands
// only (a test keeps the committed pages current).
var thLine = regexp.MustCompile(`(?m)^(\.TH "[^"]*" "[^"]*" )"[^"]*"`)

// WriteMan replaces dir's *.1 files with the man pages of root, its
// subcommands and extra (stand-alone programs described as commands, such
// as cfgfmt). Output is deterministic.
func WriteMan(root *cobra.Command, dir string, extra ...*cobra.Command) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	old, _ := filepath.Glob(filepath.Join(dir, "*.1"))
	for _, f := range old {
		os.Remove(f)
	}
	date := time.Unix(0, 0)
	var err error
	write := func(c *cobra.Command, manual string) {
		if err != nil || !c.IsAvailableCommand() && c != root && c.Parent() != nil || c.Hidden {
			return
		}
		c.DisableAutoGenTag = true
		h := &doc.GenManHeader{Section: "1", Date: &date, Source: manual, Manual: manual + " manual"}
		var b bytes.Buffer
		if err = doc.GenMan(c, h, &b); err != nil {
			return
		}
		out := asciiRoff(thLine.ReplaceAll(b.Bytes(), []byte(`$1""`)))
		name := strings.ReplaceAll(c.CommandPath(), " ", "-") + ".1"
		err = os.WriteFile(filepath.Join(dir, name), out, 0o644)
	}
	visit(root, func(c *cobra.Command) {
		if c.Name() == "help" {
			return
		}
		write(c, root.Name())
	})
	for _, c := range extra {
		write(c, c.Name())
	}
	return err
}

func files(root *cobra.Command, ext string, gen func(*cobra.Command, string) error) (map[string]string, error) {
	dir, err := os.MkdirTemp("", "gendocs")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	if err := gen(root, dir); err != nil {
		return nil, err
	}
	out := map[string]string{}
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	for _, e := range ents {
		if !strings.HasSuffix(e.Name(), ext) {
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

// asciiRoff writes every non-ASCII character as a groff escape (\[u2026]
// for …), so that every man implementation renders the page whatever its
// input encoding.
func asciiRoff(b []byte) []byte {
	var out bytes.Buffer
	for _, r := range string(b) {
		if r < 0x80 {
			out.WriteRune(r)
			continue
		}
		fmt.Fprintf(&out, "\\[u%04X]", r)
	}
	return out.Bytes()
}
