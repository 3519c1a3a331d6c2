package probe_test

import (
	"net"
	"path"
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

// TestFetchModelsAgree: for every fixture family, the firmware a phone of
// each model fetches is the same according to drop.Phones (inspect,
// check), boot.Simulate (simulate, log, plan) and probe.Run against the
// root served for real by internal/tftp on loopback.
func TestFetchModelsAgree(t *testing.T) {
	for _, tc := range []struct {
		family fixture.Family
		phone  boot.Phone
	}{
		{fixture.SIP7940, boot.Phone{Model: "7960", Running: "P0S3-07-4-00"}},
		{fixture.SCCP7940, boot.Phone{Model: "7940", Running: "P00305000300"}},
		{fixture.SIP79x1, boot.Phone{Model: "7941", Running: "SCCP41.8-3-1S"}},
		{fixture.SIP7912, boot.Phone{Model: "7912", Running: "CP7912080000SIP050608A"}},
	} {
		t.Run(string(tc.family), func(t *testing.T) {
			root := t.TempDir()
			if err := fixture.WriteDir(root, tc.family, fixture.Options{ImageSize: 4096}); err != nil {
				t.Fatal(err)
			}
			// (a) drop.Phones: the rows of the configuration the phone
			// reads (no MAC: the defaults). The OS79XX.TXT row (pre-7.x
			// images) and the term<NN>.default.loads row (a 79x1 no
			// configuration names a load for) describe phones in other
			// states; simulate picks between them by what the phone runs.
			d, err := drop.Open(root, drop.OpenOptions{})
			if err != nil {
				t.Fatal(err)
			}
			fromDrop := map[string]bool{}
			for _, pl := range d.Phones {
				if pl.MAC != "" || pl.Setting == "OS79XX.TXT" || pl.Setting == "default" || !contains(pl.Models, tc.phone.Model) {
					continue
				}
				for _, f := range pl.Files {
					if f.Present && firmware(f.Name) {
						fromDrop[f.Name] = true
					}
				}
			}
			// (b) boot.Simulate over the root.
			src, err := boot.OpenLocal(root)
			if err != nil {
				t.Fatal(err)
			}
			defer src.Close()
			tc.phone.MAC = otherMAC
			res, err := boot.Simulate(src, tc.phone)
			if err != nil {
				t.Fatal(err)
			}
			fromSim := map[string]bool{}
			for _, s := range res.Steps {
				if s.Result == boot.Status("found") && firmware(s.File) {
					fromSim[s.File] = true
				}
			}
			// (c) probe.Run against the root served on loopback.
			addr := serve(t, root)
			c, err := tftp.NewClient(addr, tftp.ClientOptions{Timeout: time.Second, Retries: 3})
			if err != nil {
				t.Fatal(err)
			}
			pr, err := probe.Run(root, c, probe.Options{Model: tc.phone.Model, MAC: otherMAC})
			if err != nil {
				t.Fatal(err)
			}
			fromProbe := map[string]bool{}
			for _, f := range pr.Files {
				if f.Phase == "boot" && f.Status == probe.ProbeOK && firmware(f.Name) {
					fromProbe[f.Name] = true
				}
			}
			if len(fromDrop) == 0 {
				t.Fatalf("drop.Phones names no firmware for %s: %+v", tc.phone.Model, d.Phones)
			}
			if diff := cmp.Diff(sorted(fromDrop), sorted(fromSim)); diff != "" {
				t.Errorf("drop.Phones vs boot.Simulate (-drop +simulate):\n%s", diff)
			}
			if diff := cmp.Diff(sorted(fromDrop), sorted(fromProbe)); diff != "" {
				t.Errorf("drop.Phones vs probe.Run (-drop +probe):\n%s", diff)
			}
		})
	}
}

// otherMAC is a phone with no per-phone file in the fixtures: it boots
// from the defaults, which are what drop.Phones rows without a MAC describe.
const otherMAC = "000D28FFFFF0"

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
