// Command fleetgen writes a generated fleet of 7912 text profiles and the
// matching tag table into a directory, for scripts/bench-cfgfmt.sh.
//
//	go run ./internal/cfgfmtcli/fleetgen DIR [N]
package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"

	"github.com/phoneload/phoneload/internal/cfgfmtcli"
)

func main() {
	if len(os.Args) < 2 || len(os.Args) > 3 {
		fmt.Fprintln(os.Stderr, "usage: fleetgen DIR [N]")
		os.Exit(2)
	}
	dir, n := os.Args[1], 10000
	if len(os.Args) == 3 {
		var err error
		if n, err = strconv.Atoi(os.Args[2]); err != nil || n < 1 {
			fmt.Fprintln(os.Stderr, "fleetgen: N must be a positive number")
			os.Exit(2)
		}
	}
	if err := write(dir, n); err != nil {
		fmt.Fprintln(os.Stderr, "fleetgen:", err)
		os.Exit(1)
	}
}

func write(dir string, n int) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "ptag.dat"), []byte(cfgfmtcli.FleetTable), 0o644); err != nil {
		return err
	}
	for i := range n {
		if err := os.WriteFile(filepath.Join(dir, cfgfmtcli.FleetName(i)), cfgfmtcli.FleetProfile(i), 0o644); err != nil {
			return err
		}
	}
	return nil
}
