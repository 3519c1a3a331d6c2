package probe_test

import (
	"net"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/phoneload/phoneload/bundle/boot"
	"github.com/phoneload/phoneload/bundle/drop"
	"github.com/phoneload/phoneload/bundle/probe"
	"github.com/phoneload/phoneload/internal/fixture"
	"github.com/phoneload/phoneload/internal/tftp"
)

// firmware reports whether a fetched name is firmware (a .loads or an
// image): the part of "what each phone fetches" inspect, check, simulate
// and probe must agree on.
func firmware(name string) bool {
	switch strings.ToLower(path.Ext(name)) {
	case ".loads", ".sbn", ".sb2", ".bin", ".sbin", ".zz":
		return true
	}
	return false
}

func sorted(m map[string]bool) []string {
	out := []string{}
	for n := range m {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// TestFetchModelsAgree: for every fixture family, and for a phone with
// per-phone files of its own, the three views of "what each phone
// fetches" agree:
//
//   - boot.Simulate over the root and probe.Run against the root served
//     for real by internal/tftp on loopback ask for the same files, in the
//     same order, with the same answers (probe plays boot's state machine:
//     configuration files, per-MAC files, CTL, firmware, dial plan, ring
//     list and rings alike);
//   - drop.Phones (inspect) names the same firmware, the same site files
//     (dial plan, RINGLIST.DAT and its rings: PhoneLoad.Site), and only
//     configuration files the phone reads, per-MAC ones included.
func TestFetchModelsAgree(t *testing.T) {
	for _, tc := range []struct {
		name   string
		family fixture.Family
		phone  boot.Phone
		own    bool // give the phone its own SIP<MAC>.cnf, SEP<MAC>.cnf.xml, CTLSEP<MAC>.tlv and dial plan
	}{
		{"sip7940", fixture.SIP7940, boot.Phone{MAC: otherMAC, Model: "7960", Running: "P0S3-07-4-00"}, false},
		{"sip7940-own-files", fixture.SIP7940, boot.Phone{MAC: ownMAC, Model: "7940", Running: "P0S3-07-4-00"}, true},
		{"sip7940-pre7", fixture.SIP7940, boot.Phone{MAC: ownMAC, Model: "7960", Running: "P0S3-05-3-00"}, true},
		{"sccp7940", fixture.SCCP7940, boot.Phone{MAC: otherMAC, Model: "7940", Running: "P00305000300"}, false},
		{"sip79x1", fixture.SIP79x1, boot.Phone{MAC: otherMAC, Model: "7941", Running: "SCCP41.8-3-1S"}, false},
		{"sip7912", fixture.SIP7912, boot.Phone{MAC: otherMAC, Model: "7912", Running: "CP7912080000SIP050608A"}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			root := t.TempDir()
			if err := fixture.WriteDir(root, tc.family, fixture.Options{ImageSize: 4096}); err != nil {
				t.Fatal(err)
			}
			if tc.own {
				writeOwnFiles(t, root, tc.phone.MAC)
			}
			// (a) drop.Phones.
			d, err := drop.Open(root, drop.OpenOptions{})
			if err != nil {
				t.Fatal(err)
			}
			dropFirmware, dropSite, dropConfigs := dropView(d, tc.phone)
			// (b) boot.Simulate over the root.
			src, err := boot.OpenLocal(root)
			if err != nil {
				t.Fatal(err)
			}
			defer src.Close()
			res, err := boot.Simulate(src, tc.phone)
			if err != nil {
				t.Fatal(err)
			}
			var simTrace []string
			simFound, simFirmware, simSite := map[string]bool{}, map[string]bool{}, map[string]bool{}
			asked := map[string]bool{}
			for _, s := range res.Steps {
				if s.Result == boot.Found {
					simFound[s.File] = true
					if firmware(s.File) {
						simFirmware[s.File] = true
					}
					if s.Rule == "7940-site" {
						simSite[s.File] = true
					}
				}
				if !asked[s.File] {
					asked[s.File] = true
					simTrace = append(simTrace, s.File+" "+string(s.Result))
				}
			}
			// (c) probe.Run against the root served on loopback.
			addr := serve(t, root)
			c, err := tftp.NewClient(addr, tftp.ClientOptions{Timeout: time.Second, Retries: 3})
			if err != nil {
				t.Fatal(err)
			}
			pr, err := probe.Run(root, c, probe.Options{Model: tc.phone.Model, MAC: tc.phone.MAC, Running: tc.phone.Running})
			if err != nil {
				t.Fatal(err)
			}
			var probeTrace []string
			for _, f := range pr.Files {
				probeTrace = append(probeTrace, f.Name+" "+asBoot(f.Status))
			}
			if res.Outcome.Code != boot.Runs || pr.Outcome == nil || *pr.Outcome != res.Outcome {
				t.Errorf("outcomes: simulate %+v, probe %+v", res.Outcome, pr.Outcome)
			}
			if diff := cmp.Diff(simTrace, probeTrace); diff != "" {
				t.Errorf("boot.Simulate vs probe.Run, every file asked (-simulate +probe):\n%s", diff)
			}
			if len(dropFirmware) == 0 {
				t.Fatalf("drop.Phones names no firmware for %s: %+v", tc.phone.Model, d.Phones())
			}
			if diff := cmp.Diff(sorted(dropFirmware), sorted(simFirmware)); diff != "" {
				t.Errorf("firmware: drop.Phones vs boot.Simulate (-drop +simulate):\n%s", diff)
			}
			if diff := cmp.Diff(sorted(dropSite), sorted(simSite)); diff != "" {
				t.Errorf("dial plan, ring list, rings: drop.Phones vs boot.Simulate (-drop +simulate):\n%s", diff)
			}
			for name := range dropConfigs {
				if !simFound[name] {
					t.Errorf("drop.Phones takes the load from %s, which the phone never reads (it reads %v)", name, sorted(simFound))
				}
			}
			if tc.own {
				for _, n := range []string{"SIP" + tc.phone.MAC + ".cnf", "SEP" + tc.phone.MAC + ".cnf.xml", "CTLSEP" + tc.phone.MAC + ".tlv", "ownplan.xml"} {
					if !simFound[n] {
						t.Errorf("the phone never reads its own %s", n)
					}
				}
				if !dropConfigs["SIP"+tc.phone.MAC+".cnf"] || !dropConfigs["SEP"+tc.phone.MAC+".cnf.xml"] {
					t.Errorf("drop.Phones has no row for the phone's own files: %v", sorted(dropConfigs))
				}
			}
		})
	}
}

// dropView is what drop.Phones says a phone fetches: the firmware of the
// rows that apply to it (its model, its own files or the defaults), the
// site files of the SIP row it takes (its own file's, else
// SIPDefault.cnf's, as the phone does), and the configuration files those
// rows come from. The OS79XX.TXT row (a protocol switch) and the
// term<NN>.default.loads row (a 79x1 no configuration names a load for)
// describe phones in other states.
func dropView(d *drop.Drop, p boot.Phone) (firmwareFiles, site, configs map[string]bool) {
	firmwareFiles, site, configs = map[string]bool{}, map[string]bool{}, map[string]bool{}
	var sipRow *drop.PhoneLoad
	phones := d.Phones()
	for i, pl := range phones {
		if (pl.MAC != "" && pl.MAC != p.MAC) || pl.Setting == "OS79XX.TXT" || pl.Setting == "default" || !contains(pl.Models, p.Model) {
			continue
		}
		configs[pl.Source] = true
		for _, f := range pl.Files {
			if f.Present && firmware(f.Name) {
				firmwareFiles[f.Name] = true
			}
		}
		if pl.Site != nil && (sipRow == nil || pl.MAC != "") {
			sipRow = &phones[i]
		}
	}
	if sipRow != nil {
		for _, f := range sipRow.Site {
			if f.Present {
				site[f.Name] = true
			}
		}
	}
	return firmwareFiles, site, configs
}

// asBoot is the answer a probe status stands for.
func asBoot(status string) string {
	switch status {
	case probe.ProbeOK, probe.ProbeSite, probe.ProbeDifferent, probe.ProbeUnexpected:
		return string(boot.Found)
	case probe.ProbeAbsent, probe.ProbeMissing:
		return string(boot.NotFound)
	}
	return status
}

// writeOwnFiles gives the phone mac files of its own: a SIP<MAC>.cnf with
// its own dial plan, a SEP<MAC>.cnf.xml and a trust list.
func writeOwnFiles(t *testing.T, root, mac string) {
	t.Helper()
	for name, body := range map[string]string{
		"SIP" + mac + ".cnf":     "line1_name: 201\nimage_version: P0S3-8-12-00\ndial_template: ownplan\n",
		"SEP" + mac + ".cnf.xml": "<device>\n<loadInformation>P0S3-8-12-00</loadInformation>\n</device>\n",
		"CTLSEP" + mac + ".tlv":  "trust list placeholder",
		"ownplan.xml":            "<DIALTEMPLATE>\n<TEMPLATE MATCH=\"2..\" Timeout=\"0\"/>\n</DIALTEMPLATE>\n",
	} {
		if err := os.WriteFile(filepath.Join(root, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// otherMAC is a phone with no per-phone file in the fixtures: it boots
// from the defaults, which are what drop.Phones rows without a MAC describe.
const otherMAC = "000D28FFFFF0"

// ownMAC is a phone given files of its own (writeOwnFiles).
const ownMAC = "000D28A1B2C9"

func contains(s []string, v string) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

func serve(t *testing.T, root string) string {
	t.Helper()
	src, err := tftp.OpenSource(root)
	if err != nil {
		t.Fatal(err)
	}
	conn, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	srv := tftp.NewServer(src, tftp.Options{})
	done := make(chan error, 1)
	go func() { done <- srv.Serve(conn) }()
	t.Cleanup(func() { srv.Shutdown(); <-done; src.Close() })
	return conn.LocalAddr().String()
}
