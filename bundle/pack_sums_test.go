package bundle

import (
	"bytes"
	"crypto/sha256"
	"io"
	"strings"
	"testing"
)

// The SHA256SUMS pack writes line by line to a file, with bundle.json
// inserted where it sorts as it is read back, is byte for byte what
// MarshalSums writes for the same files; names gives back the names
// added, and bytes the same as reader.
func TestSumsBuilderMatchesMarshalSums(t *testing.T) {
	mj := []byte("{}\n")
	long := strings.Repeat("x", 300<<10) // longer than names' read buffer
	for _, names := range [][]string{
		{"A.bin"},
		{"z.cnf"},
		{"A.bin", "SIPDefault.cnf", "b/x", "bundle", "bundle.jso", "bundle.json0", "bundle.k", "c"},
		{"bundle.jsoo", "bundle.jsoz"},
		{"a", long, "z"},
	} {
		b, err := newSumsBuilder(t.TempDir(), "out")
		if err != nil {
			t.Fatal(err)
		}
		sums := []Sum{{Name: ManifestName, SHA256: sha256.Sum256(mj)}}
		for _, n := range names {
			s := sha256.Sum256([]byte(n))
			if err := b.add(n, s); err != nil {
				t.Fatal(err)
			}
			sums = append(sums, Sum{Name: n, SHA256: s})
		}
		if err := b.finish(mj); err != nil {
			t.Fatal(err)
		}
		want, err := MarshalSums(sums)
		if err != nil {
			t.Fatal(err)
		}
		for range 2 { // each reader starts at the start
			got, err := io.ReadAll(b.reader())
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, want) || b.len() != int64(len(want)) {
				t.Errorf("%.60q:\ngot  %.200q (len %d)\nwant %.200q", names, got, b.len(), want)
			}
		}
		if got, err := b.bytes(); err != nil || !bytes.Equal(got, want) {
			t.Errorf("bytes: %v", err)
		}
		var back []string
		if err := b.names(func(n string) error { back = append(back, n); return nil }); err != nil {
			t.Fatal(err)
		}
		if strings.Join(back, "\n") != strings.Join(names, "\n") {
			t.Errorf("names: got %.60q, want %.60q", back, names)
		}
		b.remove()
	}
	b, err := newSumsBuilder(t.TempDir(), "out")
	if err != nil {
		t.Fatal(err)
	}
	defer b.remove()
	b.add("b", [32]byte{})
	if err := b.add("a", [32]byte{}); err == nil {
		t.Error("a name out of order was accepted")
	}
	if err := b.add("b", [32]byte{}); err == nil {
		t.Error("a name listed twice was accepted")
	}
}
