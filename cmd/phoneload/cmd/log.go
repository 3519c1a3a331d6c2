package cmd

import (
	"fmt"
	"io"
	"os"
	"sort"
	"strings"

	"github.com/spf13/cobra"

	"github.com/phoneload/phoneload/bundle/boot"
	"github.com/phoneload/phoneload/bundle/tftplog"
	"github.com/phoneload/phoneload/internal/cli"
)

// LogSchema names the version of log's --json output (docs/simulate.md).
const LogSchema = "phoneload.log/v1"

type logJSON struct {
	Schema  string           `json:"schema"`
	Logs    []string         `json:"logs"`
	Root    string           `json:"root"`
	Events  int              `json:"events"`
	Formats []logFormat      `json:"formats"`
	Clients []tftplog.Client `json:"clients"`
	Failed  bool             `json:"failed"`
}

// logFormat counts the requests read in one log format.
type logFormat struct {
	Format string `json:"format"`
	Events int    `json:"events"`
}

// failingKinds are the stops and problems that make log exit 1.
var failingKinds = map[string]bool{"missing": true, "denied": true, "incomplete": true, "loop": true, "ctl-hunt": true, "diverges": true}

// logFlags are the flags of log.
type logFlags struct {
	root      string
	fleetFile string
	asJSON    bool
	output    *outputFlags
}

// NewCmdLog returns `phoneload log`.
func NewCmdLog() *cobra.Command {
	var f logFlags
	c := &cobra.Command{
		Use:   "log [--root ROOT] [--fleet FILE] [--json] LOGFILE…|-",
		Short: "Read TFTP server logs and say where each phone stopped and why",
		Long: `log reads the logs of TFTP servers: tftpd-hpa (syslog RRQ lines, with -v, and
its NAK lines with -vvv), dnsmasq's TFTP lines, atftpd, phoneload serve (text
and --json), and, for servers never seen, any line with an IPv4 address and a
file name a phone asks for. "-" reads stdin.

It rebuilds each client's boot sequence (its address; its MAC from the
per-device names it asks for) and says where it stopped and why: a file
missing, a transfer that did not finish, an error that stops a loader's
hunt, a loop (an image sent again and again), a trust list hunt with nothing
after it, configuration read but no image asked for.

--root ROOT joins the log with the files there: a request the log does not
answer (tftpd-hpa -v, atftpd) counts as not found when the file is absent,
and a name that is there only in another letter case is said so. With
--root and --fleet (mac,model,running-load), each phone's sequence is
compared with the simulator's (phoneload simulate) and the first request
where they part is reported.

Exit codes: 0 no phone stopped on a problem, 1 some did (missing, denied,
incomplete, loop, ctl-hunt, diverges) or a file could not be read, 2 usage.`,
		Example: `  phoneload log /var/log/syslog
  journalctl -u tftpd-hpa -o short | phoneload log --root /srv/tftp -
  phoneload log --root /srv/tftp --fleet phones.csv --json dnsmasq.log`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runLog(cmd, &f, args)
		},
	}
	fl := c.Flags()
	fl.StringVar(&f.root, "root", "", "the TFTP `ROOT` (directory or zip) the log's server served")
	fl.StringVar(&f.fleetFile, "fleet", "", "CSV `FILE` of mac,model,running-load: compare each phone with the simulator (needs --root)")
	fl.BoolVar(&f.asJSON, "json", false, "write the result as JSON (docs/simulate.md)")
	f.output = addOutputFlags(fl)
	return c
}

func runLog(cmd *cobra.Command, f *logFlags, args []string) error {
	verb, err := f.output.verbosity()
	if err != nil {
		return err
	}
	if f.fleetFile != "" && f.root == "" {
		return cli.Usage("--fleet needs --root: the simulator plays the phones against it")
	}
	stdin := 0
	for _, a := range args {
		if a == "-" {
			stdin++
		}
	}
	if stdin > 1 || stdin == 1 && f.fleetFile == "-" {
		return cli.Usage("stdin can be read once")
	}
	var events []tftplog.Event
	for _, a := range args {
		var r io.Reader = cmd.InOrStdin()
		name := "stdin"
		if a != "-" {
			lf, err := os.Open(a)
			if err != nil {
				return err
			}
			defer lf.Close()
			r, name = lf, a
		}
		evs, err := tftplog.Parse(r, name)
		if err != nil {
			return err
		}
		events = append(events, evs...)
	}
	var o tftplog.Options
	if f.root != "" {
		rf, err := tftplog.ListRoot(f.root)
		if err != nil {
			return err
		}
		o.Root, o.Read = rf, rf.Read
	}
	if f.fleetFile != "" {
		fl, err := readFleet(cmd.InOrStdin(), f.fleetFile)
		if err != nil {
			return err
		}
		src, err := boot.OpenLocal(f.root)
		if err != nil {
			return err
		}
		defer src.Close()
		byMAC := map[string]boot.Phone{}
		for _, p := range fl {
			byMAC[p.MAC] = boot.Phone{MAC: p.MAC, Model: p.Model, Running: p.Load}
		}
		o.Simulate = func(mac string) *boot.Result {
			p, ok := byMAC[mac]
			if !ok {
				return nil
			}
			r, err := boot.Simulate(src, p)
			if err != nil {
				return nil
			}
			return r
		}
	}
	out := logJSON{Schema: LogSchema, Logs: args, Root: f.root, Events: len(events), Formats: []logFormat{}}
	counts := map[string]int{}
	for _, e := range events {
		counts[e.Format]++
	}
	for f, n := range counts {
		out.Formats = append(out.Formats, logFormat{f, n})
	}
	sort.Slice(out.Formats, func(i, j int) bool { return out.Formats[i].Format < out.Formats[j].Format })
	out.Clients = tftplog.Analyze(events, o)
	for _, c := range out.Clients {
		if clientFails(c) {
			out.Failed = true
		}
	}
	if f.asJSON {
		if err := cli.WriteJSON(cmd.OutOrStdout(), out); err != nil {
			return err
		}
	} else {
		writeLog(f.output.stdout(cmd), out, verb)
	}
	if len(events) == 0 {
		return cli.Hint(cli.Exit(cli.ExitFailure, fmt.Errorf("log: no TFTP request found in %s", strings.Join(args, ", "))),
			"tftpd-hpa logs requests only with -v (in.tftpd -v …); dnsmasq only without --quiet-tftp")
	}
	if out.Failed {
		n := 0
		for _, c := range out.Clients {
			if clientFails(c) {
				n++
			}
		}
		return cli.Exit(cli.ExitFailure, fmt.Errorf("log: %d of %d clients stopped on a problem", n, len(out.Clients)))
	}
	return nil
}

func clientFails(c tftplog.Client) bool {
	if failingKinds[c.Stopped.Kind] {
		return true
	}
	for _, p := range c.Problems {
		if failingKinds[p.Kind] {
			return true
		}
	}
	return false
}

// writeLog prints each client's requests and where it stopped. At Normal
// verbosity a log of more than cli.LongList clients is folded instead:
// one line per way of stopping (failures first), with the clients' count,
// their first names and one example message, then the other problems the
// same way; --verbose prints every client's requests.
func writeLog(w io.Writer, out logJSON, verb cli.Verbosity) {
	var fs []string
	for _, f := range out.Formats {
		fs = append(fs, fmt.Sprintf("%s %d", f.Format, f.Events))
	}
	fmt.Fprintf(w, "%d requests from %d clients (%s)\n", out.Events, len(out.Clients), strings.Join(fs, ", "))
	if verb.FoldsIn(len(out.Clients), len(out.Clients)) {
		writeLogFolded(w, out.Clients, verb)
		return
	}
	for _, c := range out.Clients {
		who := clientName(c)
		fmt.Fprintf(w, "\n%s: %d %s\n", who, len(c.Requests), plural(len(c.Requests), "request"))
		for _, r := range c.Requests {
			extra := ""
			if r.Root != "" && r.Root != "present" {
				extra = "  [root: " + r.Root + "]"
			}
			fmt.Fprintf(w, "  %s:%d  %s  %s%s\n", r.Source, r.Line, r.File, r.Status, extra)
		}
		fmt.Fprintf(w, "  => %s\n", c.Stopped.Message)
		for _, p := range c.Problems {
			if p == c.Stopped {
				continue
			}
			fmt.Fprintf(w, "  %s: %s\n", p.Kind, p.Message)
		}
		if c.Expected != nil {
			fmt.Fprintf(w, "  simulator: %s\n", outcomeLine(c.Expected.Outcome))
		}
	}
}

func clientName(c tftplog.Client) string {
	if c.MAC != "" {
		return c.Client + " (" + c.MAC + ")"
	}
	return c.Client
}

// logGroup is the clients that stopped (or had a problem) of one kind.
type logGroup struct {
	kind    string
	clients []string
	example string // the first client's message
}

// writeLogFolded prints the fleet-scale form of writeLog.
func writeLogFolded(w io.Writer, clients []tftplog.Client, verb cli.Verbosity) {
	var stops, others []*logGroup
	add := func(gs *[]*logGroup, p tftplog.Problem, who string) {
		for _, g := range *gs {
			if g.kind == p.Kind {
				g.clients = append(g.clients, who)
				return
			}
		}
		*gs = append(*gs, &logGroup{kind: p.Kind, clients: []string{who}, example: who + ": " + p.Message})
	}
	for _, c := range clients {
		who := clientName(c)
		add(&stops, c.Stopped, who)
		for _, p := range c.Problems {
			// The stop is usually one of the problems too, in other words.
			if p.Kind != c.Stopped.Kind || p.File != c.Stopped.File {
				add(&others, p, who)
			}
		}
	}
	order := func(gs []*logGroup) {
		sort.SliceStable(gs, func(i, j int) bool {
			fi, fj := failingKinds[gs[i].kind], failingKinds[gs[j].kind]
			if fi != fj {
				return fi
			}
			if len(gs[i].clients) != len(gs[j].clients) {
				return len(gs[i].clients) > len(gs[j].clients)
			}
			return gs[i].kind < gs[j].kind
		})
	}
	order(stops)
	order(others)
	write := func(head string, gs []*logGroup) {
		for _, g := range gs {
			// "missing: 212 clients: 10.0.0.5 (000D28A1B2C3), … and 209 more"
			fmt.Fprintf(w, "\n%s%s: %s\n", head, g.kind, cli.Names(g.clients, "client", verb.Limit()))
			fmt.Fprintf(w, "  e.g. %s\n", g.example)
		}
	}
	write("", stops)
	write("also ", others)
}
