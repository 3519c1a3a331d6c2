package boot

import (
	"slices"
	"testing"
)

// memSource is a root in memory.
type memSource map[string][]byte

func (m memSource) Fetch(name string) Reply {
	b, ok := m[name]
	if !ok {
		return Reply{Status: NotFound, Message: "File not found"}
	}
	return Reply{Status: Found, Size: int64(len(b)), Data: b}
}

func (memSource) Close() error { return nil }

// FuzzSimulate feeds hostile configuration files, manifests and profiles
// to every family: the simulator must end, in a documented outcome, with
// every step documented.
func FuzzSimulate(f *testing.F) {
	f.Add([]byte("P0S3-8-12-00\n"), []byte("image_version: P0S3-8-12-00\n"), []byte(`<Default><loadInformation8>P0S3-8-12-00</loadInformation8></Default>`), []byte("P003-8-12-00.sbn\nP0S3-8-12-00.sb2\nLA_VERSION=PAS30830\n"), []byte("#ata"))
	f.Add([]byte("P0S30203 \n"), []byte("image_version: P0S30203.bin\nproxy1: x\n"), []byte(`<device><loadInformation>SIP41.9-4-2SR1S</loadInformation></device>`), []byte("jar41sip.9-4-2TH1-1.sbn \r\n"), []byte{})
	f.Fuzz(func(t *testing.T, os79xx, sipDefault, xml, loads, profile []byte) {
		src := memSource{
			"OS79XX.TXT": os79xx, "SIPDefault.cnf": sipDefault, "XMLDefault.cnf.xml": xml,
			"SEP000D28A1B2C3.cnf.xml": xml, "SIP000D28A1B2C3.cnf": sipDefault,
			"P0S3-8-12-00.loads": loads, "SIP41.9-4-2SR1S.loads": loads, "term41.default.loads": loads,
			"P003-8-12-00.sbn": loads, "P0S3-8-12-00.sb2": loads, "P0S30203.bin": loads,
			"gkdefault.cfg": profile, "gk000d28a1b2c3": profile, "CP7912080001SIP060412A.sbin": profile,
		}
		for _, p := range []Phone{
			{MAC: mac, Model: "7960", Running: "P0S3-07-4-00"}, {MAC: mac, Model: "7940", Running: "P0S30201"},
			{MAC: mac, Model: "7940"}, {MAC: mac, Model: "7941"}, {MAC: mac, Model: "7912", Running: "CP7912080000SIP050608A"},
			{MAC: mac, Model: "ata186"},
		} {
			r, err := Simulate(src, p)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Contains(Codes(), r.Outcome.Code) {
				t.Fatalf("outcome %q", r.Outcome.Code)
			}
			if len(r.Steps) > MaxBoots*64 {
				t.Fatalf("%d steps", len(r.Steps))
			}
			for _, s := range r.Steps {
				if !slices.Contains(StepRules, s.Rule) {
					t.Fatalf("rule %q", s.Rule)
				}
			}
		}
	})
}
