package cfgfmtcli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/phoneload/phoneload/cfgfmt"
	"github.com/phoneload/phoneload/internal/cli"
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
	// -t alone is an empty table path, as in Cisco's cfgfmt.
	got, _ = ParseArgs([]string{"-t", "-", "-"})
	if got.Table != "" || !got.EmptyTable || got.Input != "-" || got.Output != "-" {
		t.Errorf("-t alone: %+v", got)
	}
	got, _ = ParseArgs([]string{"in", "out"})
	if got.Table != "ptag.dat" || got.EmptyTable {
		t.Errorf("defaults: %+v", got)
	}
	// Options match by prefix, in the original's order.
	got, err = ParseArgs([]string{"-sipx", "-h323a", "-mgcpp", "-sccpz", "-gee", "-verbose", "-Extra", "-Xtra", "-splitter", "-x12", "a", "b"})
	if err != nil {
		t.Fatal(err)
	}
	want = &Config{Table: "ptag.dat", Protocols: cfgfmt.SIP | cfgfmt.H323 | cfgfmt.MGCP | cfgfmt.SCCP, OmitSensitive: true,
		Verbose: true, IgnoreProfileKey: true, NoProfileStrong: true, Split: true,
		StrongKey: append([]byte{0x12}, make([]byte, 31)...), Input: "a", Output: "b"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("prefixes (-want +got):\n%s", diff)
	}
	for _, bad := range [][]string{{"in"}, {"a", "b", "c"}, {"-q", "a", "b"}, {"-s", "a", "b"}, {"-h3", "a", "b"}, {"-e", "a", "b"}, {"-ezz", "a", "b"}, {"-xzz", "a", "b"}, {"-x" + strings.Repeat("1", 65), "a", "b"}} {
		if _, err := ParseArgs(bad); err == nil {
			t.Errorf("ParseArgs(%q) succeeded", bad)
		}
	}
}

// TestExitCodes pins the exit status and stdout of both programs that run
// the drop-in command line: the standalone cfgfmt exits 1 on every failure
// and prints its usage on stdout after a usage error, as Cisco's tool does;
// `phoneload cfgfmt` keeps phoneload's contract (usage errors exit 2, stdout
// is data).
func TestExitCodes(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	os.WriteFile("ptag.dat", []byte("15,0x0028,Dhcp,1\n36,0x0150,DialToneFreq,18\n"), 0o644)
	os.WriteFile("in.txt", []byte("#txt\nDhcp:1\n"), 0o644)
	os.WriteFile("tone.txt", []byte("#txt\nDialToneFreq:350,440\n"), 0o644)
	os.WriteFile("tiny.txt", []byte("#txt"), 0o644)
	tests := []struct {
		args           []string
		dropIn, phonel int
		usageOnStdout  bool // drop-in only
	}{
		{[]string{"in.txt", "out"}, 0, 0, false},
		{[]string{"tone.txt", "out"}, 0, 0, false},
		{[]string{"-h"}, 0, 0, true},
		{[]string{"in.txt"}, 1, 2, true},
		{[]string{"-t", "ptag.dat", "in.txt", "out"}, 1, 2, true},
		{[]string{"-q", "in.txt", "out"}, 1, 2, true},
		{[]string{"-e", "in.txt", "out"}, 1, 2, true},
		{[]string{"-t", "in.txt", "out"}, 1, 1, false},
		{[]string{"-tnone.dat", "in.txt", "out"}, 1, 1, false},
		{[]string{"tiny.txt", "out"}, 1, 1, false},
		{[]string{"missing.txt", "out"}, 1, 1, false},
		{[]string{"in.txt", "nodir/out"}, 1, 1, false},
	}
	for _, tt := range tests {
		for _, mode := range []Mode{DropIn, Phoneload} {
			var stdout, stderr strings.Builder
			code := cli.Report(&stderr, "cfgfmt", RunMode(mode, tt.args, strings.NewReader(""), &stdout, &stderr))
			want, usage := tt.dropIn, tt.usageOnStdout
			if mode == Phoneload {
				want, usage = tt.phonel, tt.usageOnStdout && tt.args[0] == "-h"
			}
			if code != want {
				t.Errorf("mode %d %q: exit %d, want %d\n%s", mode, tt.args, code, want, stderr.String())
			}
			if got := strings.HasPrefix(stdout.String(), "usage: cfgfmt"); got != usage {
				t.Errorf("mode %d %q: usage on stdout %v, want %v", mode, tt.args, got, usage)
			}
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
