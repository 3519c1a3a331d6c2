package cisco

import (
	"encoding/json"
	"fmt"
	"testing"
	"unsafe"
)

// TestKindStrings proves that every Kind prints, and is written in JSON,
// as the string it was when Kind was a string type: the names appear in
// `inspect --json`, in check findings and in inspect's text (issue 16 made
// Kind one byte).
func TestKindStrings(t *testing.T) {
	want := []struct {
		k    Kind
		name string
	}{
		{KindImageBin, "image-bin"},
		{KindImageSBN, "image-sbn"},
		{KindImageSB2, "image-sb2"},
		{KindLoads, "loads"},
		{KindOS79XX, "os79xx"},
		{KindSIPConfig, "sip-config"},
		{KindMGCPConfig, "mgcp-config"},
		{KindXMLConfig, "xml-config"},
		{KindRinglist, "ringlist"},
		{KindRing, "ring"},
		{KindDialplan, "dialplan"},
		{KindProfileText, "profile-text"},
		{KindProfileBinary, "profile-binary"},
		{KindImageSBIN, "image-sbin"},
		{KindImageZUP, "image-zup"},
		{KindTrustList, "trust-list"},
		{KindSigned, "signed"},
		{KindLoadPointer, "load-pointer"},
		{KindRinglistXML, "ringlist-xml"},
		{KindTones, "tones"},
		{KindSyncInfo, "syncinfo"},
		{KindImageList, "image-list"},
		{KindPhoneXML, "phone-xml"},
		{KindManifestXML, "manifest-xml"},
		{KindTagTable, "tag-table"},
		{KindSource, "source"},
		{KindUnknown, "unknown"},
	}
	if n := len(Kinds()); n != len(want) {
		t.Fatalf("Kinds() lists %d kinds, the table %d: add the new kind here", n, len(want))
	}
	seen := map[Kind]bool{}
	for i, w := range want {
		if Kinds()[i] != w.k {
			t.Errorf("Kinds()[%d] = %v, want %v", i, Kinds()[i], w.k)
		}
		if seen[w.k] {
			t.Errorf("%s: two kinds share a value", w.name)
		}
		seen[w.k] = true
		if got := w.k.String(); got != w.name {
			t.Errorf("String() = %q, want %q", got, w.name)
		}
		for _, verb := range []string{"%s", "%v", "%q"} {
			if got, old := fmt.Sprintf(verb, w.k), fmt.Sprintf(verb, w.name); got != old {
				t.Errorf("Sprintf(%s) = %s, want %s", verb, got, old)
			}
		}
		// In a struct, as drop.Inspection holds it.
		type row struct {
			Kind Kind `json:"kind"`
		}
		b, err := json.Marshal(row{w.k})
		if err != nil || string(b) != `{"kind":"`+w.name+`"}` {
			t.Errorf("json: %s, %v", b, err)
		}
		var back row
		if err := json.Unmarshal(b, &back); err != nil || back.Kind != w.k {
			t.Errorf("json round trip of %s: %v, %v", w.name, back.Kind, err)
		}
		if p, ok := ParseKind(w.name); !ok || p != w.k {
			t.Errorf("ParseKind(%q) = %v, %v", w.name, p, ok)
		}
	}
	// The unset kind prints as the empty string did.
	var zero Kind
	if zero.String() != "" || fmt.Sprint(zero) != "" {
		t.Errorf("zero Kind prints %q", zero.String())
	}
	if b, _ := json.Marshal(zero); string(b) != `""` {
		t.Errorf("zero Kind in JSON: %s", b)
	}
	if err := json.Unmarshal([]byte(`"no-such-kind"`), &zero); err == nil {
		t.Error("an unknown kind name was accepted")
	}
	// Fetched is unchanged: only sources, tag tables, load pointers and
	// unknown files are not fetched.
	for _, w := range want {
		not := w.k == KindSource || w.k == KindTagTable || w.k == KindLoadPointer || w.k == KindUnknown
		if w.k.Fetched() == not {
			t.Errorf("%s: Fetched() = %v", w.name, w.k.Fetched())
		}
	}
	if unsafe.Sizeof(zero) != 1 {
		t.Errorf("Kind is %d bytes, want 1", unsafe.Sizeof(zero))
	}
}
