package container

import (
	"crypto/sha256"
	"encoding/hex"
	"io"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestInterop walks containers made by Info-ZIP, Python's zipfile and GNU
// tar (testdata/interop/README.md): the same four files from each, with the
// executable bit where the format carries modes.
func TestInterop(t *testing.T) {
	sum := func(s string) string { h := sha256.Sum256([]byte(s)); return hex.EncodeToString(h[:]) }
	want := map[string]string{
		"OS79XX.TXT":          sum("P0S3-8-12-00\n"),
		"SIPDefault.cnf":      sum("image_version: P0S3-8-12-00\n"),
		"check.sh":            "exec " + sum("#!/bin/sh\n"),
		"ringtones/Ring1.raw": sum(strings.Repeat("r", 3000)),
	}
	files, _ := filepath.Glob("../../testdata/interop/*.*")
	n := 0
	for _, p := range files {
		if strings.HasSuffix(p, ".md") {
			continue
		}
		n++
		got := map[string]string{}
		err := Walk(p, Limits{}, func(e Entry, r io.Reader) error {
			h := sha256.New()
			if _, err := io.Copy(h, r); err != nil {
				return err
			}
			v := hex.EncodeToString(h.Sum(nil))
			if e.Mode&0o100 != 0 {
				v = "exec " + v
			}
			got[e.Name] = v
			return nil
		})
		if err != nil {
			t.Errorf("%s: %v", p, err)
			continue
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("%s (-want +got):\n%s", p, diff)
		}
	}
	if n != 11 {
		t.Errorf("%d interop containers, want 11", n)
	}
}
