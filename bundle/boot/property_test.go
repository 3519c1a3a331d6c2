package boot

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/phoneload/phoneload/bundle/check"
	"github.com/phoneload/phoneload/bundle/drop"
	"github.com/phoneload/phoneload/cfgfmt"
	"github.com/phoneload/phoneload/internal/fixture"
	"github.com/phoneload/phoneload/sign"
)

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// recompile compiles dir/txt to dir/bin with the fixture's tag table, as
// an engineer does after editing a profile.
func recompile(t *testing.T, dir, txt, bin string) {
	t.Helper()
	tab, err := cfgfmt.ParseTable("ptag.dat", fixture.ProfileTable())
	must(t, err)
	src, err := os.ReadFile(filepath.Join(dir, txt))
	must(t, err)
	res, err := cfgfmt.Compile(tab, txt, src, cfgfmt.Options{})
	must(t, err)
	must(t, os.WriteFile(filepath.Join(dir, bin), res.Profile, 0o644))
}

type broken struct {
	name   string
	family fixture.Family
	rule   string
	phone  Phone // the phone that meets the mistake
	break_ func(t *testing.T, dir string)
}

const mac = "000D28A1B2C3"

func edit(name, old, new string) func(t *testing.T, dir string) {
	return func(t *testing.T, dir string) { must(t, fixture.Replace(dir, name, old, new)) }
}

func rm(names ...string) func(t *testing.T, dir string) {
	return func(t *testing.T, dir string) {
		for _, n := range names {
			must(t, fixture.Remove(dir, n))
		}
	}
}

var brokenRoots = []broken{
	{"os79xx trailing space", fixture.SIP7940, "os79xx-syntax", Phone{MAC: mac, Model: "7940", Running: "P00306000200"},
		edit("OS79XX.TXT", "P003-8-12-00\n", "P003-8-12-00 \n")},
	{"os79xx BOM", fixture.SIP7940, "os79xx-syntax", Phone{MAC: mac, Model: "7940", Running: "P00306000200"},
		edit("OS79XX.TXT", "P003-8-12-00\n", "\xef\xbb\xbfP003-8-12-00\n")},
	{"os79xx 8.3 form for 8.12", fixture.SIP7940, "os79xx-form", Phone{MAC: mac, Model: "7940", Running: "P00306000200"},
		edit("OS79XX.TXT", "P003-8-12-00", "P0S30812")},
	{"os79xx image missing", fixture.SCCP7940, "os79xx-image-missing", Phone{MAC: mac, Model: "7960", Running: "P0S3-06-3-00"},
		edit("OS79XX.TXT", "P00308010200", "P00308010300")},
	{"image_version missing image", fixture.SIP7940, "image-missing", Phone{MAC: mac, Model: "7960", Running: "P0S3-07-4-00"},
		edit("SIPDefault.cnf", "image_version: P0S3-8-12-00", "image_version: P0S3-8-11-00")},
	{"image_version with extension", fixture.SIP7940, "image-extension", Phone{MAC: mac, Model: "7960", Running: "P0S3-07-4-00"},
		edit("SIPDefault.cnf", "image_version: P0S3-8-12-00", "image_version: P0S3-8-12-00.loads")},
	{"7940 load for the 7911", fixture.SIP7940, "image-model-mismatch", Phone{MAC: mac, Model: "7911", Running: "SCCP11.8-3-1S"},
		edit("XMLDefault.cnf.xml", `<loadInformation8 model="IP Phone 7940">P0S3-8-12-00</loadInformation8>`, `<loadInformation307 model="IP Phone 7911">P0S3-8-12-00</loadInformation307>`)},
	{"loads part missing", fixture.SIP7940, "loads-part-missing", Phone{MAC: mac, Model: "7960", Running: "P0S3-07-4-00"},
		rm("P0S3-8-12-00.sb2")},
	{"no load specified", fixture.SCCP7940, "no-load-specified", Phone{MAC: mac, Model: "7940"},
		rm("OS79XX.TXT", "XMLDefault.cnf.xml")},
	{"renamed signed image", fixture.SIP7940, "signed-name-mismatch", Phone{MAC: mac, Model: "7960", Running: "P0S3-07-4-00"},
		func(t *testing.T, dir string) {
			must(t, fixture.Resign(dir, "P0S3-8-12-00.sb2", "P0S3-8-11-00.sb2", nil, sign.SignOptions{}))
		}},
	{"truncated signed header", fixture.SIP7940, "signed-header-bad", Phone{MAC: mac, Model: "7960", Running: "P0S3-07-4-00"},
		func(t *testing.T, dir string) {
			must(t, fixture.Edit(dir, "P0S3-8-12-00.sb2", func(b []byte) []byte { return b[:200] }))
		}},
	{"unsigned 79x1 part", fixture.SIP79x1, "signed-header-bad", Phone{MAC: mac, Model: "7941", Running: "SCCP41.8-3-1S"},
		func(t *testing.T, dir string) { must(t, fixture.Unsign(dir, "dsp41.9-4-2TH1-1.sbn")) }},
	{"LA_VERSION differs from the loader", fixture.SIP7940, "loads-la-version", Phone{MAC: mac, Model: "7960", Running: "P0S3-07-4-00"},
		func(t *testing.T, dir string) {
			must(t, fixture.Replace(dir, "P0S3-8-12-00.loads", "LA_VERSION=PAS30830", "LA_VERSION=PAS30820"))
			must(t, fixture.Resign(dir, "P0S3-8-12-00.loads", "P0S3-8-12-00.loads", nil, sign.SignOptions{}))
		}},
	{"per-device file in lower case", fixture.SIP7940, "device-name", Phone{MAC: mac, Model: "7960", Running: "P0S3-8-12-00"},
		func(t *testing.T, dir string) {
			must(t, os.WriteFile(filepath.Join(dir, "sip"+mac+".cnf"), []byte("line1_name: 100\n"), 0o644))
		}},
	{"Jar41sip vs jar41sip", fixture.SIP79x1, "reference-case", Phone{MAC: mac, Model: "7961", Running: "SCCP41.8-3-1S"},
		func(t *testing.T, dir string) {
			must(t, fixture.Rename(dir, "jar41sip.9-4-2TH1-1.sbn", "Jar41sip.9-4-2TH1-1.sbn"))
		}},
	{"signed phone offered an unsigned image", fixture.SIP7940, "upgrade-downgrade", Phone{MAC: mac, Model: "7940", Running: "P0S3-07-4-00"},
		func(t *testing.T, dir string) {
			must(t, fixture.Replace(dir, "SIPDefault.cnf", "image_version: P0S3-8-12-00", "image_version: P0S30203"))
			must(t, os.WriteFile(filepath.Join(dir, "P0S30203.bin"), []byte("old image"), 0o644))
		}},
	{"SIP 4.2 offered 8.12", fixture.SIP7940, "upgrade-sip-path", Phone{MAC: mac, Model: "7960", Running: "P0S3-04-2-00"}, nil},
	{"SCCP 4 offered SIP", fixture.SIP7940, "upgrade-sccp-to-sip", Phone{MAC: mac, Model: "7940", Running: "P00304020300"}, nil},
	{"SIP 2.1 offered a long SCCP name", fixture.SCCP7940, "upgrade-sip21-name", Phone{MAC: mac, Model: "7940", Running: "P0S30201"}, nil},
	{"SIP 4.4 offered SCCP 8.1", fixture.SCCP7940, "upgrade-sip-to-sccp", Phone{MAC: mac, Model: "7940", Running: "P0S3-04-4-00"}, nil},
	{"SIP 2.3 and a full SIPDefault.cnf", fixture.SIP7940, "upgrade-w210", Phone{MAC: mac, Model: "7940", Running: "P0S30203"}, nil},
	{"SIP 4.4 and a loader without its bin", "sip53", "loader-bin-missing", Phone{MAC: mac, Model: "7940", Running: "P0S3-04-4-00"},
		rm("P003-05-3-00.bin")},
	{"upgradecode hardware of a 7905", fixture.SIP7912, "upgradecode-hardware", Phone{MAC: mac, Model: "7912", Running: "CP7912080000SIP050608A"},
		func(t *testing.T, dir string) {
			must(t, fixture.Replace(dir, "gkdefault.txt", "3,0x601,", "3,0x501,"))
			recompile(t, dir, "gkdefault.txt", "gkdefault.cfg")
		}},
	{"upgradecode image missing", fixture.SIP7912, "upgradecode-image-missing", Phone{MAC: mac, Model: "7912", Running: "CP7912080000SIP050608A"},
		func(t *testing.T, dir string) {
			// Another image stays: the root is not a configuration-only one.
			must(t, os.Rename(filepath.Join(dir, "CP7912080001SIP060412A.sbin"), filepath.Join(dir, "CP7912080000SIP060111A.sbin")))
		}},
	{"configuration-only root", fixture.SIP7912, "image-not-in-root", Phone{MAC: mac, Model: "7912", Running: "CP7912080000SIP050608A"},
		rm("CP7912080001SIP060412A.sbin")},
	{"7912 given a zup", fixture.SIP7912, "upgradecode-zup-7912", Phone{MAC: mac, Model: "7912", Running: "CP7912080000SIP050608A"},
		func(t *testing.T, dir string) {
			must(t, fixture.Replace(dir, "gkdefault.txt", "060412A.sbin", "060412A.zup"))
			must(t, os.WriteFile(filepath.Join(dir, "CP7912080001SIP060412A.zup"), []byte("unsigned image"), 0o644))
			recompile(t, dir, "gkdefault.txt", "gkdefault.cfg")
		}},
	{"upgradecode image id", fixture.SIP7912, "upgradecode-image-id", Phone{MAC: mac, Model: "7912", Running: "CP7912080000SIP050608A"},
		func(t *testing.T, dir string) {
			must(t, fixture.Replace(dir, "gkdefault.txt", "0x060412a,", "0x060412b,"))
			recompile(t, dir, "gkdefault.txt", "gkdefault.cfg")
		}},
	{"default profile not compiled", fixture.SIP7912, "profile-not-compiled", Phone{MAC: "000D28A1B2C5", Model: "7912", Running: "CP7912080000SIP050608A"},
		rm("gkdefault.cfg")},
	{"file not world-readable", fixture.SIP7940, "tftp-permission", Phone{MAC: mac, Model: "7960", Running: "P0S3-07-4-00"},
		func(t *testing.T, dir string) { must(t, os.Chmod(filepath.Join(dir, "SIPDefault.cnf"), 0o600)) }},
	{"zip unpacked into a folder", fixture.SIP7940, "not-at-root", Phone{MAC: mac, Model: "7960", Running: "P0S3-07-4-00"},
		func(t *testing.T, dir string) {
			must(t, os.MkdirAll(filepath.Join(dir, "cmterm-7940-7960-sip.8-12-00"), 0o755))
			for _, n := range []string{"P0S3-8-12-00.loads", "P0S3-8-12-00.sb2"} {
				must(t, os.Rename(filepath.Join(dir, n), filepath.Join(dir, "cmterm-7940-7960-sip.8-12-00", n)))
			}
		}},
}

// TestCheckAndSimulateAgree is the property of docs/simulate.md: a root
// that breaks one check rule makes the phone that meets the mistake end
// in that rule's outcome, and the same phone on the clean root reaches
// the root's load.
func TestCheckAndSimulateAgree(t *testing.T) {
	covered := map[string]bool{}
	for _, tc := range brokenRoots {
		t.Run(tc.name, func(t *testing.T) {
			want, ok := RuleOutcomes[tc.rule]
			if !ok {
				t.Fatalf("rule %s has no outcome in RuleOutcomes", tc.rule)
			}
			covered[tc.rule] = true
			var dir string
			if tc.family == "sip53" {
				// A SIP 5.3 root: the first signed step of Cisco's path.
				dir = filepath.Join(t.TempDir(), "root")
				must(t, fixture.WriteLoad(dir, "P0S3-05-3-00", fixture.Options{ImageSize: 4096}))
				must(t, os.WriteFile(filepath.Join(dir, "SIPDefault.cnf"), []byte("image_version: P0S3-05-3-00\n"), 0o644))
			} else {
				dir = root(t, tc.family)
			}
			clean := simulate(t, dir, tc.phone)
			if tc.rule != "upgrade-sip-path" && tc.rule != "upgrade-sccp-to-sip" && tc.rule != "upgrade-sip21-name" &&
				tc.rule != "upgrade-sip-to-sccp" && tc.rule != "upgrade-w210" && clean.Outcome.Code != Runs {
				t.Fatalf("clean root: %+v\n%s", clean.Outcome, trace(clean))
			}
			if tc.break_ != nil {
				tc.break_(t, dir)
			}
			fleet := []check.Phone{{MAC: tc.phone.MAC, Model: tc.phone.Model, Load: tc.phone.Running, Line: 1}}
			if tc.phone.Running == "" {
				fleet = nil
			}
			rep, err := check.RunPath(dir, drop.OpenOptions{}, check.Options{Fleet: fleet})
			must(t, err)
			fired := false
			for _, f := range rep.Findings {
				if f.Rule == tc.rule {
					fired = true
				}
			}
			if !fired {
				var rules []string
				for _, f := range rep.Findings {
					rules = append(rules, f.Rule)
				}
				t.Fatalf("check does not report %s (it reports %v)", tc.rule, rules)
			}
			r := simulate(t, dir, tc.phone)
			if !slices.Contains(want, r.Outcome.Code) {
				t.Fatalf("rule %s: phone ends in %s (%s), want one of %v\n%s", tc.rule, r.Outcome.Code, r.Outcome.Reason, want, trace(r))
			}
			if tc.rule == "device-name" && !strings.Contains(trace(r), "SIP"+mac+".cnf not-found") {
				t.Errorf("device-name: the phone's own file was found:\n%s", trace(r))
			}
		})
	}
	for rule := range RuleOutcomes {
		if !covered[rule] {
			t.Errorf("rule %s of RuleOutcomes has no broken root", rule)
		}
	}
}
