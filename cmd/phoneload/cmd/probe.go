package cmd

import (
	"fmt"
	"io"
	"net"
	"net/url"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/phoneload/phoneload/bundle/check"
	"github.com/phoneload/phoneload/bundle/probe"

	"github.com/spf13/cobra"

	"github.com/phoneload/phoneload/internal/cli"
	"github.com/phoneload/phoneload/internal/tftp"
)

// probeFlags are the flags of probe.
type probeFlags struct {
	trust   trustFlags
	opts    probe.Options
	limits  *limitFlags
	src     string
	asJSON  bool
	timeout time.Duration
	mapFile *string
	blksize int
	outFl   *outputFlags
}

// NewCmdProbe returns `phoneload probe`.
func NewCmdProbe() *cobra.Command {
	var f probeFlags
	cmd := &cobra.Command{
		Use:   "probe [--mac MAC] [--model MODEL] --bundle BUNDLE --pub FILE tftp://HOST[:PORT]",
		Short: "Fetch from a live TFTP server what a phone would, and compare with the bundle",
		Long: `probe asks a live TFTP server for the files a phone would ask for, in the
order it would, and compares every byte with the signed bundle. The phone is
played by the boot model simulate uses (docs/simulate.md): what it asks for
next follows what the server actually returns, through the reboots of an
upgrade, until it settles. A 7940/7960 reads OS79XX.TXT (before 7.x), its
SIP or XML configuration (CTLSEP<MAC>.tlv, SEP<MAC>.cnf.xml, SIP<MAC>.cnf,
MGC<MAC>.cnf, XMLDefault.cnf.xml, SIPDefault.cnf on 7.x and later), the load
named for it and the parts its .loads lists (the loader, a reboot, the
application), then the dial plan, RINGLIST.DAT and its rings; a 79x1 its XML
configuration and the load; a 7905/7912 its compiled profiles and the image
their upgradecode names. --all then fetches every other file of the bundle.

The phone runs --running LOAD (empty: nothing in flash). By default a
7940/7960 runs a signed image from before 7.x of the bundle's protocol
(SIP 5.3 P0S3-05-3-00 for a bundle with a SIP .cnf, else SCCP 5.0(3)
P00305000300), so that it reads OS79XX.TXT and takes the bundle's load;
other models start with an empty flash. The last line says where the phone
settled (runs, or the symptom it stops with).

Each file is ok, absent (neither has it and the server says "File not
found", so a phone moves on), site (the server has a file the bundle does
not: a site file such as SEP<MAC>.cnf.xml, listed as verify --root lists
them, not a failure), unexpected (the server has firmware the bundle does
not), missing, different, or error (any other answer, which stops a
phone's hunt). With --map-file (the server's tftpd-hpa rules) each
name is compared with the bundle file the rules send it to.

Exit codes: 0 all ok, absent or site, 1 a file could not be fetched
(error), 2 usage, 3 bad signature, 4 missing, different or unexpected files.`,
		Example: `  phoneload probe --pub release.pub --bundle sip-8.12.zip tftp://10.0.0.5
  phoneload probe --pub release.pub --mac 0011.2233.4455 --model 7940 --bundle sip-8.12.zip tftp://10.0.0.5:69
  phoneload probe --pub release.pub --model 7960 --running P0S3-07-4-00 --bundle sip-8.12.zip tftp://10.0.0.5
  phoneload probe --pub release.pub --all --json --bundle sip-8.12.zip tftp://127.0.0.1:6969`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runProbe(cmd, &f, args)
		},
	}
	f.trust.register(cmd)
	cmd.Flags().StringVar(&f.src, "bundle", "", "the signed `BUNDLE` to compare with (directory or zip)")
	cmd.Flags().StringVar(&f.opts.MAC, "mac", "", "imitate the phone with this `MAC` (per-phone files)")
	cmd.Flags().StringVar(&f.opts.Model, "model", "7960", "imitate this phone `MODEL` (7940, 7960, 7905, 7912, 7911, 7941, …)")
	cmd.Flags().StringVar(&f.opts.Running, "running", "", "the `LOAD` the phone runs (no extension), or empty (nothing in flash); default: see above")
	cmd.Flags().StringVar(&f.opts.Protocol, "protocol", "", "`P`rotocol a phone with an empty flash asks for first: sip or sccp (default sccp)")
	f.mapFile = addMapFileFlag(cmd.Flags())
	cmd.Flags().BoolVar(&f.opts.All, "all", false, "also fetch every other file of the bundle")
	cmd.Flags().BoolVar(&f.asJSON, "json", false, "print the result as JSON (schema in docs/publish.md)")
	cmd.Flags().DurationVar(&f.timeout, "timeout", 2*time.Second, "timeout per packet")
	cmd.Flags().IntVar(&f.blksize, "blksize", 0, "ask for this block size, 512 to 65464 (default: none, 512 as a phone's loader)")
	f.outFl = addOutputFlags(cmd.Flags())
	f.limits = addBundleLimitFlags(cmd.Flags())
	return cmd
}

func runProbe(cmd *cobra.Command, f *probeFlags, args []string) error {
	verb, err := f.outFl.verbosity()
	if err != nil {
		return err
	}
	if f.src == "" {
		return cli.Usage("--bundle is required")
	}
	addr, err := tftpAddr(args[0])
	if err != nil {
		return err
	}
	if f.opts.MAC != "" {
		if _, ok := check.NormalizeMAC(f.opts.MAC); !ok {
			return cli.Usage("--mac %q: not a MAC address (12 hex digits, separators allowed)", f.opts.MAC)
		}
	}
	if f.blksize != 0 && (f.blksize < tftp.MinClientBlockSize || f.blksize > tftp.MaxBlockSize) {
		return cli.Usage("--blksize %d: want %d to %d (or 0: no option, as a phone's loader)", f.blksize, tftp.MinClientBlockSize, tftp.MaxBlockSize)
	}
	if !slices.Contains(probe.Models(), f.opts.Model) {
		return cli.Usage("--model %q: unknown model (known: %s)", f.opts.Model, strings.Join(probe.Models(), ", "))
	}
	switch f.opts.Protocol {
	case "", "sip", "sccp":
	default:
		return cli.Usage("--protocol %q: want sip or sccp", f.opts.Protocol)
	}
	if f.opts.Verify, err = f.trust.verifyOptions(); err != nil {
		return err
	}
	f.opts.Limits = f.limits.Limits()
	if f.opts.Verify != nil {
		f.opts.Verify.Limits = f.opts.Limits
	}
	c, err := tftp.NewClient(addr, tftp.ClientOptions{Timeout: f.timeout, BlockSize: f.blksize})
	if err != nil {
		return err
	}
	if f.opts.Map, err = loadMapFile(*f.mapFile); err != nil {
		return err
	}
	res, err := probe.Run(f.src, c, f.opts)
	if err != nil {
		return verifyFailure(err, "nothing was fetched; phoneload verify shows the whole report")
	}
	if f.asJSON {
		if err := cli.WriteJSON(f.outFl.stdout(cmd), res); err != nil {
			return err
		}
	} else {
		writeProbe(f.outFl.stdout(cmd), res, verb)
	}
	bad := res.Count(probe.ProbeMissing) + res.Count(probe.ProbeDifferent) + res.Count(probe.ProbeUnexpected)
	errs := res.Count(probe.ProbeError)
	switch {
	case errs > 0:
		return cli.Exit(cli.ExitFailure, fmt.Errorf("probe: %d file(s) could not be fetched from %s, %d differ from the bundle", errs, addr, bad))
	case bad > 0:
		return cli.Exit(cli.ExitContent, fmt.Errorf("probe: %s serves %d file(s) that differ from the bundle", addr, bad))
	}
	if !f.asJSON && verb != cli.Quiet {
		fmt.Fprintf(cmd.ErrOrStderr(), "%s: %s serves what the bundle holds (%d file(s) checked)\n", Prog, addr, len(res.Files))
	}
	return nil
}

// tftpAddr turns tftp://HOST[:PORT] into host:port.
func tftpAddr(s string) (string, error) {
	u, err := url.Parse(s)
	if err != nil || u.Scheme != "tftp" || u.Host == "" || (u.Path != "" && u.Path != "/") {
		return "", cli.Usage("%q: want tftp://HOST[:PORT]", s)
	}
	host, port := u.Hostname(), u.Port()
	if port == "" {
		port = "69"
	}
	if strings.Contains(host, ":") {
		return net.JoinHostPort(host, port), nil
	}
	return host + ":" + port, nil
}

// writeProbe prints one line per file fetched; at Normal verbosity, when
// there are more than cli.LongList (--all at fleet scale: thousands of
// phones' own files), more than cli.GroupAbove files of one status fold
// into one line with the count and first names. One phone's hunt is
// always listed whole.
func writeProbe(w io.Writer, res *probe.Result, verb cli.Verbosity) {
	folds := func(n int) bool { return verb.FoldsIn(len(res.Files), n) }
	byStatus := map[string][]string{}
	var order []string
	for _, f := range res.Files {
		st := string(f.Status)
		if byStatus[st] == nil {
			order = append(order, st)
		}
		byStatus[st] = append(byStatus[st], f.Name)
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for _, f := range res.Files {
		if folds(len(byStatus[string(f.Status)])) {
			continue
		}
		line := fmt.Sprintf("%s\t%s\t%s", f.Status, f.Name, f.Why)
		if f.Error != "" {
			line += "\t" + f.Error
		}
		fmt.Fprintln(tw, line)
	}
	tw.Flush()
	for _, st := range order {
		if names := byStatus[st]; folds(len(names)) {
			fmt.Fprintf(w, "%s: %s (--verbose lists each)\n", st, cli.Names(names, "file", verb.Limit()))
		}
	}
	if o := res.Outcome; o != nil {
		running := res.Running
		if running == "" {
			running = "empty flash"
		}
		line := fmt.Sprintf("phone: %s (%s) %s", res.Model, running, o.Code)
		if o.Load != "" {
			line += " " + o.Load
		}
		fmt.Fprintf(w, "%s: %s\n", line, o.Reason)
	}
}
