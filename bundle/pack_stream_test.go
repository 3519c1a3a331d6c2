package bundle

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/phoneload/phoneload/sign"
)

// plainSigner hides a signer's SignReader: pack must then sign SHA256SUMS
// held in memory, with the same result.
type plainSigner struct{ s sign.Signer }

func (p plainSigner) Kind() string  { return p.s.Kind() }
func (p plainSigner) KeyID() string { return p.s.KeyID() }
func (p plainSigner) Sign(msg []byte, when time.Time) ([]byte, error) {
	return p.s.Sign(msg, when)
}

// TestPackStreamedSums: pack writes SHA256SUMS to a temporary file and
// signs it streaming (sign.ReaderSigner); the bundle is byte-identical to
// the one signed from memory (a signer that is not a ReaderSigner), in
// both forms, and no temporary file (.OUT.sums-*, .OUT.index-*,
// .OUT.spool-*, .OUT.tmp-*) is left beside the output, after success or
// after a failure in the middle of the walk.
func TestPackStreamedSums(t *testing.T) {
	k := newTestKeys(t, 3)
	src := filepath.Join(t.TempDir(), "drop")
	writeTree(t, src, nil)
	// Names around bundle.json, where its line is inserted.
	for _, n := range []string{"bundle.jso", "bundle.json0", "bundle0", "a/bundle.json"} {
		p := filepath.Join(src, filepath.FromSlash(n))
		os.MkdirAll(filepath.Dir(p), 0o755)
		os.WriteFile(p, []byte(n), 0o644)
	}
	read := func(out string) map[string][]byte {
		t.Helper()
		got := map[string][]byte{}
		if strings.HasSuffix(out, ".zip") {
			b, err := os.ReadFile(out)
			if err != nil {
				t.Fatal(err)
			}
			got[""] = b
			return got
		}
		filepath.WalkDir(out, func(p string, d os.DirEntry, err error) error {
			if err != nil {
				t.Fatal(err)
			}
			fi, _ := d.Info()
			b, _ := os.ReadFile(p)
			rel, _ := filepath.Rel(out, p)
			got[rel+" "+fi.Mode().String()+" "+fi.ModTime().UTC().String()] = b
			return nil
		})
		return got
	}
	for _, form := range []string{"b", "b.zip"} {
		var results []map[string][]byte
		for _, plain := range []bool{false, true} {
			dir := t.TempDir()
			opts := packOpts(k)
			if plain {
				opts.Signers = nil
				for _, s := range k.signers() {
					opts.Signers = append(opts.Signers, plainSigner{s})
				}
			}
			out := filepath.Join(dir, form)
			if _, err := Pack(src, out, opts); err != nil {
				t.Fatal(err)
			}
			if res, err := Verify(out, VerifyOptions{Trust: k.trust(), Threshold: 2}); err != nil || !res.Valid {
				t.Fatalf("%s: verify: %v (%+v)", form, err, res)
			}
			results = append(results, read(out))
			ents, _ := os.ReadDir(dir)
			if len(ents) != 1 {
				t.Errorf("%s: beside the output: %v", form, ents)
			}
		}
		if len(results[0]) < 10 && form == "b" || len(results[0][""]) < 1000 && form == "b.zip" {
			t.Fatalf("%s: %d files", form, len(results[0]))
		}
		for name, b := range results[0] {
			if !bytes.Equal(b, results[1][name]) {
				t.Errorf("%s: %s differs between streamed and in-memory signing", form, name)
			}
		}
	}
	// A failure in the middle of the walk leaves nothing beside OUT.
	bad := filepath.Join(t.TempDir(), "drop")
	writeTree(t, bad, nil)
	os.MkdirAll(filepath.Join(bad, "zz"), 0o755)
	os.WriteFile(filepath.Join(bad, "zz", "x\x01"), nil, 0o644) // a name no bundle holds
	for _, form := range []string{"b", "b.zip"} {
		dir := t.TempDir()
		if _, err := Pack(bad, filepath.Join(dir, form), packOpts(k)); err == nil {
			t.Fatalf("%s: packed a name with a control character", form)
		}
		if ents, _ := os.ReadDir(dir); len(ents) != 0 {
			t.Errorf("%s: left beside the output: %v", form, ents)
		}
	}
}
