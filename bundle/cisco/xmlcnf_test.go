package cisco

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParseXMLConfig(t *testing.T) {
	in := `<?xml version="1.0" encoding="UTF-8"?>
<Default>
  <callManagerGroup>
    <members><member priority="0"><callManager><processNodeName>10.0.0.1</processNodeName></callManager></member></members>
  </callManagerGroup>
  <loadInformation8 model="IP Phone 7940">P00308010200</loadInformation8>
  <loadInformation7 model="IP Phone 7940">P00308010200</loadInformation7>
  <loadInformation30018 model="IP Phone 7961"> SCCP41.8-5-4S </loadInformation30018>
  <loadInformation99999>X</loadInformation99999>
  <authenticationURL></authenticationURL>
</Default>
`
	got, ps := ParseXMLConfig([]byte(in))
	want := &XMLConfig{
		Root: "Default",
		Loads: []XMLLoad{
			{Element: "loadInformation8", ModelID: 8, Model: "7940", ModelAttr: "IP Phone 7940", Value: "P00308010200", Line: 6},
			{Element: "loadInformation7", ModelID: 7, Model: "7960", ModelAttr: "IP Phone 7940", Value: "P00308010200", Line: 7},
			{Element: "loadInformation30018", ModelID: 30018, Model: "7961", ModelAttr: "IP Phone 7961", Value: "SCCP41.8-5-4S", Line: 8},
			{Element: "loadInformation99999", ModelID: 99999, Value: "X", Line: 9},
		},
		Entries: []ConfigEntry{
			{Name: "callManagerGroup/members/member/callManager/processNodeName", Value: "10.0.0.1", Line: 4},
			{Name: "loadInformation8", Value: "P00308010200", Line: 6},
			{Name: "loadInformation7", Value: "P00308010200", Line: 7},
			{Name: "loadInformation30018", Value: "SCCP41.8-5-4S", Line: 8},
			{Name: "loadInformation99999", Value: "X", Line: 9},
			{Name: "authenticationURL", Value: "", Line: 10},
		},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("ParseXMLConfig (-want +got):\n%s", diff)
	}
	wantPs := []Problem{
		{Line: 7, Msg: `<loadInformation7>: model id 7 is the 7960 but the model attribute says "IP Phone 7940"`},
		{Line: 8, Msg: `<loadInformation30018>: white space around the load name "SCCP41.8-5-4S"`},
		{Line: 9, Msg: "<loadInformation99999>: unknown model id 99999"},
	}
	if diff := cmp.Diff(wantPs, ps); diff != "" {
		t.Errorf("problems (-want +got):\n%s", diff)
	}

	sep := "<device>\n<loadInformation>P0S3-8-12-00</loadInformation>\n</device>\n"
	got, ps = ParseXMLConfig([]byte(sep))
	if len(ps) != 0 || len(got.Loads) != 1 || got.Loads[0] != (XMLLoad{Element: "loadInformation", Value: "P0S3-8-12-00", Line: 2}) {
		t.Errorf("SEP file: got %+v, problems %v", got.Loads, ps)
	}

	_, ps = ParseXMLConfig([]byte("<device>\n<loadInformation>x</device>\n"))
	if diff := cmp.Diff([]Problem{{Line: 2, Msg: "XML: element <loadInformation> closed by </device>"}}, ps); diff != "" {
		t.Errorf("broken XML problems (-want +got):\n%s", diff)
	}
	long, ps := ParseXMLConfig([]byte("<device>\n<x>" + strings.Repeat("a", MaxLineLength+1) + "</x></device>"))
	if diff := cmp.Diff([]Problem{{Line: 2, Msg: "<x>: text longer than 8192 bytes, cut"}}, ps); diff != "" || len(long.Entries) != 1 || len(long.Entries[0].Value) != MaxLineLength {
		t.Errorf("long text (-want +got):\n%s", diff)
	}
	_, ps = ParseXMLConfig([]byte(strings.Repeat("<a>", MaxXMLDepth+1)))
	if len(ps) != 1 || !strings.Contains(ps[0].Msg, "nested deeper") {
		t.Errorf("deep XML: problems %v", ps)
	}
}

func FuzzParseXMLConfig(f *testing.F) {
	fuzzParser(f, []string{`<Default><loadInformation8 model="IP Phone 7940">P00308010200</loadInformation8></Default>`,
		"<device>\n<loadInformation>P0S3-8-12-00</loadInformation>\n</device>\n"},
		func(b []byte) []Problem { _, ps := ParseXMLConfig(b); return ps })
}

// XML allows a byte-order mark: it is no problem in XML configuration,
// unlike in the line-based files (OS79XX.TXT, SIPDefault.cnf …).
func TestXMLByteOrderMark(t *testing.T) {
	_, ps := ParseXMLConfig([]byte("\xef\xbb\xbf<Default><loadInformation8 model=\"IP Phone 7940\">P00308010200</loadInformation8></Default>\n"))
	if len(ps) != 0 {
		t.Errorf("problems %v for an XML file with a byte-order mark", ps)
	}
	_, ps = ParseSIPConfig([]byte("\xef\xbb\xbfimage_version: P0S3-8-12-00\n"))
	if len(ps) == 0 || ps[0].Line != 1 || !strings.Contains(ps[0].Msg, "byte-order mark") {
		t.Errorf("problems %v: want the byte-order mark of SIPDefault.cnf at line 1", ps)
	}
}

// TestAttrModel: the model a loadInformationNNN attribute names, in the
// spellings CUCM and people write.
func TestAttrModel(t *testing.T) {
	for attr, want := range map[string]string{
		"IP Phone 7940": "7940", "Cisco IP Phone 7960G": "7960", "7911": "7911", " IP Phone 7941 ": "7941",
		"": "", "IP Phone": "", "IP Phone 79400": "", "IP Phone 7999": "", "ATA 186": "",
	} {
		if got := AttrModel(attr); got != want {
			t.Errorf("AttrModel(%q) = %q, want %q", attr, got, want)
		}
	}
}
