package cmd

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/phoneload/phoneload/bundle/plan"
	"github.com/phoneload/phoneload/cfgfmt"
	"github.com/phoneload/phoneload/internal/cli"
)

// PlanSchema names the version of plan's --json output (docs/simulate.md).
const PlanSchema = "phoneload.plan/v1"

type planJSON struct {
	Schema  string           `json:"schema"`
	Fleet   string           `json:"fleet"`
	Drops   []*plan.Drop     `json:"drops"`
	Output  string           `json:"output"`
	To      string           `json:"to"`
	Phones  []plan.PhonePath `json:"phones"`
	Stages  []*plan.Stage    `json:"stages"`
	Missing []plan.Need      `json:"missing"`
	Failed  bool             `json:"failed"`
}

// planFlags are the flags of plan.
type planFlags struct {
	fleetFile string
	to        string
	dropsDir  string
	out       string
	templates string
	tableFile string
	asJSON    bool
	output    *outputFlags
}

// NewCmdPlan returns `phoneload plan`.
func NewCmdPlan() *cobra.Command {
	var f planFlags
	c := &cobra.Command{
		Use:   "plan --fleet FILE --to PROTOCOL-VERSION [--drops DIR] [-o DIR] [--json]",
		Short: "Stage a fleet's move to a target load along Cisco's upgrade matrix",
		Long: `plan takes the phones of a fleet file (mac,model,running-load) from what they
run today to a target (--to sip-8.12, sccp-8.1(2)) along Cisco's upgrade
matrix: SIP 2.x–4.x through 4.4, 5.3, 6.x and 7.x; SCCP below 5.x through
SCCP 5.x before SIP; SIP 4.x and earlier back to SCCP through 4.x, 5.x and
6.3; no step for a signed phone offered an unsigned image. 7940/7960/7910
phones get the target release; 79x1, 7905 and 7912 phones the newest load of
the target protocol for their model in --drops.

The result is ordered stages: for each, the phones that move (from, to, the
matrix step), the loads the root must hold and the drop that has each, the
configuration files the stage writes (SEP<MAC>.cnf.xml and SIP<MAC>.cnf
naming each phone's load for the stage; a W210-safe SIPDefault.cnf holding
image_version alone), and notes. Loads no drop in --drops has are listed.

--templates DIR holds the site's own SIPDefault.cnf, XMLDefault.cnf.xml,
gkdefault.txt and lddefault.txt (each optional): stage roots are made from
them (SIPDefault.cnf with the stage's image_version, except while SIP 2.x
phones boot; gkdefault.txt with its upgradecode pointed at the 7912 target
and compiled with cfgfmt and --table into gkdefault.cfg).

--drops DIR holds Cisco drops, one directory or zip each. -o DIR writes one
ready TFTP root per stage (DIR/stage-1, DIR/stage-2, …): the images from the
drops, without the drops' own configuration files, and the stage's
configuration. Publish stage N, let every phone boot, then stage N+1.
phoneload simulate --fleet proves each stage before a phone reboots.

Exit codes: 0 every phone reaches the target, 1 some phone cannot (a step no
drop has, a refused downgrade, a model not planned) or a file could not be
read or written (-o then writes nothing), 2 usage.`,
		Example: `  phoneload plan --fleet phones.csv --to sip-8.12 --drops drops
  phoneload plan --fleet phones.csv --to sip-8.12 --drops drops -o stages
  phoneload plan --fleet phones.csv --to sip-8.12 --drops drops --templates site --table sip_ptag.dat -o stages
  phoneload simulate --fleet phones.csv stages/stage-1`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runPlan(cmd, &f, args)
		},
	}
	fl := c.Flags()
	fl.StringVar(&f.fleetFile, "fleet", "", "CSV `FILE` of mac,model,running-load (\"-\" for stdin)")
	fl.StringVar(&f.to, "to", "", "target `PROTOCOL-VERSION`: sip-8.12, sccp-8.1(2)")
	fl.StringVar(&f.dropsDir, "drops", "", "`DIR` of Cisco drops, one directory or zip each")
	fl.StringVarP(&f.out, "output", "o", "", "write one TFTP root per stage under `DIR` (must not exist)")
	fl.StringVar(&f.templates, "templates", "", "`DIR` of the site's SIPDefault.cnf, XMLDefault.cnf.xml, gkdefault.txt, lddefault.txt to make stage roots from")
	fl.StringVar(&f.tableFile, "table", "", "cfgfmt tag table (`PTAG`) to compile gkdefault.txt/lddefault.txt with")
	fl.BoolVar(&f.asJSON, "json", false, "write the plan as JSON (docs/simulate.md)")
	f.output = addOutputFlags(fl)
	return c
}

func runPlan(cmd *cobra.Command, f *planFlags, args []string) error {
	if f.fleetFile == "" || f.to == "" {
		return cli.Usage("plan needs --fleet and --to")
	}
	verb, err := f.output.verbosity()
	if err != nil {
		return err
	}
	t, err := plan.ParseTarget(f.to)
	if err != nil {
		return cli.Usage("%v", err)
	}
	fl, err := readFleet(cmd.InOrStdin(), f.fleetFile)
	if err != nil {
		return err
	}
	var drops []*plan.Drop
	if f.dropsDir != "" {
		if drops, err = plan.ScanDrops(f.dropsDir); err != nil {
			return err
		}
	}
	site, err := readSite(f.templates, f.tableFile)
	if err != nil {
		return err
	}
	p, err := plan.Make(fl, t, drops, site)
	if err != nil {
		return err
	}
	doc := planJSON{Schema: PlanSchema, Fleet: f.fleetFile, Drops: drops, Output: f.out, To: p.To, Phones: p.Phones, Stages: p.Stages, Missing: p.Missing}
	if doc.Drops == nil {
		doc.Drops = []*plan.Drop{}
	}
	blocked := 0
	for _, pp := range p.Phones {
		if pp.Blocked != "" {
			blocked++
		}
	}
	doc.Failed = blocked > 0 || len(p.Missing) > 0
	var werr error
	if f.out != "" {
		werr = p.Write(f.out)
		if werr != nil {
			doc.Failed = true
			doc.Output = ""
		}
	}
	if f.asJSON {
		if err := cli.WriteJSON(cmd.OutOrStdout(), doc); err != nil {
			return err
		}
	} else {
		writeStagePlan(f.output.stdout(cmd), doc, verb)
	}
	switch {
	case werr != nil && errors.Is(werr, plan.ErrMissingDrops):
		return cli.Hint(cli.Exit(cli.ExitFailure, fmt.Errorf("plan: -o %s: %w", f.out, werr)), "put the missing drops into --drops (one directory or zip each) and run plan again")
	case werr != nil:
		return werr
	case blocked > 0:
		return cli.Exit(cli.ExitFailure, fmt.Errorf("plan: %d of %d phones cannot reach %s", blocked, len(p.Phones), p.To))
	case len(p.Missing) > 0:
		return cli.Exit(cli.ExitFailure, fmt.Errorf("plan: %d loads are in no drop of --drops", len(p.Missing)))
	}
	return nil
}

// readSite reads the site's templates (each optional) and the tag table.
func readSite(dir, table string) (plan.Site, error) {
	var site plan.Site
	if table != "" {
		b, err := os.ReadFile(table)
		if err != nil {
			return site, fmt.Errorf("--table: %w", err)
		}
		tab, err := cfgfmt.ParseTable(filepath.Base(table), b)
		if err != nil {
			return site, fmt.Errorf("--table: %w", err)
		}
		site.Compile = func(name string, src []byte) ([]byte, error) {
			res, err := cfgfmt.Compile(tab, name, src, cfgfmt.Options{})
			if err != nil {
				return nil, err
			}
			return res.Profile, nil
		}
	}
	if dir == "" {
		return site, nil
	}
	if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
		return site, fmt.Errorf("--templates %s: not a directory", dir)
	}
	read := func(name string) ([]byte, error) {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if errors.Is(err, fs.ErrNotExist) {
			return nil, nil
		}
		if err != nil {
			return nil, fmt.Errorf("--templates: %w", err)
		}
		return b, nil
	}
	var err error
	if site.SIPDefault, err = read("SIPDefault.cnf"); err != nil {
		return site, err
	}
	if site.XMLDefault, err = read("XMLDefault.cnf.xml"); err != nil {
		return site, err
	}
	for _, n := range []string{"gkdefault.txt", "lddefault.txt"} {
		b, err := read(n)
		if err != nil {
			return site, err
		}
		if b != nil {
			if site.Profiles == nil {
				site.Profiles = map[string][]byte{}
			}
			site.Profiles[n] = b
		}
	}
	return site, nil
}

// writeStagePlan prints the plan: each phone's path, then each stage. At
// Normal verbosity a fleet of more than cli.LongList phones is folded: the
// phones that share a path (model, from, the loads they step through) are
// one line, and so are the phones that make the same move in a stage, each
// with its count and first MACs; --verbose prints a line per phone.
func writeStagePlan(w io.Writer, d planJSON, verb cli.Verbosity) {
	fmt.Fprintf(w, "plan: %d %s to %s in %d %s\n", len(d.Phones), plural(len(d.Phones), "phone"), d.To, len(d.Stages), plural(len(d.Stages), "stage"))
	fold := verb.FoldsIn(len(d.Phones), len(d.Phones))
	var paths rowGroups
	for _, pp := range d.Phones {
		path := strings.Join(pp.Path, " → ")
		if path == "" {
			path = "(runs it already)"
		}
		if pp.Blocked != "" {
			path += "  BLOCKED: " + pp.Blocked
		}
		paths.add(pp.MAC, []string{pp.Model, pp.From, "→ " + path}, fold)
	}
	paths.write(w, verb)
	for _, st := range d.Stages {
		verbWord := "move"
		if len(st.Moves) == 1 {
			verbWord = "moves"
		}
		fmt.Fprintf(w, "\nstage %d: %d %s %s", st.N, len(st.Moves), plural(len(st.Moves), "phone"), verbWord)
		if len(st.Stay) > 0 {
			fmt.Fprintf(w, ", %d stay", len(st.Stay))
		}
		fmt.Fprintln(w)
		var moves rowGroups
		for _, m := range st.Moves {
			moves.add(m.MAC, []string{m.Model, m.From + " → " + m.To, "(" + m.Step + ")"}, fold)
		}
		moves.write(w, verb)
		for _, n := range st.Loads {
			if n.Drop != "" {
				fmt.Fprintf(w, "  load %s from %s\n", n.Load, n.Drop)
			} else {
				fmt.Fprintf(w, "  load %s: MISSING, need %s\n", n.Load, n.Want)
			}
		}
		fmt.Fprintf(w, "  configuration: %s\n", configNames(st.Configs, fold, verb))
		for _, n := range st.Notes {
			fmt.Fprintf(w, "  note: %s\n", n)
		}
	}
	if len(d.Missing) > 0 {
		fmt.Fprintln(w, "\nmissing from --drops:")
		for _, m := range d.Missing {
			fmt.Fprintf(w, "  %s\n", m.Want)
		}
	}
	if d.Output != "" {
		fmt.Fprintf(w, "\nwrote %d %s under %s\n", len(d.Stages), plural(len(d.Stages), "root"), d.Output)
	}
}

// rowGroups is a table of phones, one row each, or folded: the phones
// whose other columns are equal share one row, in the order first seen.
type rowGroups struct {
	rows []*phoneRow
}

type phoneRow struct {
	macs []string
	cols []string
}

func (g *rowGroups) add(mac string, cols []string, fold bool) {
	if fold {
		for _, r := range g.rows {
			if slices.Equal(r.cols, cols) {
				r.macs = append(r.macs, mac)
				return
			}
		}
	}
	g.rows = append(g.rows, &phoneRow{macs: []string{mac}, cols: cols})
}

// write prints the rows aligned; a folded row starts with its count
// ("312 phones") and ends with its first MACs.
func (g *rowGroups) write(w io.Writer, verb cli.Verbosity) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	folded := g.folded()
	for _, r := range g.rows {
		if !folded {
			fmt.Fprintf(tw, "  %s\t%s\n", r.macs[0], strings.Join(r.cols, "\t"))
			continue
		}
		n := cli.Count(len(r.macs), "phone")
		fmt.Fprintf(tw, "  %s\t%s\t%s\n", n, strings.Join(r.cols, "\t"), strings.TrimPrefix(strings.TrimPrefix(cli.Names(r.macs, "phone", verb.Limit()), n), ": "))
	}
	tw.Flush()
}

// folded reports whether some row holds more than one phone.
func (g *rowGroups) folded() bool {
	for _, r := range g.rows {
		if len(r.macs) > 1 {
			return true
		}
	}
	return false
}

// configNames lists a stage's configuration files; folded, the per-phone
// ones (SEP<MAC>…, SIP<MAC>…) are counted, the shared ones named.
func configNames(names []string, fold bool, verb cli.Verbosity) string {
	if !fold {
		return strings.Join(names, " ")
	}
	var shared, perPhone []string
	for _, n := range names {
		if isPerPhoneName(n) {
			perPhone = append(perPhone, n)
		} else {
			shared = append(shared, n)
		}
	}
	out := shared
	if len(perPhone) > 0 {
		out = append(out, "and "+cli.Names(perPhone, "per-phone file", verb.Limit()))
	}
	return strings.Join(out, " ")
}

// isPerPhoneName reports whether a configuration file is one phone's own
// (SEP<MAC>.cnf.xml, SIP<MAC>.cnf, gk<mac>, ld<mac>…).
func isPerPhoneName(name string) bool {
	for _, p := range []string{"SEP", "SIP", "MGC", "gk", "ld", "ata"} {
		rest, ok := strings.CutPrefix(name, p)
		if ok && len(rest) >= 12 && isHex12(rest[:12]) {
			return true
		}
	}
	return false
}

func isHex12(s string) bool {
	for i := range 12 {
		c := s[i] | 0x20
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}
