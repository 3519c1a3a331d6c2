package bundle

import (
	"bytes"
	"errors"
	"io"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/klauspost/compress/zip"
)

// rezip rewrites the bundle zip at zp with its entries changed by edit
// (name -> content; a missing name is dropped), written in the order
// order gives the sorted names.
func rezip(t *testing.T, zp string, edit func(files map[string][]byte), order func([]string) []string) {
	t.Helper()
	zr, err := zip.OpenReader(zp)
	if err != nil {
		t.Fatal(err)
	}
	files := map[string][]byte{}
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		files[f.Name], _ = io.ReadAll(rc)
		rc.Close()
	}
	zr.Close()
	edit(files)
	var names []string
	for n := range files {
		names = append(names, n)
	}
	slices.Sort(names)
	names = order(names)
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	for _, n := range names {
		w, err := zw.CreateHeader(&zip.FileHeader{Name: n, Method: zip.Deflate})
		if err != nil {
			t.Fatal(err)
		}
		w.Write(files[n])
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(zp, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestVerifyZipTreeChanges: a bundle zip, walked in name order without a
// record per entry (its entries sorted, as pack writes them) or, out of
// order, the old way, is judged the same: a file modified, missing,
// added, renamed, a line of SHA256SUMS changed after signing, a name
// twice in case only.
func TestVerifyZipTreeChanges(t *testing.T) {
	k := newTestKeys(t, 1)
	opts := VerifyOptions{Trust: k.trust()}
	tests := []struct {
		name  string
		edit  func(files map[string][]byte)
		twice string // a name written twice
		want  string // in the problems, or "signature"; "" for none
	}{
		{"pristine", nil, "", ""},
		{"modified", func(f map[string][]byte) { f["SIPDefault.cnf"] = []byte("x") }, "", "modified: SIPDefault.cnf ("},
		{"missing", func(f map[string][]byte) { delete(f, "P0S3-08-12-00.loads") }, "", "missing: P0S3-08-12-00.loads"},
		{"extra", func(f map[string][]byte) { f["ringtones/new.raw"] = []byte("x") }, "", "extra: ringtones/new.raw"},
		{"renamed", func(f map[string][]byte) {
			f["sipdefault.txt"] = f["SIPDefault.cnf"]
			delete(f, "SIPDefault.cnf")
		}, "", "renamed: SIPDefault.cnf -> sipdefault.txt"},
		{"line changed after signing", func(f map[string][]byte) {
			f[SumsName] = bytes.Replace(f[SumsName], []byte("  SIPDefault.cnf"), []byte("  SIPDefault.cnX"), 1)
		}, "", "signature"},
		{"case twin", func(f map[string][]byte) { f["sipdefault.cnf"] = []byte("x") }, "", "names differ only in case"},
		{"name twice", nil, "SIPDefault.cnf", "extra: SIPDefault.cnf"},
	}
	for _, tt := range tests {
		for _, order := range []string{"sorted", "reversed"} {
			t.Run(tt.name+"/"+order, func(t *testing.T) {
				zp := packZip(t, k)
				rezip(t, zp, func(f map[string][]byte) {
					if tt.edit != nil {
						tt.edit(f)
					}
				}, func(names []string) []string {
					if tt.twice != "" {
						names = append(names, tt.twice)
						slices.Sort(names)
					}
					if order == "reversed" {
						slices.Reverse(names)
					}
					return names
				})
				res, err := Verify(zp, opts)
				var got []string
				for _, p := range res.Problems {
					got = append(got, p.String())
				}
				gotS := strings.Join(got, "; ")
				switch {
				case tt.want == "" && err != nil:
					t.Fatalf("err = %v", err)
				case tt.want == "":
				case tt.want == "signature":
					if !errors.Is(err, ErrSignature) {
						t.Fatalf("err = %v, want ErrSignature", err)
					}
				case !strings.Contains(gotS, tt.want) || len(got) != 1 || !errors.Is(err, ErrContent):
					t.Fatalf("problems = %q (%v), want one with %q", gotS, err, tt.want)
				}
			})
		}
	}
}

// TestVerifySumsReadOnce: SHA256SUMS rewritten on disk once the files are
// being hashed changes nothing: the files are judged by the bytes the
// signatures were checked over, read once, never by the file again.
func TestVerifySumsReadOnce(t *testing.T) {
	k := newTestKeys(t, 1)
	_, out := packDir(t, k)
	p := out + "/" + SumsName
	orig, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	// Every digest zeroed: judged by these, every file would differ.
	var zeroed []byte
	for _, l := range strings.SplitAfter(string(orig), "\n") {
		if len(l) > 64 {
			l = strings.Repeat("0", 64) + l[64:]
		}
		zeroed = append(zeroed, l...)
	}
	var once sync.Once
	rewritten := false
	res, err := Verify(out, VerifyOptions{Trust: k.trust(), Progress: func(int64) {
		once.Do(func() { // progress comes from every worker
			rewritten = true
			if err := os.WriteFile(p, zeroed, 0o644); err != nil {
				t.Error(err)
			}
		})
	}})
	if !rewritten {
		t.Fatal("no progress reported")
	}
	if err != nil || !res.Valid || len(res.Problems) != 0 {
		t.Fatalf("verify: %v %+v", err, res)
	}
	// And the rewritten file is refused by its signature.
	if _, err := Verify(out, VerifyOptions{Trust: k.trust()}); !errors.Is(err, ErrSignature) {
		t.Fatalf("rewritten SHA256SUMS: %v, want ErrSignature", err)
	}
}
