package check

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParseRelease(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want Release
		ok   bool
	}{
		{"P0S30203", Release{Name: "P0S30203", Protocol: "sip", Platform: '3', Major: 2, Minor: 3}, true},
		{"P0S3-07-4-00", Release{Name: "P0S3-07-4-00", Protocol: "sip", Platform: '3', Major: 7, Minor: 4}, true},
		{"P0S3-8-12-00", Release{Name: "P0S3-8-12-00", Protocol: "sip", Platform: '3', Major: 8, Minor: 12}, true},
		{"P00308010200", Release{Name: "P00308010200", Protocol: "sccp", Platform: '3', Major: 8, Minor: 1, Maint: 2}, true},
		{"P003-8-12-00", Release{Name: "P003-8-12-00", Protocol: "loader", Platform: '3', Major: 8, Minor: 12}, true},
		{"P0M3-07-4-00", Release{Name: "P0M3-07-4-00", Protocol: "mgcp", Platform: '3', Major: 7, Minor: 4}, true},
		{"P0S4-07-4-00", Release{Name: "P0S4-07-4-00", Protocol: "sip", Platform: '4', Major: 7, Minor: 4}, true},
		{"POS3-07-4-00", Release{}, false}, // letter O
		{"P0S3-07-4", Release{}, false},
		{"P0S3070", Release{}, false},
		{"P0X30203", Release{}, false},
		{"P0S3-aa-4-00", Release{}, false},
		{"SIP41.8-5-4S", Release{}, false},
	} {
		got, ok := ParseRelease(tc.in)
		if ok != tc.ok || got != tc.want {
			t.Errorf("ParseRelease(%q) = %+v, %v; want %+v, %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
}

func TestUpgradePath(t *testing.T) {
	rel := func(s string) Release {
		r, ok := ParseRelease(s)
		if !ok {
			t.Fatalf("bad release %q", s)
		}
		return r
	}
	for _, tc := range []struct {
		from, to string
		want     Path
	}{
		{"P0S3-07-4-00", "P0S3-8-12-00", Path{}},
		{"P0S3-8-12-00", "P0S3-07-4-00", Path{}}, // signed to signed: allowed
		{"P0S3-8-12-00", "P0S30203", Path{Blocker: BlockDowngrade}},
		{"P00308010200", "P0S3-04-4-00", Path{Blocker: BlockDowngrade}},
		{"P0S30203", "P0S3-04-4-00", Path{}},
		{"P0S30203", "P0S3-05-3-00", Path{Blocker: BlockSIPPath, Steps: []Step{{"sip", "4.4"}}}},
		{"P0S3-04-4-00", "P0S3-05-3-00", Path{}},
		{"P0S3-04-4-00", "P0S3-06-3-00", Path{Blocker: BlockSIPPath, Steps: []Step{{"sip", "5.3"}}}},
		{"P0S3-04-2-00", "P0S3-07-4-00", Path{Blocker: BlockSIPPath, Steps: []Step{{"sip", "4.4"}, {"sip", "5.3"}, {"sip", "6.x"}}}},
		{"P0S3-04-2-00", "P0S3-8-12-00", Path{Blocker: BlockSIPPath, Steps: []Step{{"sip", "4.4"}, {"sip", "5.3"}, {"sip", "6.x"}, {"sip", "7.x"}}}},
		{"P0S3-05-3-00", "P0S3-8-12-00", Path{}}, // the path binds 4.x-or-earlier phones only
		{"P0S30100", "P0S3-8-12-00", Path{Blocker: BlockSIPPath, Steps: []Step{{"sip", "4.4"}, {"sip", "5.3"}, {"sip", "6.x"}, {"sip", "7.x"}}}},
		{"P0S30100", "P0S30203", Path{}},
		{"P00304020300", "P0S3-8-12-00", Path{Blocker: BlockSCCPToSIP, Steps: []Step{{"sccp", "5.x"}}}},
		{"P00305000101", "P0S3-8-12-00", Path{}},
		{"P0S30201", "P00308010200", Path{Blocker: BlockSIPLongName, Steps: []Step{{"sip", "2.3"}}}},
		// An 8.3 name passes the SIP 2.1 limit; the way back to SCCP still applies.
		{"P0S30201", "P0030801", Path{Blocker: BlockSIPToSCCP, Steps: []Step{{"sccp", "4.x"}, {"sccp", "5.x"}, {"sccp", "6.3"}}}},
		{"P0S30201", "P0030403", Path{}},
		{"P0S30203", "P00308010200", Path{Blocker: BlockSIPToSCCP, Steps: []Step{{"sccp", "4.x"}, {"sccp", "5.x"}, {"sccp", "6.3"}}}},
		{"P0S30203", "P00305000101", Path{Blocker: BlockSIPToSCCP, Steps: []Step{{"sccp", "4.x"}}}},
		{"P0S30203", "P0030401", Path{}},
		{"P0S3-04-4-00", "P00306030000", Path{}},
		{"P0S3-04-4-00", "P00308010200", Path{Blocker: BlockSIPToSCCP, Steps: []Step{{"sccp", "6.3"}}}},
		{"P0S3-05-3-00", "P00308010200", Path{}},
	} {
		got := UpgradePath(rel(tc.from), rel(tc.to))
		if diff := cmp.Diff(tc.want, got); diff != "" {
			t.Errorf("%s → %s (-want +got):\n%s", tc.from, tc.to, diff)
		}
	}
}

func FuzzParseRelease(f *testing.F) {
	for _, s := range []string{"P0S30203", "P0S3-8-12-00", "P00308010200", "P003-8-12-00", "POS3-07-4-00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		r, ok := ParseRelease(s)
		if ok && (r.Name != s || r.Major < 0 || r.Protocol == "") {
			t.Fatalf("ParseRelease(%q) = %+v", s, r)
		}
	})
}

func TestOS79XXForm(t *testing.T) {
	for _, tc := range []struct {
		name string
		bad  string // substring of the complaint; "" = fine
	}{
		{"P0S30203", ""},
		{"P0S3-07-4-00", ""},
		{"P0S3-8-12-00", ""},
		{"P003-8-12-00", ""}, // universal loader
		{"P00308010200", ""},
		{"P0030801", ""}, // SCCP renamed to 8.3 for SIP ≤2.1 phones
		{"POS3-07-4-00", "letter O"},
		{"p0s3-07-4-00", "lower case"},
		{"P0S3-02-3-00", "8.3 form P0S30203"},
		{"P0S30704", "P0S3-xx-y-zz"},
		{"SIP41.8-5-4S", "not a 7940/7960 load name"},
	} {
		got := os79xxForm(tc.name)
		if tc.bad == "" && got != "" || tc.bad != "" && !strings.Contains(got, tc.bad) {
			t.Errorf("os79xxForm(%q) = %q, want %q", tc.name, got, tc.bad)
		}
	}
}
