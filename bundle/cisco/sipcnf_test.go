package cisco

import (
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParseSIPConfig(t *testing.T) {
	in := `# SIPDefault.cnf
image_version: P0S3-8-12-00 ; the image
proxy1_address: "10.0.0.1"   ; quoted
line1_name : 1001
  dial_template: "dialplan"
messages_uri: "*97" junk
phone_label: "unterminated
no colon here
bad name: x
IMAGE_VERSION: P0S3-8-11-00
empty:
`
	got, ps := ParseSIPConfig([]byte(in))
	want := &SIPConfig{Entries: []ConfigEntry{
		{Name: "image_version", Value: "P0S3-8-12-00", Line: 2},
		{Name: "proxy1_address", Value: "10.0.0.1", Line: 3, Quoted: true},
		{Name: "line1_name", Value: "1001", Line: 4},
		{Name: "dial_template", Value: "dialplan", Line: 5, Quoted: true},
		{Name: "messages_uri", Value: "*97", Line: 6, Quoted: true},
		{Name: "phone_label", Value: "unterminated", Line: 7, Quoted: true},
		{Name: "IMAGE_VERSION", Value: "P0S3-8-11-00", Line: 10},
		{Name: "empty", Value: "", Line: 11},
	}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("ParseSIPConfig (-want +got):\n%s", diff)
	}
	wantPs := []Problem{
		{Line: 6, Msg: `messages_uri: text after the closing quote: "junk"`},
		{Line: 7, Msg: "phone_label: quote not closed"},
		{Line: 8, Msg: "no colon: want `name: value`"},
		{Line: 9, Msg: `bad setting name "bad name"`},
	}
	if diff := cmp.Diff(wantPs, ps); diff != "" {
		t.Errorf("problems (-want +got):\n%s", diff)
	}
	e, ok := got.Get("Image_Version")
	if !ok || e.Value != "P0S3-8-11-00" || e.Line != 10 {
		t.Errorf("Get(Image_Version) = %+v, %v; want the last one, line 10", e, ok)
	}
	if _, ok := got.Get("nothing"); ok {
		t.Error("Get(nothing) found something")
	}
	var nilc *SIPConfig
	if _, ok := nilc.Get("x"); ok {
		t.Error("nil Get found something")
	}
}

func FuzzParseSIPConfig(f *testing.F) {
	fuzzParser(f, []string{"image_version: P0S3-8-12-00 ; x\n# c\nproxy1_address: \"a;b\"\n"},
		func(b []byte) []Problem { _, ps := ParseSIPConfig(b); return ps })
}

func ExampleSIPConfig_Get() {
	c, _ := ParseSIPConfig([]byte("# defaults\nimage_version: P0S3-8-11-00\nIMAGE_VERSION: \"P0S3-8-12-00\" ; last wins\n"))
	e, _ := c.Get("image_version")
	fmt.Println(e.Line, e.Value, e.Quoted)
	// Output: 3 P0S3-8-12-00 true
}
