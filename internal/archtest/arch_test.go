package archtest

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

const module = "github.com/phoneload/phoneload"

// allowedArrows reads the block between the arrows markers of
// docs/architecture.md: one package a line, then the module packages it
// may import.
func allowedArrows(doc []byte) (map[string]map[string]bool, error) {
	allowed := map[string]map[string]bool{}
	in := false
	sc := bufio.NewScanner(bytes.NewReader(doc))
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		switch {
		case line == "<!-- arrows:begin -->":
			in = true
			continue
		case line == "<!-- arrows:end -->":
			return allowed, nil
		case !in || line == "" || strings.HasPrefix(line, "```") || strings.HasPrefix(line, "#"):
			continue
		}
		pkg, deps, _ := strings.Cut(line, "->")
		pkg = strings.TrimSpace(pkg)
		if pkg == "" {
			return nil, fmt.Errorf("docs/architecture.md:%d: no package before ->", n)
		}
		if _, dup := allowed[pkg]; dup {
			return nil, fmt.Errorf("docs/architecture.md:%d: %s listed twice", n, pkg)
		}
		allowed[pkg] = map[string]bool{}
		for _, d := range strings.Fields(deps) {
			allowed[pkg][d] = true
		}
	}
	return nil, fmt.Errorf("docs/architecture.md: no <!-- arrows:begin --> … <!-- arrows:end --> block")
}

// violations lists every import of graph (package → module packages it
// imports) that allowed does not list, and every package it does not know.
func violations(graph map[string][]string, allowed map[string]map[string]bool) []string {
	var out []string
	for pkg, deps := range graph {
		ok, known := allowed[pkg]
		if !known {
			out = append(out, fmt.Sprintf("%s is not in docs/architecture.md's arrows", pkg))
			continue
		}
		for _, d := range deps {
			if !ok[d] {
				out = append(out, fmt.Sprintf("%s imports %s: not an allowed arrow", pkg, d))
			}
		}
	}
	for pkg := range allowed {
		if _, ok := graph[pkg]; !ok {
			out = append(out, fmt.Sprintf("docs/architecture.md lists %s, which does not exist", pkg))
		}
	}
	sort.Strings(out)
	return out
}

// importGraph asks the go command for every package of the module and its
// non-test imports inside the module, relative to the module path.
func importGraph(t *testing.T, root string) map[string][]string {
	cmd := exec.Command("go", "list", "-f", "{{.ImportPath}} {{join .Imports \" \"}}", "./...")
	cmd.Dir = root
	cmd.Stderr = os.Stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	graph := map[string][]string{}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		f := strings.Fields(line)
		pkg := strings.TrimPrefix(strings.TrimPrefix(f[0], module), "/")
		graph[pkg] = nil
		for _, imp := range f[1:] {
			if rel, ok := strings.CutPrefix(imp, module+"/"); ok {
				graph[pkg] = append(graph[pkg], rel)
			}
		}
	}
	return graph
}

func TestImportArrows(t *testing.T) {
	root, _ := filepath.Abs("../..")
	doc, err := os.ReadFile(filepath.Join(root, "docs", "architecture.md"))
	if err != nil {
		t.Fatal(err)
	}
	allowed, err := allowedArrows(doc)
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range violations(importGraph(t, root), allowed) {
		t.Error(v)
	}
}

// TestViolations pins that the checker itself catches what it must: an
// upward arrow, a package nobody listed, and a listed one that is gone.
func TestViolations(t *testing.T) {
	allowed, err := allowedArrows([]byte("x\n<!-- arrows:begin -->\n```\n# comment\nbundle/cisco -> sign\nsign ->\nbundle/gone ->\n```\n<!-- arrows:end -->\n"))
	if err != nil {
		t.Fatal(err)
	}
	graph := map[string][]string{
		"bundle/cisco": {"sign", "bundle/check"},
		"sign":         nil,
		"bundle/new":   nil,
	}
	got := violations(graph, allowed)
	want := []string{
		"bundle/cisco imports bundle/check: not an allowed arrow",
		"bundle/new is not in docs/architecture.md's arrows",
		"docs/architecture.md lists bundle/gone, which does not exist",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("violations:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if _, err := allowedArrows([]byte("no block")); err == nil {
		t.Error("a doc without the arrows block was accepted")
	}
}
