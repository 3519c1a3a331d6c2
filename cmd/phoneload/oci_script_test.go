package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"

	"github.com/rogpeppe/go-internal/testscript"
)

func init() {
	scriptCmds["flipblob"] = cmdFlipblob
}

// cmdFlipblob is `flipblob LAYOUT NAME`: flips one byte (size kept) of the
// blob that holds the bundle file NAME in an OCI image-layout directory, in
// every manifest the layout indexes: a tampered USB stick.
func cmdFlipblob(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: flipblob LAYOUT NAME")
	}
	dir := ts.MkAbs(args[0])
	blob := func(dg string) string {
		return filepath.Join(dir, "blobs", "sha256", strings.TrimPrefix(dg, "sha256:"))
	}
	var index struct {
		Manifests []struct{ Digest string } `json:"manifests"`
	}
	data, err := os.ReadFile(filepath.Join(dir, "index.json"))
	ts.Check(err)
	ts.Check(json.Unmarshal(data, &index))
	done := map[string]bool{}
	for _, m := range index.Manifests {
		var man struct {
			Layers []struct {
				Digest      string            `json:"digest"`
				Annotations map[string]string `json:"annotations"`
			} `json:"layers"`
		}
		data, err := os.ReadFile(blob(m.Digest))
		ts.Check(err)
		ts.Check(json.Unmarshal(data, &man))
		for _, l := range man.Layers {
			if l.Annotations["org.opencontainers.image.title"] != args[1] || done[l.Digest] {
				continue
			}
			done[l.Digest] = true
			b, err := os.ReadFile(blob(l.Digest))
			ts.Check(err)
			if len(b) == 0 {
				ts.Fatalf("%s: empty blob", args[1])
			}
			b[len(b)/2] ^= 0x01
			ts.Check(os.WriteFile(blob(l.Digest), b, 0o644))
		}
	}
	if len(done) == 0 {
		ts.Fatalf("%s: no blob for it in %s", args[1], dir)
	}
}
