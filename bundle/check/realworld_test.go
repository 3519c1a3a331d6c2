package check_test

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/phoneload/phoneload/bundle/check"
	"github.com/phoneload/phoneload/bundle/drop"
	"github.com/phoneload/phoneload/internal/conformance"
)

var updateRealWorld = flag.Bool("update-realworld", false, "rewrite testdata/realworld.golden from the roots in ../shared/realworld")

// realRoots are the roots of ../shared/realworld as a TFTP server would
// serve them: a repository is one root, and a repository that keeps one
// root per protocol (staskobzar's sip/ and sccp/) or one template set per
// phone family (Provisioner's endpoint/cisco/*) is also judged folder by
// folder. docs/realworld.md gives the verdict on every finding.
var realRoots = []string{
	"3nd0y__firmware-7911G",
	"NamoDev__Cisco-IP-Phone-Provisioning-Files",
	"andriy1984__cisco_firmware",
	"chaslinux__cisco-sip",
	"dannymcc__Cisco-7906G-SIP",
	"dbaldree__cisco_sip_voipfone",
	"julianhead__CiscoPhones",
	"provisioner__Provisioner",
	"provisioner__Provisioner/endpoint/cisco/ata18x",
	"provisioner__Provisioner/endpoint/cisco/sip78xx",
	"provisioner__Provisioner/endpoint/cisco/sip797xG",
	"provisioner__Provisioner/endpoint/cisco/sip79x1G",
	"provisioner__Provisioner/endpoint/cisco/sip79xx",
	"provisioner__Provisioner/endpoint/cisco/sip99xx",
	"staskobzar__cisco_prov",
	"staskobzar__cisco_prov/sccp",
	"staskobzar__cisco_prov/sip",
}

// TestRealWorldRoots pins, per real root, the exact findings of check
// (severity, rule, file:line), each reviewed in docs/realworld.md. Roots
// whose authors say their phones boot have no error finding there unless
// the document shows the phone behaviour that makes it one.
func TestRealWorldRoots(t *testing.T) {
	dir := conformance.RealWorld(t)
	var got strings.Builder
	for _, r := range realRoots {
		p := filepath.Join(dir, filepath.FromSlash(r))
		if _, err := os.Stat(p); err != nil {
			t.Errorf("%s: %v", r, err)
			continue
		}
		rep, err := check.RunPath(p, drop.OpenOptions{}, check.Options{})
		if err != nil {
			t.Errorf("%s: check stopped: %v", r, err)
			continue
		}
		fmt.Fprintf(&got, "== %s (%d errors, %d warnings)\n", r, rep.Errors(), rep.Warnings())
		for _, f := range rep.Findings {
			fmt.Fprintf(&got, "%s %s %s:%d\n", f.Severity, f.Rule, f.File, f.Line)
		}
	}
	golden := filepath.Join("testdata", "realworld.golden")
	if *updateRealWorld {
		if err := os.WriteFile(golden, []byte(got.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(string(want), got.String()); diff != "" {
		t.Errorf("findings on the real roots changed (-want +got); review them in docs/realworld.md, then go test -run TestRealWorldRoots -update-realworld:\n%s", diff)
	}
	// Every root and every rule firing on it has a verdict in the docs.
	doc, err := os.ReadFile("../../docs/realworld.md")
	if err != nil {
		t.Fatal(err)
	}
	root := ""
	for _, line := range strings.Split(got.String(), "\n") {
		if r, ok := strings.CutPrefix(line, "== "); ok {
			root = strings.Fields(r)[0]
			if !strings.Contains(string(doc), "`"+root+"`") {
				t.Errorf("docs/realworld.md has no section for %s", root)
			}
			continue
		}
		if f := strings.Fields(line); len(f) == 3 && !strings.Contains(string(doc), "`"+f[1]+"`") {
			t.Errorf("docs/realworld.md gives no verdict for %s on %s", f[1], root)
		}
	}
}
