package bundle

import (
	"bytes"
	"crypto/sha256"
	"testing"
)

// The SHA256SUMS pack builds line by line, with bundle.json inserted where
// it sorts, is byte for byte what MarshalSums writes for the same files.
func TestSumsBuilderMatchesMarshalSums(t *testing.T) {
	mj := []byte("{}\n")
	for _, names := range [][]string{
		{"A.bin"},
		{"z.cnf"},
		{"A.bin", "SIPDefault.cnf", "b/x", "bundle", "bundle.jso", "bundle.json0", "bundle.k", "c"},
		{"bundle.jsoo", "bundle.jsoz"},
	} {
		var b sumsBuilder
		sums := []Sum{{Name: ManifestName, SHA256: sha256.Sum256(mj)}}
		for _, n := range names {
			s := sha256.Sum256([]byte(n))
			if err := b.add(n, s); err != nil {
				t.Fatal(err)
			}
			sums = append(sums, Sum{Name: n, SHA256: s})
		}
		want, err := MarshalSums(sums)
		if err != nil {
			t.Fatal(err)
		}
		if got := b.withManifest(mj); !bytes.Equal(got, want) {
			t.Errorf("%v:\ngot  %q\nwant %q", names, got, want)
		}
	}
	var b sumsBuilder
	b.add("b", [32]byte{})
	if err := b.add("a", [32]byte{}); err == nil {
		t.Error("a name out of order was accepted")
	}
	if err := b.add("b", [32]byte{}); err == nil {
		t.Error("a name listed twice was accepted")
	}
}
