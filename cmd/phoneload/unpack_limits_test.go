//go:build unix

package main

import (
	"archive/zip"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestUnpackRaisedLimits: a zip of more entries than the default limit
// unpacks when --max-files admits them. Telling a zip from a tar-in-zip
// reads the central directory; it used the default limits whatever the
// flags said, so the command refused what the flag allowed.
func TestUnpackRaisedLimits(t *testing.T) {
	dir := t.TempDir()
	zp := filepath.Join(dir, "big.zip")
	f, err := os.Create(zp)
	if err != nil {
		t.Fatal(err)
	}
	zw := zip.NewWriter(f)
	const n = 1500
	for i := range n {
		w, err := zw.Create(fmt.Sprintf("SIP000D28%06X.cnf", i))
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(w, "line1_name: %d\n", i)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	f.Close()

	_, stderr, code := run(t, "unpack", zp, filepath.Join(dir, "refused"))
	if code == 0 || !strings.Contains(stderr, "too many files") {
		t.Fatalf("default limits: exit %d, %s", code, stderr)
	}
	out, stderr, code := run(t, "unpack", "--json", "--max-files", "5000", zp, filepath.Join(dir, "out"))
	if code != 0 {
		t.Fatalf("--max-files 5000: exit %d, %s", code, stderr)
	}
	var got struct {
		Container string `json:"container"`
		Files     []any  `json:"files"`
	}
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	if got.Container != "zip" || len(got.Files) != n {
		t.Errorf("container %q, %d files; want zip, %d", got.Container, len(got.Files), n)
	}
}
