package check

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/phoneload/phoneload/bundle/container"
	"github.com/phoneload/phoneload/bundle/drop"
	"github.com/phoneload/phoneload/internal/conformance"
	"github.com/phoneload/phoneload/internal/fixture"
)

// TestOffersAgreeWithInspect: every row of inspect's "what each phone
// loads" (drop.Phones) is an offer check judges, and the other way round:
// one model of what phones fetch (issue 10), on every generated family
// and on the real roots.
func TestOffersAgreeWithInspect(t *testing.T) {
	var roots []string
	for _, fam := range fixture.Families() {
		dir := filepath.Join(t.TempDir(), string(fam))
		if err := fixture.WriteDir(dir, fam, fixture.Options{ImageSize: 4096}); err != nil {
			t.Fatal(err)
		}
		roots = append(roots, dir)
	}
	if rw := conformance.RealWorldPath(); rw != "" {
		for _, r := range []string{"3nd0y__firmware-7911G", "andriy1984__cisco_firmware", "dannymcc__Cisco-7906G-SIP",
			"dbaldree__cisco_sip_voipfone", "julianhead__CiscoPhones", "staskobzar__cisco_prov/sip", "staskobzar__cisco_prov/sccp"} {
			if _, err := os.Stat(filepath.Join(rw, r)); err == nil {
				roots = append(roots, filepath.Join(rw, r))
			}
		}
	}
	compared := 0
	for _, root := range roots {
		d, err := drop.Open(root, drop.OpenOptions{Limits: container.Limits{CaseAliases: true}})
		if err != nil {
			t.Fatalf("%s: %v", root, err)
		}
		c := &checker{d: d, ignored: map[string]bool{}, rep: &Report{}}
		c.index()
		for _, f := range d.Files {
			if f.Kind.Fetched() && !strings.Contains(f.Name, "/") {
				c.knownAtTop++
			}
		}
		offers := map[string]bool{}
		c.offers = c.collectOffers()
		for _, o := range c.allOffers() {
			offers[o.File+"|"+o.Name] = true
		}
		rows := map[string]bool{}
		for _, p := range d.Phones() {
			if strings.Contains(p.Source, "/") || placeholder(p.Load) {
				continue // folders phones do not read; template placeholders
			}
			name := strings.TrimSuffix(p.Load, ".loads")
			if p.Setting == "upgradecode" {
				name = p.Load
			}
			if p.Setting == "upgradecode" && strings.HasSuffix(p.Source, ".txt") {
				continue // phones fetch compiled profiles only: check's offers are those
			}
			rows[p.Source+"|"+name] = true
			compared++
			if !offers[p.Source+"|"+name] {
				t.Errorf("%s: inspect shows %s naming %s (%s); check does not judge it", filepath.Base(root), p.Source, p.Load, p.Setting)
			}
		}
		for k := range offers {
			if !rows[k] {
				t.Errorf("%s: check judges the offer %s, which inspect does not show", filepath.Base(root), k)
			}
		}
	}
	if compared < len(roots) {
		t.Errorf("only %d rows compared over %d roots: the test proves little", compared, len(roots))
	}
}
