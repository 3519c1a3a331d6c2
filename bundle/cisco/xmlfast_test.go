package cisco

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/phoneload/phoneload/internal/conformance"
)

// plainXMLAgrees fails t when the fast path accepts b and its result is
// not the one of encoding/xml's path; it reports whether it accepted.
func plainXMLAgrees(t *testing.T, name string, b []byte) bool {
	t.Helper()
	var ps ProblemList
	if !checkText(b, &ps) {
		return false
	}
	fc, fps, ok := parsePlainXML(b)
	if !ok {
		return false
	}
	dc, dps := parseXMLDecoder(b)
	if diff := cmp.Diff(dc, fc); diff != "" {
		t.Errorf("%s: fast path config differs from encoding/xml's (-xml +fast):\n%s\ninput: %q", name, diff, b)
	}
	if diff := cmp.Diff(dps, fps); diff != "" {
		t.Errorf("%s: fast path problems differ from encoding/xml's (-xml +fast):\n%s\ninput: %q", name, diff, b)
	}
	return true
}

func TestPlainXML(t *testing.T) {
	for _, tc := range []struct {
		in   string
		fast bool // the fast path takes it
	}{
		{"<device>\n<deviceProtocol>SIP</deviceProtocol>\n<loadInformation>P0S3-8-12-00</loadInformation>\n<description>Phone 1</description>\n</device>\n", true},
		{`<?xml version="1.0" encoding="UTF-8"?>` + "\n<device><a><b> x </b><c/></a><loadInformation> L </loadInformation></device>", true},
		{"<device><loadInformation7>P00308010200</loadInformation7><loadInformation9x>y</loadInformation9x><loadInformation1>z</loadInformation1></device>", true},
		{"<d>t\u00e9xt \u4e2d</d>", true},
		{"<d>a<e>b</e>c</d>", true},
		{"<loadInformation>x</loadInformation>", true},
		{"  \n<d/>\n\t", true},
		{"<d>" + strings.Repeat("x", MaxLineLength) + "</d>", true},
		{"<d><e>" + strings.Repeat("x", MaxLineLength+1) + "</e></d>", false},
		{"<d a='1'/>", false},
		{"<d >x</d>", false},
		{"<d>x</d >", false},
		{"<a:d>x</a:d>", false},
		{"<d>&amp;</d>", false},
		{"<d><![CDATA[x]]></d>", false},
		{"<d>]]></d>", false},
		{"<d><!-- c --></d>", false},
		{"<!DOCTYPE d><d/>", false},
		{"<d>\r\n</d>", false},
		{"<d>\x01</d>", false},
		{"<d>\xff</d>", false},
		{"<d>\uffff</d>", false},
		{"<d></e>", false},
		{"<d>", false},
		{"<d/><e/>", false},
		{"x<d/>", false},
		{"", false},
		{"<1d/>", false},
		{"<dé/>", false},
		{`<?xml version="1.1"?><d/>`, false},
		{` <?xml version="1.0"?><d/>`, false},
		{"<d>" + strings.Repeat("<e>", MaxXMLDepth) + strings.Repeat("</e>", MaxXMLDepth) + "</d>", false},
	} {
		if got := plainXMLAgrees(t, tc.in, []byte(tc.in)); got != tc.fast {
			t.Errorf("%q: fast path took it %v, want %v", tc.in, got, tc.fast)
		}
		// Whichever path, ParseXMLConfig's answer is encoding/xml's.
		c, ps := ParseXMLConfig([]byte(tc.in))
		var cps ProblemList
		if checkText([]byte(tc.in), &cps) {
			dc, dps := parseXMLDecoder([]byte(tc.in))
			if diff := cmp.Diff(dc, c); diff != "" {
				t.Errorf("%q: ParseXMLConfig differs from encoding/xml:\n%s", tc.in, diff)
			}
			if diff := cmp.Diff(dps, ps); diff != "" {
				t.Errorf("%q: ParseXMLConfig problems differ from encoding/xml:\n%s", tc.in, diff)
			}
		}
	}
}

// TestPlainXMLRealWorld runs both paths over every XML file of the real
// roots and the conformance data, when present: the fast path must agree
// wherever it accepts, and it must accept the plain per-phone files.
func TestPlainXMLRealWorld(t *testing.T) {
	var dirs []string
	for _, d := range []string{conformance.RealWorldPath(), conformance.Path()} {
		if d != "" {
			dirs = append(dirs, d)
		}
	}
	if len(dirs) == 0 {
		t.Skip("neither ../shared/realworld nor ../shared/conformance found; skipping")
	}
	files, fast := 0, 0
	for _, dir := range dirs {
		err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() || !strings.HasSuffix(strings.ToLower(p), ".xml") {
				return err
			}
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			files++
			if plainXMLAgrees(t, p, b) {
				fast++
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	t.Logf("%d XML files, %d taken by the fast path", files, fast)
	if files > 0 && fast == 0 {
		t.Errorf("the fast path took none of %d XML files", files)
	}
}

// FuzzPlainXML is differential: whenever the fast path accepts an input,
// its result must be encoding/xml's.
func FuzzPlainXML(f *testing.F) {
	for _, s := range []string{
		"<device>\n<deviceProtocol>SIP</deviceProtocol>\n<loadInformation>P0S3-8-12-00</loadInformation>\n</device>\n",
		`<?xml version="1.0" encoding="UTF-8"?>` + "\n<Default><a><b> x </b><c/></a><loadInformation8>L</loadInformation8></Default>",
		"<d>a<e>b</e>c\u00e9</d>",
		"<loadInformation> x </loadInformation>",
		"<d><loadInformation0>1</loadInformation0><loadInformation+1/></d>",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		plainXMLAgrees(t, "fuzz", b)
	})
}
