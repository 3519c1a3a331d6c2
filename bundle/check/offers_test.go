package check

import (
	"reflect"
	"testing"

	"github.com/phoneload/phoneload/bundle/cisco"
	"github.com/phoneload/phoneload/bundle/drop"
)

// TestOfferRefs: check keeps an offer as 8 bytes (file, which of its
// offers) and works the offer out again when a rule reads it (issue 16).
// What the rules see must be what the file gives: every offer, in file
// order, placeholders left out, whichever of a file's offers it is.
func TestOfferRefs(t *testing.T) {
	xml := &drop.PhoneConfig{XML: true, Root: "device", Loads: []cisco.XMLLoad{
		{Element: "loadInformation", Value: " P0S3-8-12-00.loads ", Line: 3},
		{Element: "loadInformation7", ModelID: 7, Value: "${LOAD}", Line: 4}, // a placeholder: not kept
		{Element: "loadInformation8", ModelID: 8, Value: "", Line: 5},        // empty: no offer
		{Element: "loadInformation30007", ModelID: 30007, Value: "P00308010200", Line: 6},
	}}
	sip := &drop.PhoneConfig{Keys: []cisco.ConfigEntry{{Name: "image_version", Value: "P0S3-8-12-00", Line: 2}}}
	d := &drop.Drop{Path: "root", Files: []*drop.File{
		{Name: "OS79XX.TXT", Kind: cisco.KindOS79XX, More: &drop.FileMore{OS79XX: &cisco.OS79XX{Name: "P003-8-12-00"}}},
		{Name: "SEP000D28000001.cnf.xml", Kind: cisco.KindXMLConfig, Phone: xml},
		{Name: "SIP000D28000002.cnf", Kind: cisco.KindSIPConfig, Phone: sip},
		{Name: "dialplan.xml", Kind: cisco.KindDialplan},
		{Name: "sub/SEP000D28000003.cnf.xml", Kind: cisco.KindXMLConfig, Phone: xml}, // in a folder: offers nothing
	}}
	want := []offer{
		{File: "OS79XX.TXT", Line: 1, Source: "OS79XX.TXT", Name: "P003-8-12-00"},
		{File: "SEP000D28000001.cnf.xml", Line: 3, Source: "loadInformation", Name: "P0S3-8-12-00", Ext: ".loads"},
		{File: "SEP000D28000001.cnf.xml", Line: 6, Source: "loadInformation", Name: "P00308010200", ModelID: 30007},
		{File: "SIP000D28000002.cnf", Line: 2, Source: "image_version", Name: "P0S3-8-12-00"},
	}
	c := &checker{d: d, knownAtTop: 4}
	c.offers = c.collectOffers()
	if len(c.offers) != len(want) {
		t.Fatalf("%d offers kept, want %d: %v", len(c.offers), len(want), c.offers)
	}
	var got []offer
	for i, o := range c.allOffers() {
		got = append(got, o)
		if p := c.offerPtr(i); *p != o || c.offerPtr(i) != p {
			t.Errorf("offerPtr(%d) = %p %+v, want one copy of %+v", i, p, *p, o)
		}
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("offers:\n got %+v\nwant %+v", got, want)
	}
	if got[1].MAC() != "000D28000001" || got[0].MAC() != "" {
		t.Errorf("MAC: %q %q", got[1].MAC(), got[0].MAC())
	}
}
