package tftp

import (
	"path"
	"strings"
	"testing"
)

// FuzzCleanName: a name CleanName accepts never leaves the root, never
// names a hidden file, and is already clean.
func FuzzCleanName(f *testing.F) {
	for _, s := range []string{"SIPDefault.cnf", "/a/b", "../x", "a/../../b", ".phoneload/state.json", `a\b`, "a//b", "a/./b"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, name string) {
		n, err := CleanName(name)
		if err != nil {
			return
		}
		if n != path.Clean(n) || path.IsAbs(n) || strings.HasPrefix(n, "..") || strings.Contains(n, "/.") || strings.HasPrefix(n, ".") {
			t.Fatalf("CleanName(%q) = %q", name, n)
		}
	})
}
