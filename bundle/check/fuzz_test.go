package check

import (
	"testing"

	"github.com/phoneload/phoneload/bundle/cisco"
	"github.com/phoneload/phoneload/bundle/drop"
)

// FuzzCheck puts arbitrary content, parsed by the real parsers, in place of
// one configuration file of a clean root and checks the result with a
// fleet: check must never panic, and must stay deterministic.
func FuzzCheck(f *testing.F) {
	f.Add(uint8(0), []byte("P0S3-8-12-00\n"))
	f.Add(uint8(1), []byte("image_version: P0S30203\nproxy1_address: x\ndial_template: d\n"))
	f.Add(uint8(2), []byte(`<Default><loadInformation8 model="IP Phone 7940">P00308010200</loadInformation8><loadInformation>x.bin</loadInformation></Default>`))
	f.Add(uint8(3), []byte("P003-8-12-00.sbn\nP0S3-8-12-00.sb2 \nLA_VERSION=X\n"))
	f.Add(uint8(4), []byte("#txt\nupgradecode:3,0x601,0x0400,0x0100,0.0.0.0,69,0x060412a,CP7912080001SIP060412A.zup\n"))
	f.Add(uint8(5), []byte("Chirp\tChirp1.raw\n\tx\nA\n"))
	fleet := []Phone{
		{MAC: "001122334455", Model: "7940", Load: "P0S30201"},
		{MAC: "000000000002", Model: "7960", Load: "P00304020300"},
		{MAC: "000000000003", Model: "7912", Load: "CP7912080001SIP060412A"},
		{MAC: "000000000004", Model: "7941", Load: "SIP41.8-5-4S"},
	}
	f.Fuzz(func(t *testing.T, which uint8, data []byte) {
		d := cleanSIP7940()
		switch which % 6 {
		case 0:
			get(d, "OS79XX.TXT").Edit().OS79XX, _ = cisco.ParseOS79XX(data)
		case 1:
			get(d, "SIP001122334455.cnf").Edit().SIP, _ = cisco.ParseSIPConfig(data)
		case 2:
			get(d, "XMLDefault.cnf.xml").Edit().XML, _ = cisco.ParseXMLConfig(data)
		case 3:
			get(d, "P0S3-8-12-00.loads").Edit().Loads, _ = cisco.ParseLoads(data)
		case 4:
			p, _ := cisco.ParseProfileText(data)
			d.Files = append(d.Files, &drop.File{Name: "gk001122334455.txt", Kind: cisco.KindProfileText, More: &drop.FileMore{Profile: p, Data: data}})
		case 5:
			get(d, "RINGLIST.DAT").Edit().Ringlist, _ = cisco.ParseRinglist(data)
		}
		d = memDrop(d.Files...)
		compile := func(string, []byte, func(string) []byte) ([]byte, error) { return data, nil }
		a := got(Run(d, Options{Fleet: fleet, Compile: compile}))
		b := got(Run(d, Options{Fleet: fleet, Compile: compile}))
		if len(a) != len(b) {
			t.Fatalf("two runs differ: %v / %v", a, b)
		}
		for i := range a {
			if a[i] != b[i] {
				t.Fatalf("two runs differ: %v / %v", a, b)
			}
		}
	})
}
