package cisco

import (
	"strings"
	"testing"
)

func TestCheckXML(t *testing.T) {
	for _, tt := range []struct{ in, root, problem string }{
		{"<SYNCINFO>\n<IMAGE VERSION=\"*\" SYNC=\"1\"/>\n</SYNCINFO>\n", "SYNCINFO", ""},
		// dbaldree/cisco_sip_voipfone's syncinfo.xml: a quote left open.
		{"<SYNCINFO>\n   <IMAGE VERSION=\"*\" SYNC=\"1\"/>\n   <IMAGE VERSION=\"P0S3-8-12-00 SYNC=\"1\"/>\n</SYNCINFO>\n", "SYNCINFO", "3: XML"},
		{"<tones><tone name=dial/></tones>", "tones", "1: XML: unquoted"},
		{"", "", "empty file"},
		{"<a/><b/>", "a", "second root"},
	} {
		root, ps := CheckXML([]byte(tt.in))
		if root != tt.root {
			t.Errorf("CheckXML(%q) root %q, want %q", tt.in, root, tt.root)
		}
		got := ""
		if len(ps) > 0 {
			got = ps[0].String()
		}
		if tt.problem == "" && got != "" || tt.problem != "" && !strings.Contains(got, tt.problem) {
			t.Errorf("CheckXML(%q) problem %q, want %q", tt.in, got, tt.problem)
		}
	}
}

func TestParseRinglistXML(t *testing.T) {
	in := "<CiscoIPPhoneRingList>\n\t<Ring>\n\t\t<DisplayName>Analog Synth 1</DisplayName>\n\t\t<FileName>Analog1.raw</FileName>\n\t</Ring>\n" +
		"\t<Ring>\n\t\t<DisplayName>Piano</DisplayName>\n\t\t<FileName>ringtones/Piano1.raw</FileName>\n\t</Ring>\n</CiscoIPPhoneRingList>\n"
	r, ps := ParseRinglistXML([]byte(in))
	if len(ps) != 0 {
		t.Fatalf("problems: %v", ps)
	}
	want := []Ring{{Display: "Analog Synth 1", File: "Analog1.raw", Line: 2}, {Display: "Piano", File: "ringtones/Piano1.raw", Line: 6}}
	if len(r.Entries) != 2 || r.Entries[0] != want[0] || r.Entries[1] != want[1] {
		t.Errorf("entries %+v, want %+v", r.Entries, want)
	}
	// provisioner/Provisioner ships empty ringlist.xml files.
	if r, ps := ParseRinglistXML(nil); len(r.Entries) != 0 || len(ps) != 1 || !strings.Contains(ps[0].Msg, "empty") {
		t.Errorf("empty: %+v %v", r, ps)
	}
	if _, ps := ParseRinglistXML([]byte("<CiscoIPPhoneRingList><Ring>")); len(ps) == 0 {
		t.Error("truncated XML accepted")
	}
}

func TestParseLoadPointer(t *testing.T) {
	// julianhead/CiscoPhones load308.txt, as Cisco ships it (CRLF).
	p, ps := ParseLoadPointer([]byte("308       SIP41.8-5-4S     11             // IP Phone 7961G-GE SIP\r\n"))
	if len(ps) != 0 || p.ModelID != 308 || p.Load != "SIP41.8-5-4S" || p.Comment != "IP Phone 7961G-GE SIP" || p.Line != 1 {
		t.Errorf("got %+v %v", p, ps)
	}
	for _, bad := range []string{"", "x SIP41.8-5-4S", "308\n", "1 A\n2 B\n"} {
		if _, ps := ParseLoadPointer([]byte(bad)); len(ps) == 0 {
			t.Errorf("ParseLoadPointer(%q): no problem", bad)
		}
	}
}

func TestParseLoads792x(t *testing.T) {
	body := "#? HW_REV 0-4.*\n#? SW_CAP EAP-TLS,PEAP,VSFIX\n\nTNUX-1.4.6.3.SBN                      897037 E247E40D9CF20472C6C397E6E427A517\n"
	l, ps := ParseLoads([]byte(body))
	if len(ps) != 0 || len(l.Parts) != 1 {
		t.Fatalf("%+v %v", l, ps)
	}
	if p := l.Parts[0]; p.Name != "TNUX-1.4.6.3.SBN" || p.Size != 897037 || p.MD5 != "e247e40d9cf20472c6c397e6e427a517" || p.Line != 4 {
		t.Errorf("part %+v", p)
	}
}

func FuzzCheckXML(f *testing.F) {
	f.Add([]byte("<SYNCINFO><IMAGE VERSION=\"*\" SYNC=\"1\"/></SYNCINFO>"))
	f.Add([]byte("<a><b>"))
	f.Fuzz(func(t *testing.T, b []byte) { CheckXML(b) })
}

func FuzzParseRinglistXML(f *testing.F) {
	f.Add([]byte("<CiscoIPPhoneRingList><Ring><DisplayName>a</DisplayName><FileName>b.raw</FileName></Ring></CiscoIPPhoneRingList>"))
	f.Fuzz(func(t *testing.T, b []byte) {
		r, _ := ParseRinglistXML(b)
		if len(r.Entries) > MaxEntries {
			t.Fatalf("%d entries", len(r.Entries))
		}
	})
}

func FuzzParseLoadPointer(f *testing.F) {
	f.Add([]byte("115       SIP41.8-5-4S     11             // IP Phone 7941 SIP\r\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		p, ps := ParseLoadPointer(b)
		if len(ps) == 0 && (p.ModelID <= 0 || p.Load == "") {
			t.Fatalf("no problem but %+v", p)
		}
	})
}
