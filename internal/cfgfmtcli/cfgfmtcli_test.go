package cfgfmtcli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/phoneload/phoneload/cfgfmt"
)

func TestOutputName(t *testing.T) {
	for in, want := range map[string]string{
		"gk0011223344aa.txt":     "gk0011223344aa",
		"/tftp/gkdefault.txt":    "gkdefault.cfg",
		"lddefault.txt":          "lddefault.cfg",
		"ATADEFAULT.txt":         "ATADEFAULT.cfg",
		"ata0011223344aa.txt":    "ata0011223344aa",
		"sitedefault.txt":        "sitedefault",
		"gkdefault.txt.txt":      "gkdefault.txt",
		"profiles/custom.v2.txt": "custom.v2",
	} {
		got, err := OutputName(in)
		if err != nil || got != want {
			t.Errorf("OutputName(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, bad := range []string{"gk0011223344aa", ".txt", "x.TXT"} {
		if _, err := OutputName(bad); err == nil {
			t.Errorf("OutputName(%q) succeeded", bad)
		}
	}
}

func TestParseArgs(t *testing.T) {
	got, err := ParseArgs([]string{"-sip", "-h323", "-tsip_ptag.dat", "-eabc", "-E", "-g", "-split", "-v", "in.txt", "out"})
	if err != nil {
		t.Fatal(err)
	}
	want := &Config{Table: "sip_ptag.dat", Key: []byte{0xab, 0xc0}, IgnoreProfileKey: true, OmitSensitive: true,
		Protocols: cfgfmt.SIP | cfgfmt.H323, Split: true, Verbose: true, Input: "in.txt", Output: "out"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	got, _ = ParseArgs([]string{"-t", "-", "-"})
	if got.Table != "ptag.dat" || got.Input != "-" || got.Output != "-" {
		t.Errorf("defaults: %+v", got)
	}
	for _, bad := range [][]string{{"in"}, {"a", "b", "c"}, {"-q", "a", "b"}, {"-e", "a", "b"}, {"-ezz", "a", "b"}, {"-x12", "a", "b"}, {"-X", "a", "b"}} {
		if _, err := ParseArgs(bad); err == nil {
			t.Errorf("ParseArgs(%q) succeeded", bad)
		}
	}
}

// TestBatchSplitAndIncludes: a split profile gets both files, includes
// resolve beside the profile, a failed one gets none, and a second run
// leaves identical outputs alone.
func TestBatchSplitAndIncludes(t *testing.T) {
	dir := t.TempDir()
	write := func(name, s string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	tab, err := cfgfmt.ParseTable("t", []byte("15,0x0028,Dhcp,1\n129,0x8010,DialPlanEx,500\n"))
	if err != nil {
		t.Fatal(err)
	}
	write("common.txt", "Dhcp:1\n")
	inputs := []string{
		write("ata0011223344aa.txt", "#txt\ninclude:common.txt\nDialPlanEx:9xx\n"),
		write("atadefault.txt", "#txt\nDhcp:no-such-include\ninclude:missing.txt\n"),
	}
	out := filepath.Join(dir, "out")
	os.Mkdir(out, 0o755)
	opt := BatchOptions{Table: tab, Options: cfgfmt.Options{ForceSplit: true}, OutDir: out, Jobs: 2}
	rs, err := Batch(inputs, opt)
	if err != nil {
		t.Fatal(err)
	}
	if !rs[0].OK || rs[0].Extension != filepath.Join(out, "ata0011223344aa.ex") || rs[1].OK {
		t.Fatalf("results %+v", rs)
	}
	ents, _ := os.ReadDir(out)
	var names []string
	for _, e := range ents {
		names = append(names, e.Name())
	}
	if diff := cmp.Diff([]string{"ata0011223344aa", "ata0011223344aa.ex"}, names); diff != "" {
		t.Errorf("outputs (-want +got):\n%s", diff)
	}
	fi, _ := os.Stat(filepath.Join(out, "ata0011223344aa"))
	rs, _ = Batch(inputs[:1], opt)
	fi2, _ := os.Stat(filepath.Join(out, "ata0011223344aa"))
	if !rs[0].OK || !rs[0].Unchanged || !os.SameFile(fi, fi2) {
		t.Errorf("second run rewrote an identical output: %+v", rs[0])
	}
	if s := Summarize(rs); s.Unchanged != 1 || s.Compiled != 1 {
		t.Errorf("summary %+v", s)
	}
}

// TestBatchUpperCaseName: a device profile named in upper case compiles as
// named, with a warning: the device asks a case-sensitive TFTP server for
// the lower-case name and would not find it.
func TestBatchUpperCaseName(t *testing.T) {
	dir := t.TempDir()
	tab, err := cfgfmt.ParseTable("t", []byte("15,0x0028,Dhcp,1\n"))
	if err != nil {
		t.Fatal(err)
	}
	var inputs []string
	for _, name := range []string{"GK0011223344AA.txt", "ATADefault.txt", "gk0011223344ab.txt", "Site.txt"} {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte("#txt\nDhcp:1\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		inputs = append(inputs, p)
	}
	out := filepath.Join(dir, "out")
	os.Mkdir(out, 0o755)
	rs, err := Batch(inputs, BatchOptions{Table: tab, OutDir: out})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range rs {
		if !r.OK {
			t.Errorf("%s: %s", r.Input, r.Error)
		}
		for _, d := range r.Diagnostics {
			got = append(got, filepath.Base(d.File)+": "+string(d.Severity)+": "+d.Message+" ("+d.Detail+")")
		}
	}
	want := []string{
		"GK0011223344AA.txt: warning: device file name not in lower case (the device asks its TFTP server for gk0011223344aa; out/GK0011223344AA is written as named)",
		"ATADefault.txt: warning: device file name not in lower case (the device asks its TFTP server for atadefault.cfg; out/ATADefault.cfg is written as named)",
	}
	for i := range want {
		want[i] = strings.ReplaceAll(want[i], "out/", filepath.Join(dir, "out")+string(filepath.Separator))
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}
