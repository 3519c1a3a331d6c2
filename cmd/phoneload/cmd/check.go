package cmd

import (
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/phoneload/phoneload/bundle/check"
	"github.com/phoneload/phoneload/bundle/check/report"
	"github.com/phoneload/phoneload/bundle/container"
	"github.com/phoneload/phoneload/bundle/drop"
	"github.com/phoneload/phoneload/bundle/tftpmap"

	"github.com/spf13/cobra"

	"github.com/phoneload/phoneload/cfgfmt"
	"github.com/phoneload/phoneload/internal/cli"
)

// CheckSchema names the version of check's --json output (docs/check.md).
const CheckSchema = "phoneload.check/v1"

// checkJSON is the --json document of `phoneload check`.
type checkJSON struct {
	Schema      string          `json:"schema"`
	Path        string          `json:"path"`
	Files       int             `json:"files"`
	Fleet       int             `json:"fleet"` // phones in --fleet, 0 without
	Summary     checkSummary    `json:"summary"`
	Findings    []check.Finding `json:"findings"`
	Assumptions []string        `json:"assumptions"`
	Ignored     []string        `json:"ignored"`
}

type checkSummary struct {
	Errors   int  `json:"errors"`
	Warnings int  `json:"warnings"`
	Info     int  `json:"info"`
	Strict   bool `json:"strict"`
	Failed   bool `json:"failed"`
}

// checkFlags are the flags of check.
type checkFlags struct {
	limits                    *limitFlags
	outFlags                  *outputFlags
	mapFile                   *string
	asJSON, strict, listRules bool
	fleetFile, tableFile      string
	format, output, prefix    string
	ignore, trust             []string
}

// NewCmdCheck returns `phoneload check`.
func NewCmdCheck() *cobra.Command {
	var f checkFlags
	c := &cobra.Command{
		Use:   "check [flags] PATH",
		Short: "Find the mistakes that leave phones unable to boot a TFTP root",
		Long: `check reads a TFTP root or a firmware drop (a directory, zip, tar, or tar
inside a zip) and reports every mistake of Cisco's conversion guide before a
phone meets it: missing or miscased images and .loads parts, a bad OS79XX.TXT,
renamed signed images, per-device names phones never ask for, upgrade paths
Cisco's matrix forbids, 7905/7912/ATA profile errors, files TFTP cannot serve.
Each finding names the file and line, the rule, what the phone will do, the
fix, and (with --fleet) which phones it hits.

--fleet FILE is a CSV of mac,model,running-load (header optional) of the
phones that boot from this root; upgrade rules are then judged per phone.
Without it they judge the root alone and say what they assumed. PATH "-"
reads a zip or tar from stdin; so does --fleet "-" for the fleet.

--format picks the report: text (for people; long lists are summarised,
--verbose lists every phone and file), json (--json; schema in
docs/check.md), sarif (SARIF 2.1.0, for code review annotations, e.g.
GitHub code scanning) or junit (JUnit XML, for CI test reports, e.g.
GitLab and Jenkins); docs/ci.md shows both in CI. --output FILE writes the
report to FILE (atomically: a failed run leaves no partial file) instead of
stdout; --quiet prints nothing on stdout. File paths in sarif and junit are
relative to the checked root; --path-prefix tftp/ makes them relative to the
repository top instead (the root being its tftp/ folder), which is what
GitHub code scanning reads.

Rules are listed by --list-rules and in docs/rules.md. Exit status, the same
for every --format: 0 no errors (warnings allowed), 1 errors (or warnings
with --strict; the report is still written), or PATH or a --fleet, --trust
or --table file could not be read or parsed, or --output could not be
written, 2 usage (a wrong command line: unknown flag, --format or rule id,
no PATH).`,
		Example: `  phoneload check /srv/tftp
  phoneload check --fleet phones.csv cmterm-7940-7960-sip.8-12-00.zip
  phoneload check --json --ignore os79xx-crlf,unknown-file /srv/tftp
  phoneload check --format sarif --path-prefix tftp/ --output phoneload.sarif tftp/
  phoneload check --format junit --output check-junit.xml tftp/
  phoneload check --quiet /srv/tftp && echo clean
  phoneload check --trust lab.pem --table sip_ptag.dat /srv/tftp
  inventory-export | phoneload check --fleet - /srv/tftp
  phoneload check --list-rules`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runCheck(cmd, &f, args)
		},
	}
	fl := c.Flags()
	f.limits = addLimitFlags(fl)
	fl.BoolVar(&f.asJSON, "json", false, "write the report as JSON (schema in docs/check.md); short for --format json")
	fl.StringVar(&f.format, "format", "text", "report `FORMAT`: text, json, sarif (SARIF 2.1.0) or junit (JUnit XML)")
	fl.StringVarP(&f.output, "output", "o", "", "write the report to `FILE` (atomically) instead of stdout")
	fl.StringVar(&f.prefix, "path-prefix", "", "sarif, junit: start file paths with `PREFIX`, where the root sits in the repository (e.g. tftp/), as GitHub code scanning needs")
	f.outFlags = addOutputFlags(fl)
	f.mapFile = addMapFileFlag(fl)
	fl.StringVar(&f.fleetFile, "fleet", "", "CSV `FILE` of mac,model,running-load for the phones that boot from the root")
	fl.BoolVar(&f.strict, "strict", false, "fail (exit 1) on warnings too")
	fl.StringSliceVar(&f.ignore, "ignore", nil, "skip `RULE` (repeatable, or comma-separated)")
	fl.StringSliceVar(&f.trust, "trust", nil, "PEM `KEY` or certificate signed files must verify with (repeatable)")
	fl.StringVar(&f.tableFile, "table", "", "tag table (`PTAG`, e.g. sip_ptag.dat) to recompile text profiles and find stale compiled ones")
	fl.BoolVar(&f.listRules, "list-rules", false, "list every rule (with --json: as JSON) and exit")
	return c
}

func runCheck(cmd *cobra.Command, f *checkFlags, args []string) error {
	verb, err := f.outFlags.verbosity()
	if err != nil {
		return err
	}
	out := f.outFlags.stdout(cmd)
	f.format, err = checkFormat(f.format, f.asJSON, cmd.Flags().Changed("format"))
	if err != nil {
		return err
	}
	if f.prefix != "" && f.format != "sarif" && f.format != "junit" {
		return cli.Usage("--path-prefix is for --format sarif and junit")
	}
	if p := path.Clean(filepath.ToSlash(f.prefix)); f.prefix != "" && (path.IsAbs(p) || filepath.IsAbs(f.prefix) || p == ".." || strings.HasPrefix(p, "../")) {
		return cli.Usage("--path-prefix %s: want a relative path inside the repository, such as tftp/", f.prefix)
	}
	if f.listRules {
		if len(args) > 0 {
			return cli.Usage("--list-rules takes no PATH")
		}
		if f.format != "text" && f.format != "json" {
			return cli.Usage("--list-rules writes text or json, not %s", f.format)
		}
		return writeOutput(out, f.output, func(w io.Writer) error { return writeRules(w, f.format == "json") })
	}
	if len(args) != 1 {
		return cli.Usage("check needs a PATH (a TFTP root, a directory or a drop archive)")
	}
	opts := check.Options{Strict: f.strict}
	for _, s := range f.ignore {
		for _, id := range strings.Split(s, ",") {
			id = strings.TrimSpace(id)
			if _, ok := check.LookupRule(id); !ok {
				return cli.Hint(cli.Usage("--ignore: no rule %q", id), "phoneload check --list-rules lists them")
			}
			opts.Ignore = append(opts.Ignore, id)
		}
	}
	if f.fleetFile == "-" && args[0] == "-" {
		return cli.Usage("--fleet - and PATH - cannot both read stdin")
	}
	if f.fleetFile != "" {
		phones, err := readFleet(cmd.InOrStdin(), f.fleetFile)
		if err != nil {
			return err
		}
		opts.Fleet = phones
	}
	for _, k := range f.trust {
		keys, err := loadTrustFile(k)
		if err != nil {
			return err
		}
		opts.Trust = append(opts.Trust, keys...)
	}
	if f.tableFile != "" {
		table, err := loadTable(f.tableFile)
		if err != nil {
			return err
		}
		opts.Compile = compileWith(table)
	}
	m, err := loadMapFile(*f.mapFile)
	if err != nil {
		return err
	}
	start := time.Now()
	rep, err := checkPath(cmd, args[0], opts, f.limits.Limits(), m)
	if err != nil {
		return err
	}
	elapsed := time.Since(start)
	err = writeOutput(out, f.output, func(w io.Writer) error {
		switch f.format {
		case "json":
			return cli.WriteJSON(w, toCheckJSON(rep, len(opts.Fleet)))
		case "sarif":
			return report.SARIF(w, rep, report.DefaultTool(ToolVersion()), report.SARIFOptions{RootDir: rootDir(args[0]), PathPrefix: f.prefix})
		case "junit":
			return report.JUnit(w, rep, report.DefaultTool(ToolVersion()), report.JUnitOptions{Elapsed: elapsed, Timestamp: start, PathPrefix: f.prefix})
		}
		return writeReport(w, rep, verb)
	})
	if err != nil {
		return err
	}
	if rep.Failed() {
		what := countOf(rep.Errors(), "error")
		if rep.Errors() == 0 {
			what = countOf(rep.Warnings(), "warning") + " (--strict)"
		}
		return cli.Exit(cli.ExitFailure, fmt.Errorf("check: %s in %s", what, args[0]))
	}
	return nil
}

// checkFormats are the values of check --format.
var checkFormats = []string{"text", "json", "sarif", "junit"}

// checkFormat resolves --format and its alias --json.
func checkFormat(format string, asJSON, set bool) (string, error) {
	if !slices.Contains(checkFormats, format) {
		return "", cli.Hint(cli.Usage("--format: unknown format %q", format), "--format is one of %s", strings.Join(checkFormats, ", "))
	}
	if asJSON {
		if set && format != "json" {
			return "", cli.Usage("--json and --format %s ask for two formats", format)
		}
		return "json", nil
	}
	return format, nil
}

// rootDir is the absolute directory a SARIF report's file URIs are
// relative to: PATH when it is a directory, else "" (an archive's members
// have no place on disk).
func rootDir(p string) string {
	if p == "-" {
		return ""
	}
	fi, err := os.Stat(p)
	if err != nil || !fi.IsDir() {
		return ""
	}
	abs, err := filepath.Abs(p)
	if err != nil {
		return ""
	}
	return abs
}

// checkPath opens PATH ("-": a zip or tar on stdin) and checks it. Open
// verifies signatures in its single pass when given the keys; the progress
// bar draws only on a terminal.
func checkPath(cmd *cobra.Command, p string, opts check.Options, lim container.Limits, m *tftpmap.Map) (*check.Report, error) {
	prog := cli.NewProgress(cmd.ErrOrStderr(), "reading "+p, 0)
	defer prog.Done()
	var last int64
	open := drop.OpenOptions{Trust: opts.Trust, Limits: lim, Progress: func(n int64) {
		prog.Add(n - last)
		last = n
	}}
	if m != nil {
		open.Served = m.Served
	}
	if p != "-" {
		return check.RunPath(p, open, opts)
	}
	// Per-phone files are summarised as for a PATH: check reads
	// nothing again (drop.Config), so the removed spool is not missed.
	d, err := openInspectPath(cmd.InOrStdin(), "-", open)
	if err != nil {
		return nil, err
	}
	return check.Run(d, opts), nil
}

// readFleet reads the fleet file; "-" is stdin.
func readFleet(stdin io.Reader, name string) ([]check.Phone, error) {
	if name == "-" {
		return check.ParseFleet(stdin, "stdin")
	}
	f, err := os.Open(name)
	if err != nil {
		return nil, fmt.Errorf("--fleet: %w", err) // parse errors name the file and line
	}
	defer f.Close()
	return check.ParseFleet(f, filepath.Base(name))
}

// compileWith compiles text profiles with the user's tag table; include:
// lines are read from the drop itself, as a phone's TFTP server would hold them.
func compileWith(t *cfgfmt.Table) check.CompileFunc {
	return func(name string, src []byte, include func(name string) []byte) ([]byte, error) {
		res, err := cfgfmt.Compile(t, name, src, cfgfmt.Options{
			ReadInclude: func(p string) ([]byte, error) {
				b := include(path.Base(filepath.ToSlash(p)))
				if b == nil {
					return nil, fmt.Errorf("%s: not in the root", p)
				}
				return b, nil
			},
		})
		if err != nil {
			return nil, err
		}
		return res.Profile, nil
	}
}

func toCheckJSON(rep *check.Report, fleet int) checkJSON {
	j := checkJSON{
		Schema: CheckSchema, Path: rep.Path, Files: rep.Files, Fleet: fleet,
		Summary: checkSummary{
			Errors: rep.Errors(), Warnings: rep.Warnings(), Info: rep.Count(check.SeverityInfo),
			Strict: rep.Strict, Failed: rep.Failed(),
		},
		Findings: rep.Findings, Assumptions: rep.Assumptions, Ignored: rep.Ignored,
	}
	if j.Findings == nil {
		j.Findings = []check.Finding{}
	}
	if j.Assumptions == nil {
		j.Assumptions = []string{}
	}
	if j.Ignored == nil {
		j.Ignored = []string{}
	}
	return j
}

// writeReport prints the findings grouped by severity, worst first. At
// Normal verbosity a rule with more than cli.GroupAbove findings is folded
// into one entry (count and first names), phones are summarised, and each
// assumption is cut to its first clause; Verbose prints everything.
func writeReport(w io.Writer, rep *check.Report, verb cli.Verbosity) error {
	groups := []struct {
		sev   check.Severity
		title string
	}{{check.SeverityError, "errors"}, {check.SeverityWarning, "warnings"}, {check.SeverityInfo, "info"}}
	for _, g := range groups {
		n := rep.Count(g.sev)
		if n == 0 {
			continue
		}
		fmt.Fprintf(w, "%s (%d)\n", g.title, n)
		byRule := map[string][]check.Finding{}
		for _, f := range rep.Findings {
			if f.Severity == g.sev {
				byRule[f.Rule] = append(byRule[f.Rule], f)
			}
		}
		done := map[string]bool{}
		for _, f := range rep.Findings {
			if f.Severity != g.sev || done[f.Rule] {
				continue
			}
			if same := byRule[f.Rule]; verb.Folds(len(same)) {
				done[f.Rule] = true
				writeFolded(w, same, verb)
				continue
			}
			fmt.Fprintf(w, "  %s: [%s] %s\n", findingWhere(f), f.Rule, f.Message)
			writeFindingDetail(w, f, verb)
		}
		fmt.Fprintln(w)
	}
	for i, a := range rep.Assumptions {
		if verb != cli.Verbose {
			a = shortAssumption(a)
		}
		lead := "assumed: "
		if i > 0 {
			lead = "         "
		}
		fmt.Fprintf(w, "%s%s\n", lead, a)
	}
	if len(rep.Ignored) > 0 {
		fmt.Fprintf(w, "ignored: %s\n", strings.Join(rep.Ignored, ", "))
	}
	files := countOf(rep.Files, "file")
	if rep.Unread {
		files = "not read"
	}
	_, err := fmt.Fprintf(w, "%s: %s, %s, %s, %d info\n", rep.Path, files,
		countOf(rep.Errors(), "error"), countOf(rep.Warnings(), "warning"), rep.Count(check.SeverityInfo))
	return err
}

// findingWhere is "file:line", "file" or "(root)".
func findingWhere(f check.Finding) string {
	where := f.File
	if where == "" {
		where = "(root)"
	}
	if f.Line > 0 {
		where = fmt.Sprintf("%s:%d", where, f.Line)
	}
	return where
}

// writeFindingDetail prints what the phone does, the fix, the steps and
// the phones hit (summarised unless Verbose).
func writeFindingDetail(w io.Writer, f check.Finding, verb cli.Verbosity) {
	fmt.Fprintf(w, "      phone:  %s\n", f.Symptom)
	fmt.Fprintf(w, "      fix:    %s\n", f.Fix)
	if len(f.Steps) > 0 {
		fmt.Fprintf(w, "      steps:  %s\n", strings.Join(f.Steps, " → "))
	}
	if len(f.Phones) > 0 {
		fmt.Fprintf(w, "      hits:   %s\n", cli.Names(f.Phones, "phone", verb.Limit()))
	}
}

// writeFolded prints the many findings of one rule as one entry: how many
// places, the first few, one example message, and the fix once.
func writeFolded(w io.Writer, fs []check.Finding, verb cli.Verbosity) {
	places := make([]string, len(fs))
	for i, f := range fs {
		places[i] = findingWhere(f)
	}
	noun := "file"
	if fs[0].File == "" {
		noun = "finding"
	}
	fmt.Fprintf(w, "  [%s] %s\n", fs[0].Rule, cli.Names(places, noun, verb.Limit()))
	fmt.Fprintf(w, "      e.g.:   %s\n", fs[0].Message)
	f := fs[0]
	f.Phones = nil
	for _, o := range fs {
		f.Phones = append(f.Phones, o.Phones...)
	}
	f.Phones = slices.Compact(slices.Sorted(slices.Values(f.Phones)))
	writeFindingDetail(w, f, verb)
	fmt.Fprintf(w, "      (--verbose lists each of the %d)\n", len(fs))
}

// shortAssumption keeps an assumption's first clause: the rest (which
// rules were not judged and why) is for --verbose and --json.
func shortAssumption(a string) string {
	if i := strings.Index(a, "; "); i > 0 {
		return a[:i]
	}
	return a
}

// countOf writes "1 error", "2 errors".
func countOf(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

// writeRules prints the registry: a table, or JSON.
func writeRules(w io.Writer, asJSON bool) error {
	rules := check.Rules()
	if asJSON {
		return cli.WriteJSON(w, rules)
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "RULE\tSEVERITY\tTITLE")
	for _, r := range rules {
		fmt.Fprintf(tw, "%s\t%s\t%s\n", r.ID, r.Severity, r.Title)
	}
	return tw.Flush()
}
