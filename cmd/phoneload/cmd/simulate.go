package cmd

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/phoneload/phoneload/bundle/boot"
	"github.com/phoneload/phoneload/internal/cli"
	"github.com/phoneload/phoneload/internal/tftp"
)

// SimulateSchema names the version of simulate's --json output
// (docs/simulate.md).
const SimulateSchema = "phoneload.simulate/v1"

type simulateJSON struct {
	Schema  string          `json:"schema"`
	Source  string          `json:"source"`
	Phones  []*boot.Result  `json:"phones"`
	Summary []simulateGroup `json:"summary"`
	Failed  bool            `json:"failed"`
}

// simulateGroup is the phones that ended alike.
type simulateGroup struct {
	Code boot.Code `json:"code"`
	Load string    `json:"load"`
	MACs []string  `json:"macs"`
}

// simulateFlags are the flags of simulate.
type simulateFlags struct {
	model     string
	running   string
	flash     string
	protocol  string
	mac       string
	fleetFile string
	asJSON    bool
	timeout   time.Duration
	output    *outputFlags
}

// NewCmdSimulate returns `phoneload simulate`.
func NewCmdSimulate() *cobra.Command {
	var f simulateFlags
	c := &cobra.Command{
		Use:   "simulate [--model M --running LOAD --protocol P --mac MAC] [--fleet FILE] [--json] ROOT|BUNDLE|tftp://HOST[:PORT]",
		Short: "Play a phone booting from a root, a bundle or a live TFTP server, request by request",
		Long: `simulate plays a Cisco IP phone of a model and running load against a TFTP
root (directory), a bundle or drop zip (served as the root it becomes), or a
live TFTP server (tftp://HOST[:PORT]): every file the phone asks for, in its
order, found or not (OS79XX.TXT for pre-7.x images, the trust list hunt, its
own and the default configuration files, the .loads manifest and its parts,
the reboot into the new loader and what it then asks for, 7905/7912/ATA
profiles and their upgradecode), until the phone settles.

It ends in an outcome: the phone runs a load (after N reboots), or it stops
with its own symptom: protocol-application-invalid, no-load-specified,
image-authentication-failed, w210-buffer-full, unprovisioned,
refused-downgrade, upgrade-refused, image-not-found, tftp-stop, reload-loop,
no-config, upgrade-ignored. The boot model of each family, with the source
of every step and how sure it is, is in docs/simulate.md.

--fleet FILE plays every phone of a fleet file (mac,model,running-load, as
check --fleet reads it) and sums the outcomes up with the MACs of each.

Exit codes: 0 every phone runs a load, 1 some phone stopped with a symptom
(or the root, the server or the fleet file could not be read), 2 usage.`,
		Example: `  phoneload simulate --model 7960 --running P0S3-07-4-00 /srv/tftp
  phoneload simulate --model 7912 --running CP7912080000SIP050608A --mac 000D28A1B2C3 sip-7912.zip
  phoneload simulate --model 7941 --flash empty tftp://127.0.0.1:6969
  phoneload simulate --fleet phones.csv --json /srv/tftp`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runSimulate(cmd, &f, args)
		},
	}
	fl := c.Flags()
	fl.StringVar(&f.model, "model", "7960", "phone `MODEL`: 7940, 7960, 7910, 7941, 7961, 7911, …, 7905, 7912, ata186, ata188")
	fl.StringVar(&f.running, "running", "", "the `LOAD` the phone runs (no extension), e.g. P0S3-07-4-00; empty: nothing in flash")
	fl.StringVar(&f.flash, "flash", "", "what flash holds: empty, or a `LOAD` (same as --running)")
	fl.StringVar(&f.protocol, "protocol", "", "`P`rotocol a phone with an empty flash asks for first: sip or sccp (default sccp)")
	fl.StringVar(&f.mac, "mac", "001122334455", "the phone's `MAC` address (names SEP<MAC>.cnf.xml, SIP<MAC>.cnf, gk<mac> …)")
	fl.StringVar(&f.fleetFile, "fleet", "", "CSV `FILE` of mac,model,running-load: play every phone")
	fl.BoolVar(&f.asJSON, "json", false, "write the result as JSON (docs/simulate.md)")
	fl.DurationVar(&f.timeout, "timeout", 2*time.Second, "per-packet timeout against a live TFTP server")
	f.output = addOutputFlags(fl)
	return c
}

func runSimulate(cmd *cobra.Command, f *simulateFlags, args []string) error {
	verb, err := f.output.verbosity()
	if err != nil {
		return err
	}
	if f.flash != "" && cmd.Flags().Changed("running") {
		return cli.Usage("--flash and --running say the same thing: give one")
	}
	if f.flash != "" {
		f.running = f.flash
		if f.flash == "empty" {
			f.running = ""
		}
	}
	if f.protocol != "" && f.protocol != "sip" && f.protocol != "sccp" {
		return cli.Usage("--protocol %q: want sip or sccp", f.protocol)
	}
	var phones []boot.Phone
	if f.fleetFile != "" {
		for _, f := range []string{"model", "running", "flash", "mac", "protocol"} {
			if cmd.Flags().Changed(f) {
				return cli.Usage("--%s describes one phone; --fleet gives each phone its own", f)
			}
		}
		fl, err := readFleet(cmd.InOrStdin(), f.fleetFile)
		if err != nil {
			return err
		}
		if len(fl) == 0 {
			return fmt.Errorf("--fleet %s: no phones listed", f.fleetFile)
		}
		for _, p := range fl {
			phones = append(phones, boot.Phone{MAC: p.MAC, Model: p.Model, Running: p.Load})
		}
	} else {
		m, ok := boot.NormalizeModel(f.model)
		if !ok || boot.Family(m) == "" {
			return cli.Usage("--model %q: want 7940, 7960, 7910, a 79x1 (7941, 7961, 7911, …), 7905, 7912, ata186 or ata188", f.model)
		}
		ma, ok := boot.NormalizeMAC(f.mac)
		if !ok {
			return cli.Usage("--mac %q: want 12 hex digits", f.mac)
		}
		phones = []boot.Phone{{MAC: ma, Model: m, Running: strings.TrimSpace(f.running), Protocol: f.protocol}}
	}
	src, err := openBootSource(args[0], f.timeout)
	if err != nil {
		return err
	}
	defer src.Close()
	out := simulateJSON{Schema: SimulateSchema, Source: args[0], Phones: []*boot.Result{}, Summary: []simulateGroup{}}
	for _, p := range phones {
		r, err := boot.Simulate(src, p)
		if err != nil {
			return err
		}
		out.Phones = append(out.Phones, r)
		if r.Outcome.Code != boot.Runs {
			out.Failed = true
		}
	}
	out.Summary = groupOutcomes(out.Phones)
	w := f.output.stdout(cmd)
	if f.asJSON {
		if err := cli.WriteJSON(w, out); err != nil {
			return err
		}
	} else if f.fleetFile != "" {
		writeSimulateFleet(w, out, verb)
	} else {
		writeSimulateTrace(w, out.Phones[0])
	}
	if out.Failed {
		n := 0
		for _, r := range out.Phones {
			if r.Outcome.Code != boot.Runs {
				n++
			}
		}
		if len(out.Phones) == 1 {
			return cli.Exit(cli.ExitFailure, fmt.Errorf("simulate: the phone stops: %s", out.Phones[0].Outcome.Symptom))
		}
		return cli.Exit(cli.ExitFailure, fmt.Errorf("simulate: %d of %d phones stop with a symptom", n, len(out.Phones)))
	}
	return nil
}

// openBootSource opens ROOT|BUNDLE|tftp://HOST[:PORT].
func openBootSource(arg string, timeout time.Duration) (boot.Source, error) {
	if addr, ok := boot.ParseTarget(arg); ok {
		if addr == "" {
			return nil, cli.Usage("%s: want tftp://HOST[:PORT]", arg)
		}
		return boot.Dial(addr, boot.DialOptions{Client: tftp.ClientOptions{Timeout: timeout, Retries: 3}})
	}
	return boot.OpenLocal(arg)
}

// groupOutcomes sums results up by outcome and load, in a stable order.
func groupOutcomes(rs []*boot.Result) []simulateGroup {
	var gs []simulateGroup
	for _, r := range rs {
		i := slices.IndexFunc(gs, func(g simulateGroup) bool { return g.Code == r.Outcome.Code && g.Load == r.Outcome.Load })
		if i < 0 {
			gs = append(gs, simulateGroup{Code: r.Outcome.Code, Load: r.Outcome.Load, MACs: []string{}})
			i = len(gs) - 1
		}
		gs[i].MACs = append(gs[i].MACs, r.Phone.MAC)
	}
	slices.SortStableFunc(gs, func(a, b simulateGroup) int {
		if (a.Code == boot.Runs) != (b.Code == boot.Runs) {
			if a.Code == boot.Runs {
				return 1
			}
			return -1
		}
		return strings.Compare(string(a.Code)+a.Load, string(b.Code)+b.Load)
	})
	return gs
}

func describePhone(p boot.Phone) string {
	run := p.Running
	if run == "" {
		run = "empty flash"
	} else {
		run = "running " + run
	}
	return fmt.Sprintf("%s (%s, %s)", p.MAC, p.Model, run)
}

func outcomeLine(o boot.Outcome) string {
	if o.Code == boot.Runs {
		return fmt.Sprintf("runs %s after %d %s", o.Load, o.Reboots, plural(o.Reboots, "reboot"))
	}
	s := fmt.Sprintf("%s: %s", o.Code, o.Symptom)
	if o.File != "" {
		s += " at " + o.File
	}
	return s
}

func writeSimulateTrace(w io.Writer, r *boot.Result) {
	fmt.Fprintf(w, "phone %s\n", describePhone(r.Phone))
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	boot := 0
	for _, s := range r.Steps {
		if s.Boot != boot {
			boot = s.Boot
			tw.Flush()
			fmt.Fprintf(w, " boot %d\n", boot)
		}
		res := strings.ReplaceAll(string(s.Result), "-", " ")
		if s.Result == "found" {
			res = fmt.Sprintf("found (%d bytes)", s.Size)
		}
		why := s.Why
		if s.Message != "" {
			why += ": " + s.Message
		}
		fmt.Fprintf(tw, "  %s\t%s\t%s\n", s.File, res, why)
	}
	tw.Flush()
	fmt.Fprintf(w, "=> %s\n", outcomeLine(r.Outcome))
	if r.Outcome.Code != "runs" || r.Outcome.Reason != "" {
		fmt.Fprintf(w, "   %s\n", r.Outcome.Reason)
	}
}

// writeSimulateFleet prints one line per outcome with the phones that
// reach it (counts and the first MACs); the table of every phone comes
// first with --verbose, or when the fleet has at most cli.LongList phones.
func writeSimulateFleet(w io.Writer, out simulateJSON, verb cli.Verbosity) {
	if !verb.FoldsIn(len(out.Phones), len(out.Phones)) {
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		for _, r := range out.Phones {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", r.Phone.MAC, r.Phone.Model, orEmpty(r.Phone.Running), outcomeLine(r.Outcome))
		}
		tw.Flush()
		fmt.Fprintln(w)
	}
	for _, g := range out.Summary {
		what := "ends in " + string(g.Code)
		if len(g.MACs) > 1 {
			what = "end in " + string(g.Code)
		}
		if g.Code == boot.Runs {
			what = "runs " + g.Load
			if len(g.MACs) > 1 {
				what = "run " + g.Load
			}
		}
		// "312 phones run P0S3-8-12-00: 001122334455, …, … and 309 more"
		names := cli.Names(g.MACs, "phone", verb.Limit())
		head := cli.Count(len(g.MACs), "phone")
		fmt.Fprintf(w, "%s %s%s\n", head, what, strings.TrimPrefix(names, head))
	}
}

func orEmpty(s string) string {
	if s == "" {
		return "(empty)"
	}
	return s
}
