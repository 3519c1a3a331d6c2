package boot

import (
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/phoneload/phoneload/internal/fixture"
)

// TestDocsCoverModel: docs/simulate.md documents every step id, outcome
// and rule of RuleOutcomes, and every step the simulator takes carries a
// documented id.
func TestDocsCoverModel(t *testing.T) {
	b, err := os.ReadFile("../../docs/simulate.md")
	must(t, err)
	doc := string(b)
	for _, r := range StepRules {
		if !strings.Contains(doc, "`"+r+"`") {
			t.Errorf("docs/simulate.md does not document step %s", r)
		}
	}
	for _, c := range Codes() {
		if !strings.Contains(doc, "`"+string(c)+"`") {
			t.Errorf("docs/simulate.md does not document outcome %s", c)
		}
	}
	for r := range RuleOutcomes {
		if !strings.Contains(doc, "`"+r+"`") {
			t.Errorf("docs/simulate.md does not list rule %s", r)
		}
	}
	for _, f := range []fixture.Family{fixture.SIP7940, fixture.SCCP7940, fixture.SIP79x1, fixture.SIP7912} {
		dir := root(t, f)
		for _, p := range []Phone{
			{MAC: mac, Model: "7960", Running: "P0S3-04-2-00"}, {MAC: mac, Model: "7940"},
			{MAC: mac, Model: "7941"}, {MAC: mac, Model: "7912", Running: "CP7912080000SIP050608A"},
		} {
			for _, s := range simulate(t, dir, p).Steps {
				if !slices.Contains(StepRules, s.Rule) {
					t.Errorf("%s: step %s has undocumented rule %q", f, s.File, s.Rule)
				}
			}
		}
	}
}
