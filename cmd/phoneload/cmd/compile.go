package cmd

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/phoneload/phoneload/cfgfmt"
	"github.com/phoneload/phoneload/internal/cfgfmtcli"
	"github.com/phoneload/phoneload/internal/cli"
)

// compileReport is the --json output of `phoneload compile` (schema in
// docs/cfgfmt.md).
type compileReport struct {
	Table    string                 `json:"table"`
	OutDir   string                 `json:"outdir"`
	Profiles []cfgfmtcli.FileResult `json:"profiles"`
	Summary  cfgfmtcli.Summary      `json:"summary"`
}

// compileFlags are the flags of compile.
type compileFlags struct {
	table, outDir, key, filesFrom             string
	sip, h323, mgcp, sccp, omit, noKey, split bool
	jobs                                      int
	asJSON                                    bool
}

// NewCmdCompile returns `phoneload compile`, the batch compiler for fleets.
func NewCmdCompile() *cobra.Command {
	var f compileFlags
	c := &cobra.Command{
		Use:   "compile --table TABLE -o OUTDIR {PROFILE.txt... | --files-from LIST}",
		Short: "Compile many text profiles into binary profiles, in parallel",
		Long: `compile turns many text profiles into the binary profiles phones download, in
one process and in parallel, with the same bytes as Cisco's cfgfmt. Each
output is named as Cisco's tools name it: gk0011223344aa.txt becomes
gk0011223344aa, gkdefault.txt becomes gkdefault.cfg (likewise ld and ata);
a split profile also gets NAME.ex.

A profile with errors gets no output; the others are still written. Every
warning and error is listed on stderr as file:line: ..., then one summary
line. Outputs appear atomically (temporary file, one filesystem sync,
rename); an output that already holds the same bytes is left alone.

Exit status: 0 all compiled, 1 any profile failed, 2 usage error.`,
		Example: `  phoneload compile --table gk-ptag.dat -o /tftpboot profiles/gk*.txt
  phoneload compile --table ata-ptag.dat --sip -g -o out ata*.txt
  phoneload compile --table gk-ptag.dat -o out --json *.txt > report.json
  find profiles -name '*.txt' | phoneload compile --table gk-ptag.dat -o out --files-from -`,
		Args: cobra.ArbitraryArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runCompile(cmd, &f, args)
		},
	}
	fl := c.Flags()
	fl.StringVarP(&f.table, "table", "t", "", "tag table (ptag.dat) matching the devices' firmware")
	fl.StringVarP(&f.outDir, "outdir", "o", "", "directory for the binary profiles (must exist)")
	fl.BoolVar(&f.sip, "sip", false, "keep only SIP parameters (context bit 0x2)")
	fl.BoolVar(&f.h323, "h323", false, "keep only H.323 parameters (context bit 0x1)")
	fl.BoolVar(&f.mgcp, "mgcp", false, "keep only MGCP parameters (context bit 0x4)")
	fl.BoolVar(&f.sccp, "sccp", false, "keep only SCCP parameters (context bit 0x8)")
	fl.BoolVarP(&f.omit, "omit-sensitive", "g", false, "leave out sensitive parameters (format bit 0x4000), like cfgfmt -g")
	fl.StringVarP(&f.key, "key", "e", "", "RC4-encrypt every output with this hex key, like cfgfmt -e")
	fl.BoolVarP(&f.noKey, "no-profile-key", "E", false, "store a profile's EncryptKey without encrypting with it, like cfgfmt -E")
	fl.BoolVar(&f.split, "split", false, "always move extended (0x8000) parameters to NAME.ex")
	fl.StringVar(&f.filesFrom, "files-from", "", "read profile paths from this file, one a line (- for stdin), for fleets too large for a command line")
	fl.IntVarP(&f.jobs, "jobs", "j", 0, "profiles compiled at once (default: number of CPUs)")
	fl.BoolVar(&f.asJSON, "json", false, "print a JSON report on stdout (schema in docs/cfgfmt.md)")
	return c
}

func runCompile(cmd *cobra.Command, f *compileFlags, args []string) error {
	if f.table == "" || f.outDir == "" {
		return cli.Usage("compile needs --table and -o")
	}
	if f.filesFrom != "" {
		more, err := readList(f.filesFrom, cmd.InOrStdin())
		if err != nil {
			return err
		}
		args = append(args, more...)
	}
	if len(args) == 0 {
		return cli.Usage("no profiles to compile: name them, or give --files-from")
	}
	t, err := cfgfmtcli.LoadTable(f.table)
	if err != nil {
		return err
	}
	opt := cfgfmt.Options{OmitSensitive: f.omit, IgnoreProfileKey: f.noKey, ForceSplit: f.split}
	for on, p := range map[*bool]cfgfmt.Protocol{&f.sip: cfgfmt.SIP, &f.h323: cfgfmt.H323, &f.mgcp: cfgfmt.MGCP, &f.sccp: cfgfmt.SCCP} {
		if *on {
			opt.Protocols |= p
		}
	}
	if f.key != "" {
		if opt.Key, err = cfgfmt.ParseKey(f.key); err != nil {
			return cli.Usage("--key: %v", err)
		}
	}
	rs, err := cfgfmtcli.Batch(args, cfgfmtcli.BatchOptions{Table: t, Options: opt, OutDir: f.outDir, Jobs: f.jobs})
	if rs == nil {
		return err
	}
	sum := cfgfmtcli.Summarize(rs)
	stderr := cmd.ErrOrStderr()
	if f.asJSON {
		if werr := cli.WriteJSON(cmd.OutOrStdout(), compileReport{Table: f.table, OutDir: f.outDir, Profiles: rs, Summary: sum}); werr != nil {
			return werr
		}
	} else {
		for _, r := range rs {
			for _, d := range r.Diagnostics {
				fmt.Fprintln(stderr, d)
			}
			if r.Error != "" {
				fmt.Fprintf(stderr, "%s: error: %s\n", r.Input, cli.StripPrefixes(r.Error))
			}
		}
		unchanged := ""
		if sum.Unchanged > 0 {
			unchanged = fmt.Sprintf(", %d unchanged", sum.Unchanged)
		}
		fmt.Fprintf(stderr, "%s: compiled %d of %d %s into %s%s (%d %s, %d %s)\n", Prog,
			sum.Compiled, sum.Profiles, plural(sum.Profiles, "profile"), f.outDir, unchanged,
			sum.Warnings, plural(sum.Warnings, "warning"), sum.Errors, plural(sum.Errors, "error"))
	}
	if err != nil {
		return err
	}
	if sum.Failed > 0 {
		if f.asJSON {
			return cli.Exit(cli.ExitFailure, nil)
		}
		return cli.Exit(cli.ExitFailure, errors.New(fmt.Sprint(sum.Failed, " ", plural(sum.Failed, "profile"), " failed, no output written for them")))
	}
	return nil
}

// readList reads paths one a line, skipping blank lines.
func readList(name string, stdin io.Reader) ([]string, error) {
	var r io.Reader = stdin
	if name != "-" {
		f, err := os.Open(name)
		if err != nil {
			return nil, fmt.Errorf("--files-from: %v", err)
		}
		defer f.Close()
		r = f
	}
	var out []string
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		if line := strings.TrimRight(sc.Text(), "\r"); strings.TrimSpace(line) != "" {
			out = append(out, line)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("--files-from %s: %v", name, err)
	}
	return out, nil
}

func plural(n int, s string) string {
	if n == 1 {
		return s
	}
	return s + "s"
}
