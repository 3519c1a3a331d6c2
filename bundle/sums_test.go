package bundle

import (
	"bytes"
	"crypto/sha256"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestSumsRoundTrip(t *testing.T) {
	in := []Sum{
		{Name: "b/c.txt", SHA256: sha256.Sum256([]byte("c"))},
		{Name: "SIPDefault.cnf", SHA256: sha256.Sum256([]byte("s"))},
		{Name: "a b.bin", SHA256: sha256.Sum256(nil)},
	}
	data, err := MarshalSums(in)
	if err != nil {
		t.Fatal(err)
	}
	want := "043a718774c572bd8a25adbeb1bfcd5c0256ae11cecf9f9c3f925d0e52beaf89  SIPDefault.cnf\n" +
		"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855  a b.bin\n" +
		"2e7d2c03a9507ae265ecf5b5356885a53393a2029d241394997265a1a25aefc6  b/c.txt\n"
	if d := cmp.Diff(want, string(data)); d != "" {
		t.Errorf("MarshalSums (-want +got):\n%s", d)
	}
	got, err := ParseSums(data)
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff([]Sum{in[1], in[2], in[0]}, got); d != "" {
		t.Errorf("ParseSums (-want +got):\n%s", d)
	}
}

func TestParseSumsErrors(t *testing.T) {
	h := strings.Repeat("ab", 32)
	tests := []struct{ in, want string }{
		{h + "  a\n" + h + "  a\n", "SHA256SUMS:2: a already listed on line 1"},
		// Out of name order, and the first problem in line order wins,
		// whichever kind it is (the index sorts the lines to find twins).
		{h + "  c\n" + h + "  b\n" + h + "  a\n" + h + "  b\n" + h + "  c\n", "SHA256SUMS:4: b already listed on line 2"},
		{h + "  b\n" + h + "  a\n" + h + "  b\n" + h + "  b\n", "SHA256SUMS:3: b already listed on line 1"},
		{h + "  b\n" + h + "  a\n" + h + " x\n" + h + "  b\n", "SHA256SUMS:3: not a sha256sum line"},
		{h + "  b\n" + h + "  b\n" + h + " x\n", "SHA256SUMS:2: b already listed on line 1"},
		{h + "  a", "last line not terminated"},
		{h + " a\n", "SHA256SUMS:1: not a sha256sum line"},
		{strings.ToUpper(h) + "  a\n", "SHA256SUMS:1: bad hex digest"},
		{h[:62] + "zz  a\n", "SHA256SUMS:1: bad hex digest"},
		{h + "  ../etc/passwd\n", "not a clean relative path"},
		{h + "  /abs\n", "absolute path"},
		{h + "  a\\b\n", "backslash"},
		{"\n", "not a sha256sum line"},
		{h + "  a\n" + h + "  b\r\n", "SHA256SUMS:2: ends with a carriage return; SHA256SUMS lines end with LF only"},
		{"\ufeff" + h + "  a\n", "SHA256SUMS:1: starts with a byte-order mark"},
		// sha256sum's form for a name with a backslash: \<hex>  a\\b
		{"\\" + h + "  a\\\\b\n", "SHA256SUMS:1: a name escaped by sha256sum"},
		{"\\" + h + "  a\\nb\n", "SHA256SUMS:1: a name escaped by sha256sum"},
	}
	for _, tt := range tests {
		_, err := ParseSums([]byte(tt.in))
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%q: err = %v, want %q", tt.in, err, tt.want)
		}
	}
}

func TestManifestRoundTrip(t *testing.T) {
	m := &Manifest{Format: FormatVersion, Name: "x", Target: Target{Models: []string{"7960", "7940"}}}
	b, err := m.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), `"loads": []`) || !strings.Contains(string(b), `"waived": []`) {
		t.Errorf("empty lists not []:\n%s", b)
	}
	got, err := ParseManifest(b)
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff([]string{"7940", "7960"}, got.Target.Models); d != "" {
		t.Errorf("models (-want +got):\n%s", d)
	}
	for _, bad := range []string{`{"format": 2}`, `{"format": 1} {}`, `[`, `{"format": "1"}`} {
		if _, err := ParseManifest([]byte(bad)); err == nil {
			t.Errorf("%s accepted", bad)
		}
	}
}

func FuzzSums(f *testing.F) {
	f.Add([]byte(strings.Repeat("ab", 32) + "  SIPDefault.cnf\n"))
	f.Add([]byte(strings.Repeat("00", 32) + " *dir/x.bin\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		sums, err := ParseSums(b)
		if err != nil {
			return
		}
		// What parses re-encodes and parses to the same list.
		out, err := MarshalSums(sums)
		if err != nil {
			t.Fatalf("re-encode: %v", err)
		}
		again, err := ParseSums(out)
		if err != nil {
			t.Fatalf("re-parse: %v", err)
		}
		want := append([]Sum{}, sums...)
		sort.Slice(want, func(i, j int) bool { return want[i].Name < want[j].Name })
		if diff := cmp.Diff(want, again); diff != "" {
			t.Fatalf("re-parse (-want +got):\n%s", diff)
		}
		// Sorted, in text mode, it is the very bytes sha256sum writes.
		if sort.SliceIsSorted(sums, func(i, j int) bool { return sums[i].Name < sums[j].Name }) && textMode(b) && !bytes.Equal(out, b) {
			t.Fatalf("sorted text-mode input re-encodes differently:\n%q\n%q", b, out)
		}
	})
}

// textMode reports whether every line of a parsed SHA256SUMS uses the
// two-space separator (not " *").
func textMode(b []byte) bool {
	for _, l := range bytes.SplitAfter(b, []byte("\n")) {
		if len(l) > 66 && string(l[64:66]) != "  " {
			return false
		}
	}
	return true
}

func FuzzParseManifest(f *testing.F) {
	m := &Manifest{Format: FormatVersion, Name: "x"}
	b, _ := m.Marshal()
	f.Add(b)
	f.Fuzz(func(t *testing.T, b []byte) {
		_, _ = ParseManifest(b)
	})
}

func TestSourceDateEpoch(t *testing.T) {
	t.Setenv("SOURCE_DATE_EPOCH", "1700000000")
	got, ok, err := SourceDateEpoch()
	if err != nil || !ok || !got.Equal(time.Unix(1700000000, 0)) || got.Location() != time.UTC {
		t.Errorf("got %v %v %v", got, ok, err)
	}
	t.Setenv("SOURCE_DATE_EPOCH", "")
	if _, ok, err := SourceDateEpoch(); ok || err != nil {
		t.Errorf("empty: %v %v", ok, err)
	}
	for _, bad := range []string{"soon", "-1", "1e9"} {
		t.Setenv("SOURCE_DATE_EPOCH", bad)
		if _, _, err := SourceDateEpoch(); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}
