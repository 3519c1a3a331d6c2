package cmd

import (
	"bufio"
	"crypto"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/phoneload/phoneload/internal/quote"

	"github.com/phoneload/phoneload/bundle/cisco"
	"github.com/phoneload/phoneload/bundle/drop"

	"github.com/spf13/cobra"

	"github.com/phoneload/phoneload/cfgfmt"
	"github.com/phoneload/phoneload/internal/cli"
)

// inspectJSON is the --json document of `phoneload inspect` (docs/inspect.md).
type inspectJSON struct {
	Schema string             `json:"schema"`
	Drops  []*drop.Inspection `json:"drops"`
	Errors []inspectError     `json:"errors"`
}

type inspectError struct {
	Path  string `json:"path"`
	Error string `json:"error"`
}

// inspectFlags are the flags of inspect.
type inspectFlags struct {
	limits       *limitFlags
	mapFile      *string
	asJSON, long bool
	outFlags     *outputFlags
	trust        []string
	tableFile    string
}

// NewCmdInspect returns `phoneload inspect`.
func NewCmdInspect() *cobra.Command {
	var f inspectFlags
	c := &cobra.Command{
		Use:   "inspect [flags] PATH...",
		Short: "List every file of a firmware drop or TFTP root, and what each phone would load",
		Long: `inspect reads each PATH (a directory or TFTP root, a zip as Cisco ships it, a
tar, or a tar inside a zip) in one streaming pass and prints one row per file:
its kind, the load name taken apart (protocol, version, phone models), size,
SHA-256, the Cisco signed header (hash, key size, the name it was signed as),
the parts a .loads names with each present or missing, and what is wrong
inside the file. Unknown files are listed, never dropped.

After the files comes what a phone of each model would load: every
configuration entry that names an image (SIPDefault.cnf image_version,
XMLDefault.cnf.xml loadInformation per model id, OS79XX.TXT, upgradecode of
7905/7912/ATA profiles, term*.default.loads) and the files the phone would
fetch for it.

With --trust KEY.pem (PEM public keys, certificates or private keys; may be
repeated), every signed header is verified in the same pass. With --table
ptag.dat, the parameters of compiled 7905/7912/ATA profiles are shown by
name, as 'cfgfmt' would decode them; without it, by tag number.

PATH "-" reads a zip or tar from stdin.

inspect describes; it does not judge: use 'phoneload check' for the mistakes
that stop phones booting. --json prints the document described in
docs/inspect.md (schema phoneload.inspect/v1).

Exit codes: 0 every PATH was read, 1 a PATH could not be read (missing,
unsafe or corrupt archive) or a --trust or --table file could not be read
or parsed, 2 usage (a wrong command line: unknown flag, no PATH), 3 with
--trust, a signed file does not verify.`,
		Example: `  phoneload inspect cmterm-7940-7960-sip.8-12-00.zip
  phoneload inspect /srv/tftp
  phoneload inspect --long --trust lab.pem /srv/tftp
  phoneload inspect --table sip_ptag.dat --json /srv/tftp
  phoneload inspect --json drop.zip | jq '.drops[0].phones'
  curl -s https://lab.example/drop.zip | phoneload inspect -`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runInspect(cmd, &f, args)
		},
	}
	f.limits = addLimitFlags(c.Flags())
	f.mapFile = addMapFileFlag(c.Flags())
	c.Flags().BoolVar(&f.asJSON, "json", false, "print JSON (docs/inspect.md)")
	c.Flags().BoolVar(&f.long, "long", false, "print whole SHA-256 hashes and every setting of configuration files")
	c.Flags().StringArrayVar(&f.trust, "trust", nil, "verify signed headers with the keys in this PEM `file` (repeatable)")
	f.outFlags = addOutputFlags(c.Flags())
	c.Flags().StringVar(&f.tableFile, "table", "", "name the parameters of binary profiles with this tag table (ptag.dat) `file`")
	return c
}

func runInspect(cmd *cobra.Command, f *inspectFlags, args []string) error {
	// A --trust or --table file that cannot be read or parsed is a
	// failed operation (exit 1), as an unreadable PATH is, and as
	// in check and sign-image: exit 2 is for command lines that are
	// wrong whatever the files hold.
	var keys []crypto.PublicKey
	for _, name := range f.trust {
		k, err := loadTrustFile(name)
		if err != nil {
			return err
		}
		keys = append(keys, k...)
	}
	opts := drop.OpenOptions{Trust: keys, Limits: f.limits.Limits()}
	// Case aliases a case-sensitive root keeps on purpose are listed
	// like any file (check judges them), never a reason to stop.
	opts.Limits.CaseAliases = true
	m, err := loadMapFile(*f.mapFile)
	if err != nil {
		return err
	}
	if m != nil {
		opts.Served = m.Served
	}
	if f.tableFile != "" {
		var err error
		if opts.ProfileTable, err = loadTable(f.tableFile); err != nil {
			return err
		}
	}
	verb, err := f.outFlags.verbosity()
	if err != nil {
		return err
	}
	return inspectPaths(cmd, args, opts, f.asJSON, f.long, verb)
}

// loadTable reads the cfgfmt tag table of a --table file (inspect, check).
func loadTable(name string) (*cfgfmt.Table, error) {
	b, err := os.ReadFile(name)
	if err != nil {
		return nil, fmt.Errorf("--table: %w", err)
	}
	t, err := cfgfmt.ParseTable(filepath.Base(name), b)
	if err != nil {
		return nil, fmt.Errorf("--table: %w", err)
	}
	return t, nil
}

func inspectPaths(cmd *cobra.Command, paths []string, opts drop.OpenOptions, asJSON, long bool, verb cli.Verbosity) error {
	out, errw := cmd.OutOrStdout(), cmd.ErrOrStderr()
	if verb == cli.Quiet {
		out = io.Discard
	}
	doc := inspectJSON{Schema: drop.InspectSchema, Drops: []*drop.Inspection{}, Errors: []inspectError{}}
	var stream *inspectStream
	if asJSON {
		// Drops are written as they are read, each file's row as it is
		// made: the document is never held whole (issue 16).
		stream = &inspectStream{w: bufio.NewWriterSize(out, 64<<10)}
		stream.begin()
	}
	var errs []error
	code, unverified := cli.ExitOK, 0
	for i, p := range paths {
		prog := cli.NewProgress(errw, "reading "+p, 0)
		var last int64
		opts.Progress = func(n int64) {
			prog.Add(n - last)
			last = n
		}
		d, err := openInspectPath(cmd.InOrStdin(), p, opts)
		prog.Done()
		if err != nil {
			errs = append(errs, err)
			doc.Errors = append(doc.Errors, inspectError{Path: p, Error: cli.Message(err)})
			code = max(code, cli.ExitFailure)
			continue
		}
		verified := len(opts.Trust) > 0
		if asJSON {
			head := drop.InspectHead(d, verified)
			if head.Unverified > 0 {
				code = max(code, cli.ExitSignature)
				unverified += head.Unverified
			}
			if err := stream.drop(head, func(row func(drop.InspectFile) error) error { return drop.InspectFiles(d, verified, row) }); err != nil {
				return err
			}
			continue
		}
		in := drop.Inspect(d, verified)
		if in.Unverified > 0 {
			code = max(code, cli.ExitSignature)
			unverified += in.Unverified
		}
		if i > 0 {
			fmt.Fprintln(out)
		}
		if err := writeInspection(out, in, long, verb); err != nil {
			return err
		}
	}
	if asJSON {
		if err := stream.end(doc.Errors); err != nil {
			return err
		}
	}
	if len(errs) > 0 {
		// Every failed PATH is named; the last goes through the usual
		// error path so that the exit code and hint are set once.
		for _, e := range errs[:len(errs)-1] {
			fmt.Fprintf(errw, "%s: error: %v\n", Prog, e)
		}
		err := errs[len(errs)-1]
		if errors.Is(err, os.ErrNotExist) {
			return cli.Hint(cli.Exit(code, err), "PATH is a directory (a TFTP root), a .zip or a .tar")
		}
		return cli.Exit(code, err)
	}
	if code == cli.ExitSignature {
		return cli.Exit(code, fmt.Errorf("%s did not verify with the --trust keys", inspectCount(unverified, "signed file")))
	}
	return nil
}

// openInspectPath opens PATH; "-" is a zip or tar read from stdin, spooled
// to a temporary file first (archives need random access) and removed after.
func openInspectPath(stdin io.Reader, p string, opts drop.OpenOptions) (*drop.Drop, error) {
	if p != "-" {
		return drop.Open(p, opts)
	}
	tmp, err := os.CreateTemp("", "phoneload-inspect-*")
	if err != nil {
		return nil, err
	}
	defer os.Remove(tmp.Name())
	defer tmp.Close()
	limit := opts.Limits.Archive().MaxTotalSize
	n, err := io.Copy(tmp, io.LimitReader(stdin, limit+1))
	if err != nil {
		return nil, fmt.Errorf("reading stdin: %w", err)
	}
	if n > limit {
		return nil, fmt.Errorf("stdin: more than %d bytes", limit)
	}
	if n == 0 {
		return nil, errors.New("stdin: empty; give a zip or tar on stdin, or a PATH")
	}
	d, err := drop.Open(tmp.Name(), opts)
	if err != nil {
		return nil, errors.New(strings.ReplaceAll(err.Error(), tmp.Name(), "-"))
	}
	d.Path = "-"
	return d, nil
}

// writeInspection prints one drop for people: a header line, the file
// table, the problems, and what each phone would load. At Normal
// verbosity, more than cli.GroupAbove per-device files of a kind (or
// unknown files) fold into one line, and so do the phones whose own files
// name the same load.
func writeInspection(w io.Writer, in *drop.Inspection, long bool, verb cli.Verbosity) error {
	container := in.Container
	if container == "" {
		container = "file"
	}
	fmt.Fprintf(w, "%s  (%s, %d files, %s)\n\n", quote.Name(in.Path), container, len(in.Files), cli.HumanBytes(in.Size))
	folded := foldFiles(in, verb)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "KIND\tFILE\tSIZE\tLOAD\tSHA-256\tSIGNED\tNOTES")
	for _, f := range in.Files {
		if folded.has[f.Name] {
			continue
		}
		sum := f.SHA256
		if !long && len(sum) > 12 {
			sum = sum[:12]
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", f.Kind, quote.Name(f.Name), cli.HumanBytes(f.Size), loadSummary(f.Load), sum, headerSummary(f), strings.Join(fileNotes(f), ", "))
		if f.Loads != nil {
			for i, p := range f.Loads.Parts {
				branch := "├─"
				if i == len(f.Loads.Parts)-1 {
					branch = "└─"
				}
				state := "present"
				if !p.Present {
					state = "MISSING"
				}
				fmt.Fprintf(tw, "\t  %s %s\t\t\t\t\t%s\n", branch, quote.Name(p.Name), state)
			}
		}
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	for _, g := range folded.groups {
		fmt.Fprintf(w, "%s  %s, %s (--verbose lists each)\n", g.title, cli.Names(g.names, "file", verb.Limit()), cli.HumanBytes(g.size))
	}
	if long {
		writeSettings(w, in)
	}
	if in.Problems > 0 {
		fmt.Fprintf(w, "\nProblems (%d):\n", in.Problems)
		for _, f := range in.Files {
			for _, p := range f.Problems {
				switch {
				case p.Line > 0:
					fmt.Fprintf(w, "  %s:%d: %s\n", quote.Name(f.Name), p.Line, p.Msg)
				default:
					fmt.Fprintf(w, "  %s: %s\n", quote.Name(f.Name), p.Msg)
				}
			}
		}
	}
	fmt.Fprintln(w, "\nWhat phones would load:")
	if len(in.Phones) == 0 {
		fmt.Fprintln(w, "  nothing: no SIPDefault.cnf, XMLDefault.cnf.xml, OS79XX.TXT or profile names an image")
		return nil
	}
	phones, own := foldPhones(in.Phones, verb)
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "  MODELS\tFROM\tLOAD\tVERSION\tFETCHES")
	for i, p := range phones {
		models := strings.Join(p.Models, ",")
		if models == "" {
			models = "?"
		}
		from := quote.Name(p.Source)
		if p.Line > 0 {
			from = fmt.Sprintf("%s:%d", quote.Name(p.Source), p.Line)
		}
		switch {
		case own[i] != nil:
			models += fmt.Sprintf(" (%s)", cli.Count(len(own[i]), "phone"))
			from = "own files"
		case p.MAC != "":
			models += " (" + p.MAC + ")"
		}
		if p.Setting != "" && p.Setting != p.Source {
			from += " " + p.Setting
		}
		fetch := fmt.Sprintf("%d files, all present", len(p.Files))
		if len(p.Files) == 1 {
			fetch = quote.Name(p.Files[0].Name)
		}
		if len(p.Missing) > 0 {
			fetch = "MISSING " + quoteAll(p.Missing)
		}
		version := p.Version
		if p.Protocol != "" {
			version = strings.TrimSpace(string(p.Protocol) + " " + version)
		}
		fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\t%s\n", models, from, quote.Name(p.Load), quote.Name(version), fetch)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	for i, macs := range own {
		if macs != nil {
			fmt.Fprintf(w, "  own files naming %s: %s (--verbose lists each)\n", quote.Name(phones[i].Load), cli.Names(macs, "phone", verb.Limit()))
		}
	}
	// Phones ask for names at the top of the root: a configuration file in
	// a folder (a drop zipped with its folder) is read by no phone at all.
	var nested []string
	for _, p := range in.Phones {
		if i := strings.IndexByte(p.Source, '/'); i >= 0 && !slices.Contains(nested, p.Source[:i+1]) {
			nested = append(nested, p.Source[:i+1])
		}
	}
	for _, dir := range nested {
		fmt.Fprintf(w, "  note: no phone reads the files in %s: phones ask for names at the top of the root (phoneload check: not-at-root)\n", quote.Name(dir))
	}
	return nil
}

// fileFolds are the files the table leaves out, in groups of one line each.
type fileFolds struct {
	has    map[string]bool
	groups []fileFold
}

type fileFold struct {
	title string   // "sip-config (per-device)"
	names []string // quoted for printing
	raw   []string
	size  int64
}

// foldFiles groups, unless Verbose, the per-device configuration files of
// each kind and the unknown files, when there are more than
// cli.GroupAbove of them. A file with problems or a .loads is never folded.
func foldFiles(in *drop.Inspection, verb cli.Verbosity) fileFolds {
	ff := fileFolds{has: map[string]bool{}}
	perDevice := map[string]bool{}
	for _, p := range in.Phones {
		if p.MAC != "" {
			perDevice[p.Source] = true
		}
	}
	var order []string
	byTitle := map[string]*fileFold{}
	for _, f := range in.Files {
		var title string
		switch {
		case len(f.Problems) > 0 || f.Loads != nil:
			continue
		case perDevice[f.Name]:
			title = string(f.Kind) + " (per-device)"
		case f.Kind == cisco.KindUnknown:
			title = string(f.Kind)
		default:
			continue
		}
		g := byTitle[title]
		if g == nil {
			g = &fileFold{title: title}
			byTitle[title] = g
			order = append(order, title)
		}
		g.names = append(g.names, quote.Name(f.Name))
		g.raw = append(g.raw, f.Name)
		g.size += f.Size
	}
	for _, t := range order {
		g := byTitle[t]
		if !verb.Folds(len(g.names)) {
			continue
		}
		for _, name := range g.raw {
			ff.has[name] = true
		}
		ff.groups = append(ff.groups, *g)
	}
	return ff
}

// foldPhones returns the rows of the phones table: unless Verbose, the
// entries of phones' own files (SIP<MAC>.cnf …) that agree on models,
// setting, load and what is fetched become one row when there are more
// than cli.GroupAbove; own[i] lists the MACs folded into row i.
func foldPhones(all []drop.PhoneLoad, verb cli.Verbosity) (rows []drop.PhoneLoad, own [][]string) {
	key := func(p drop.PhoneLoad) string {
		var fetch []string
		for _, f := range p.Files {
			fetch = append(fetch, f.Name)
		}
		return strings.Join([]string{strings.Join(p.Models, ","), p.Setting, p.Load, p.Version, string(p.Protocol), strings.Join(fetch, "/"), strings.Join(p.Missing, "/")}, "|")
	}
	macs := map[string][]string{}
	for _, p := range all {
		if p.MAC != "" {
			macs[key(p)] = append(macs[key(p)], p.MAC)
		}
	}
	done := map[string]bool{}
	for _, p := range all {
		k := key(p)
		if p.MAC == "" || !verb.Folds(len(macs[k])) {
			rows, own = append(rows, p), append(own, nil)
			continue
		}
		if done[k] {
			continue
		}
		done[k] = true
		rows, own = append(rows, p), append(own, macs[k])
	}
	return rows, own
}

// writeSettings lists, for --long, every setting of each configuration file.
func writeSettings(w io.Writer, in *drop.Inspection) {
	for _, f := range in.Files {
		entries := longEntries(f)
		if len(entries) == 0 {
			continue
		}
		fmt.Fprintf(w, "\n%s:\n", quote.Name(f.Name))
		for _, e := range entries {
			at := ""
			if e.Line > 0 {
				at = fmt.Sprintf("%d: ", e.Line)
			}
			fmt.Fprintf(w, "  %s%s = %q\n", at, e.Name, e.Value)
		}
	}
}

// longEntries are the settings --long lists for a configuration file
// (secret values already redacted by bundle.Inspect).
func longEntries(f drop.InspectFile) []cisco.ConfigEntry {
	switch {
	case f.SIP != nil:
		return f.SIP.Entries
	case f.XML != nil:
		return f.XML.Entries
	case f.Profile != nil:
		return f.Profile.Params
	}
	return nil
}

// loadSummary says what a load name encodes: "sip 8.12(0) 7940/7960".
func loadSummary(l *cisco.LoadName) string {
	if l == nil {
		return "-"
	}
	var parts []string
	switch {
	case l.Loader:
		parts = append(parts, "loader")
	case l.Part != "":
		parts = append(parts, l.Part)
	}
	if l.Protocol != "" {
		parts = append(parts, string(l.Protocol))
	}
	if v := l.Version.String(); v != "" {
		parts = append(parts, v)
	}
	if l.Model != "" {
		parts = append(parts, l.Model)
	}
	return strings.Join(parts, " ")
}

// headerSummary says how a file is signed: "sha1/2048", "BAD HEADER", "-".
func headerSummary(f drop.InspectFile) string {
	switch {
	case f.HeaderError != "":
		return "BAD HEADER"
	case f.Header == nil:
		return "-"
	}
	s := fmt.Sprintf("%s/%d", f.Header.Hash, f.Header.KeyBits)
	if f.Verified != nil {
		if *f.Verified {
			s += " verified"
		} else {
			s += " BAD SIGNATURE"
		}
	}
	return s
}

// fileNotes are the short remarks of the NOTES column.
func fileNotes(f drop.InspectFile) []string {
	var n []string
	if f.Header != nil && !f.Header.FileNameMatch {
		n = append(n, fmt.Sprintf("signed as %q", f.Header.FileName))
	}
	if f.PayloadMatchesBin != nil {
		if *f.PayloadMatchesBin {
			n = append(n, "payload = .bin")
		} else {
			n = append(n, "payload DIFFERS from .bin")
		}
	}
	if f.LoaderID != "" {
		n = append(n, "loader id "+quote.Name(f.LoaderID))
	}
	if f.Loads != nil {
		s := fmt.Sprintf("%d parts", len(f.Loads.Parts))
		if f.Loads.Missing > 0 {
			s += fmt.Sprintf(" (%d MISSING)", f.Loads.Missing)
		}
		n = append(n, s)
		if f.Loads.LAVersion != "" {
			n = append(n, "LA_VERSION "+quote.Name(f.Loads.LAVersion))
		}
	}
	if f.OS79XX != nil && f.OS79XX.Name != "" {
		n = append(n, "names "+quote.Name(f.OS79XX.Name))
	}
	if f.SIP != nil {
		if e, ok := f.SIP.Get("image_version"); ok {
			n = append(n, "image_version "+quote.Name(e.Value))
		}
		n = append(n, fmt.Sprintf("%d settings", len(f.SIP.Entries)))
	}
	if f.XML != nil {
		n = append(n, fmt.Sprintf("%d loadInformation", len(f.XML.Loads)))
	}
	if f.Ringlist != nil {
		n = append(n, fmt.Sprintf("%d rings", len(f.Ringlist.Entries)))
	}
	if f.Dialplan != nil {
		n = append(n, fmt.Sprintf("%d templates", len(f.Dialplan.Templates)))
	}
	if f.Profile != nil {
		n = append(n, fmt.Sprintf("%d params", len(f.Profile.Params)))
		for _, u := range f.Profile.Upgrades {
			if u.File != "" {
				n = append(n, u.Name+" "+u.File)
			}
		}
	}
	if f.VerifyError != "" && (f.Verified == nil || !*f.Verified) {
		n = append(n, f.VerifyError)
	}
	if k := len(f.Problems); k > 0 {
		n = append(n, inspectCount(k, "problem"))
	}
	return n
}

// inspectCount says "1 problem", "2 problems".
func inspectCount(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

// quoteAll joins names for a message, each quoted as quote.Name does.
func quoteAll(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = quote.Name(n)
	}
	return strings.Join(q, ", ")
}
