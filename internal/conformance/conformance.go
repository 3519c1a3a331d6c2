// Package conformance locates ../shared/conformance, the real-world inputs
// nobody on this project wrote. Tests that need them skip when it is absent.
package conformance

import (
	"os"
	"path/filepath"
	"testing"
)

// Dir returns the conformance directory, or skips t when it is absent.
// $PHONELOAD_CONFORMANCE overrides the default, which is
// <module root>/../shared/conformance.
func Dir(t testing.TB) string {
	t.Helper()
	d := Path()
	if d == "" {
		t.Skip("conformance data not found (../shared/conformance beside the checkout, or $PHONELOAD_CONFORMANCE); skipping")
	}
	return d
}

// Path returns the conformance directory, or "" when it is absent.
func Path() string {
	if d := os.Getenv("PHONELOAD_CONFORMANCE"); d != "" {
		if fi, err := os.Stat(d); err == nil && fi.IsDir() {
			return d
		}
		return ""
	}
	dir, err := os.Getwd()
	if err != nil {
		return ""
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			d := filepath.Join(dir, "..", "shared", "conformance")
			if fi, err := os.Stat(d); err == nil && fi.IsDir() {
				return d
			}
			return ""
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return ""
		}
		dir = parent
	}
}

// RealWorldPath returns ../shared/realworld (or $PHONELOAD_REALWORLD), or
// "" when it is absent.
func RealWorldPath() string {
	if d := os.Getenv("PHONELOAD_REALWORLD"); d != "" {
		if fi, err := os.Stat(d); err == nil && fi.IsDir() {
			return d
		}
		return ""
	}
	if c := Path(); c != "" {
		d := filepath.Join(filepath.Dir(c), "realworld")
		if fi, err := os.Stat(d); err == nil && fi.IsDir() {
			return d
		}
	}
	return ""
}

// RealWorld returns ../shared/realworld (real TFTP roots and provisioning
// repositories, SOURCES.tsv), or skips t when it is absent.
// $PHONELOAD_REALWORLD overrides the default.
func RealWorld(t testing.TB) string {
	t.Helper()
	if d := os.Getenv("PHONELOAD_REALWORLD"); d != "" {
		if fi, err := os.Stat(d); err == nil && fi.IsDir() {
			return d
		}
		t.Skip("$PHONELOAD_REALWORLD is not a directory; skipping")
	}
	if c := Path(); c != "" {
		d := filepath.Join(filepath.Dir(c), "realworld")
		if fi, err := os.Stat(d); err == nil && fi.IsDir() {
			return d
		}
	}
	t.Skip("real roots not found (../shared/realworld beside the checkout, or $PHONELOAD_REALWORLD); skipping")
	return ""
}
