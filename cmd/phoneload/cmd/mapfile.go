package cmd

import (
	"fmt"
	"os"

	"github.com/spf13/pflag"

	"github.com/phoneload/phoneload/bundle/tftpmap"
)

// mapFileHelp is the --map-file flag's help, the same in every command.
const mapFileHelp = "judge the root through tftpd-hpa's filename remapping rules in `FILE` (in.tftpd --map-file)"

func addMapFileFlag(f *pflag.FlagSet) *string {
	var s string
	f.StringVar(&s, "map-file", "", mapFileHelp)
	return &s
}

// loadMapFile reads a --map-file; "" is no map. Parse errors name the
// file and line.
func loadMapFile(name string) (*tftpmap.Map, error) {
	if name == "" {
		return nil, nil
	}
	f, err := os.Open(name)
	if err != nil {
		return nil, fmt.Errorf("--map-file: %w", err)
	}
	defer f.Close()
	return tftpmap.Parse(f, name)
}
