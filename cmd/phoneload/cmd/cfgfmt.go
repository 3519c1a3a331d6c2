package cmd

import (
	"github.com/spf13/cobra"

	"github.com/phoneload/phoneload/internal/cfgfmtcli"
)

// NewCmdCfgfmt returns `phoneload cfgfmt`, the drop-in cfgfmt with Cisco's
// exact command line (shared with cmd/cfgfmt).
func NewCmdCfgfmt() *cobra.Command {
	return &cobra.Command{
		Use:   "cfgfmt [-t<table>] [-e<hexkey>] [-E] [-g] [-sip|-h323|-mgcp|-sccp] [-split] [-v] input output",
		Short: "Compile or decode one profile, exactly as Cisco's cfgfmt does",
		Long: `cfgfmt compiles a text profile (first line #txt) into the binary profile a
7905/7912 phone or ATA 18x downloads, or decodes a binary profile back to
text; the input's first bytes choose the direction. The command line is
Cisco's own, options glued to their values, so existing scripts can call
'phoneload cfgfmt' (or the standalone cfgfmt binary) unchanged.

` + cfgfmtcli.Usage,
		Example: `  phoneload cfgfmt -tsip_ptag.dat gkdefault.txt gkdefault.cfg
  phoneload cfgfmt -sip -tata-ptag.dat -eabcd ata0011223344aa.txt ata0011223344aa
  phoneload cfgfmt -v -tsip_ptag.dat gk0011223344aa decoded.txt`,
		DisableFlagParsing:    true,
		DisableFlagsInUseLine: true,
		Args:                  cobra.ArbitraryArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return cfgfmtcli.RunMode(cfgfmtcli.Phoneload, args, cmd.InOrStdin(), cmd.OutOrStdout(), cmd.ErrOrStderr())
		},
	}
}

// CfgfmtManCommand describes the standalone cfgfmt binary (cmd/cfgfmt) as
// a command, for its man page only: cfgfmt parses its own command line.
func CfgfmtManCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "cfgfmt [options] input output",
		Short: "Compile or decode a Cisco 7905/7912/ATA profile, byte for byte as Cisco's cfgfmt",
		Long: `cfgfmt is a drop-in replacement for Cisco's cfgfmt profile compiler: the same
command line, the same output bytes, on every platform. 'phoneload cfgfmt'
is the same program inside phoneload. cfgfmt --version prints the build
information (--version --json as JSON).

` + cfgfmtcli.Usage,
		Example: `  cfgfmt -tsip_ptag.dat gkdefault.txt gkdefault.cfg
  cfgfmt -sip -tata-ptag.dat -eabcd ata0011223344aa.txt ata0011223344aa
  cfgfmt -v -tsip_ptag.dat gk0011223344aa decoded.txt
  cfgfmt --version`,
		DisableFlagParsing:    true,
		DisableFlagsInUseLine: true,
		Run:                   func(*cobra.Command, []string) {},
	}
}
