package check_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/phoneload/phoneload/bundle/check"

	"github.com/phoneload/phoneload/bundle/drop"

	"github.com/phoneload/phoneload/internal/fixture"
)

// Check a TFTP root before phones see it: here a generated 7940/7960 SIP
// root whose application image was forgotten.
func ExampleRunPath() {
	dir, _ := os.MkdirTemp("", "example")
	defer os.RemoveAll(dir)
	root := filepath.Join(dir, "tftpboot")
	if err := fixture.WriteDir(root, fixture.SIP7940, fixture.Options{}); err != nil {
		panic(err)
	}
	os.Remove(filepath.Join(root, "P0S3-8-12-00.sb2"))

	fleet, _ := check.ParseFleet(strings.NewReader("000D28A1B2C3,CP-7940G,P0S3-07-4-00\n"), "fleet.csv")
	rep, err := check.RunPath(root, drop.OpenOptions{}, check.Options{Fleet: fleet})
	if err != nil {
		panic(err)
	}
	for _, f := range rep.Findings {
		fmt.Printf("%s %s:%d %v\n%s\n", f.Rule, f.File, f.Line, f.Phones, f.Message)
	}
	fmt.Println("failed:", rep.Failed())
	// Output:
	// loads-part-missing P0S3-8-12-00.loads:2 [000D28A1B2C3]
	// P0S3-8-12-00.loads lists the part "P0S3-8-12-00.sb2", which is not in the root
	// fleet-upgrade-scope SIPDefault.cnf:5 [000D28A1B2C3]
	// 1 of the 1 phones are offered P0S3-8-12-00 (image_version), which they do not run
	// failed: true
}

// Cisco's upgrade matrix on its own: what a SIP 4.2 phone must run before
// it can take SIP 8.12.
func ExampleUpgradePath() {
	from, _ := check.ParseRelease("P0S3-04-2-00")
	to, _ := check.ParseRelease("P0S3-8-12-00")
	p := check.UpgradePath(from, to)
	fmt.Println(p.Blocker, p.Steps)
	// Output: sip-path [SIP 4.4 SIP 5.3 SIP 6.x SIP 7.x]
}

// Fleet files are CSV; MACs and models are normalised, bad lines named.
func ExampleParseFleet() {
	phones, err := check.ParseFleet(strings.NewReader("mac,model,running-load\n00:0d:28:a1:b2:c3,IP Phone 7960,P00308010200.loads\n"), "fleet.csv")
	fmt.Printf("%+v %v\n", phones, err)
	_, err = check.ParseFleet(strings.NewReader("000D28A1B2C3,7940\n"), "fleet.csv")
	fmt.Println(err)
	// Output:
	// [{MAC:000D28A1B2C3 Model:7960 Load:P00308010200 Line:2}] <nil>
	// bundle: fleet.csv:1: 2 fields, want 3 (mac,model,running-load)
}
