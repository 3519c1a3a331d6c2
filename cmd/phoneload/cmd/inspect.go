package cmd

import (
	"bufio"
	"crypto"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

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
		o := opts
		o.KeepSettings = p == "-" // see openInspectPath
		d, err := openInspectPath(cmd.InOrStdin(), p, o)
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
			if err := stream.drop(head, func(row func(drop.InspectFile) error) error { return drop.InspectFiles(d, verified, row) }, d.EachPhone); err != nil {
				return err
			}
			continue
		}
		head := drop.InspectHead(d, verified)
		if head.Unverified > 0 {
			code = max(code, cli.ExitSignature)
			unverified += head.Unverified
		}
		if i > 0 {
			fmt.Fprintln(out)
		}
		// The text view too is printed row by row (issue 16).
		if err := writeInspection(out, d, head, verified, long, verb); err != nil {
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
// inspect sets opts.KeepSettings for "-": drop.Config could not read a
// summarised per-phone file from the removed spool again (check never
// asks it to).
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
// name the same load. head is drop.InspectHead(d, verified).
//
// Nothing is held whole (issue 16): the rows are made from d as they are
// printed, twice for each table (the first time to measure its columns,
// see table), and what folds is counted in a pass before. The bytes are
// those the whole Inspection printed through text/tabwriter made
// (TestInspectTextSameBytes).
func writeInspection(out io.Writer, d *drop.Drop, head *drop.Inspection, verified, long bool, verb cli.Verbosity) error {
	w := bufio.NewWriterSize(out, 64<<10)
	err := writeInspectionTo(w, d, head, verified, long, verb)
	if ferr := w.Flush(); err == nil {
		err = ferr
	}
	return err
}

func writeInspectionTo(w *bufio.Writer, d *drop.Drop, head *drop.Inspection, verified, long bool, verb cli.Verbosity) error {
	container := d.Container
	if container == "" {
		container = "file"
	}
	fmt.Fprintf(w, "%s  (%s, %d files, %s)\n\n", quote.Name(d.Path), container, len(d.Files), cli.HumanBytes(d.Size))
	phones, err := scanPhones(d, verb)
	if err != nil {
		return err
	}
	folds := scanFileFolds(d, phones, verb)
	err = twoPass(w, func(tw io.Writer) error {
		fmt.Fprintln(tw, "KIND\tFILE\tSIZE\tLOAD\tSHA-256\tSIGNED\tNOTES")
		i := 0
		return drop.InspectFilesBrief(d, verified, func(f drop.InspectFile) error {
			folded := folds.folds(d.Files[i], phones.perDevice(i)) // a row per file, in order
			i++
			if !folded {
				writeFileRow(tw, f, long)
			}
			return nil
		})
	})
	if err != nil {
		return err
	}
	for _, g := range folds.groups {
		if g.folds {
			fmt.Fprintf(w, "%s  %s, %s (--verbose lists each)\n", g.key.title(), shownNames(g.names, g.n, "file", verb.Limit()), cli.HumanBytes(g.size))
		}
	}
	if long {
		// The settings of configuration files: the full rows, with every
		// per-phone file parsed again.
		err := drop.InspectFiles(d, verified, func(f drop.InspectFile) error {
			writeFileSettings(w, f)
			return nil
		})
		if err != nil {
			return err
		}
	}
	if head.Problems > 0 {
		fmt.Fprintf(w, "\nProblems (%d):\n", head.Problems)
		for _, f := range d.Files {
			for _, p := range f.Problems() {
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
	if phones.rows == 0 {
		fmt.Fprintln(w, "  nothing: no SIPDefault.cnf, XMLDefault.cnf.xml, OS79XX.TXT or profile names an image")
		return nil
	}
	pass := 0
	err = twoPass(w, func(tw io.Writer) error {
		pass++
		fmt.Fprintln(tw, "  MODELS\tFROM\tLOAD\tVERSION\tFETCHES")
		return d.EachPhone(func(p *drop.PhoneLoad) error {
			var own *phoneFold
			if p.MAC != "" {
				if g := phones.keys[phoneKey(p)]; g != nil && g.folds {
					if g.pass == pass {
						return nil // folded into the row of its first phone
					}
					g.pass, own = pass, g
				}
			}
			writePhoneRow(tw, p, own)
			return nil
		})
	})
	if err != nil {
		return err
	}
	for _, g := range phones.order {
		if g.folds {
			fmt.Fprintf(w, "  own files naming %s: %s (--verbose lists each)\n", quote.Name(g.load), shownNames(g.macs, g.n, "phone", verb.Limit()))
		}
	}
	// Phones ask for names at the top of the root: a configuration file in
	// a folder (a drop zipped with its folder) is read by no phone at all.
	for _, dir := range phones.nested {
		fmt.Fprintf(w, "  note: no phone reads the files in %s: phones ask for names at the top of the root (phoneload check: not-at-root)\n", quote.Name(dir))
	}
	return nil
}

// twoPass writes the table rows writes, laid out as text/tabwriter
// (minwidth 0, padding 2, spaces) would, without holding it: rows is
// called twice and must write the same text each time.
func twoPass(w io.Writer, rows func(tw io.Writer) error) error {
	tb := newTable(0, 2, ' ')
	if err := rows(tb); err != nil {
		return err
	}
	if err := tb.Flush(); err != nil {
		return err
	}
	tb.Print(w)
	if err := rows(tb); err != nil {
		return err
	}
	if err := tb.Flush(); err != nil {
		return err
	}
	return tb.Done()
}

// writeFileRow writes the table row of f and, for a .loads, one row per
// part.
func writeFileRow(tw io.Writer, f drop.InspectFile, long bool) {
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

// writePhoneRow writes the phones table row of p; own, when set, is the
// fold of phones' own files p stands for.
func writePhoneRow(tw io.Writer, p *drop.PhoneLoad, own *phoneFold) {
	models := strings.Join(p.Models, ",")
	if models == "" {
		models = "?"
	}
	from := quote.Name(p.Source)
	if p.Line > 0 {
		from = fmt.Sprintf("%s:%d", quote.Name(p.Source), p.Line)
	}
	switch {
	case own != nil:
		models += fmt.Sprintf(" (%s)", cli.Count(own.n, "phone"))
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

// shownNames is cli.Names of a list of n names of which the first are
// kept: all of them when n <= len(first), else at least limit (> 0).
func shownNames(first []string, n int, noun string, limit int) string {
	if n <= len(first) {
		return cli.Names(first[:n], noun, limit)
	}
	return fmt.Sprintf("%s: %s, … and %d more", cli.Count(n, noun), strings.Join(first[:limit], ", "), n-limit)
}

// phoneScan is what the text view needs to know of the phones before it
// prints: their count, which files are phones' own (per-device) files,
// how the rows of those fold, and the folders that hold configuration.
type phoneScan struct {
	rows   int
	own    []uint64 // bit i: d.Files[i] is a per-device file
	keys   map[string]*phoneFold
	order  []*phoneFold // in the order of their first row
	nested []string
}

// phoneFold is the phones whose own files agree on models, setting, load
// and what is fetched (phoneKey): more than cli.GroupAbove print as one
// row unless Verbose.
type phoneFold struct {
	n     int
	macs  []string // the first cli.Shown
	load  string
	folds bool
	pass  int // the table pass that printed the row
}

func (s *phoneScan) perDevice(i int) bool { return s.own[i/64]&(1<<(i%64)) != 0 }

// phoneKey is what phones' own files agree on when their rows fold.
func phoneKey(p *drop.PhoneLoad) string {
	var b strings.Builder
	b.WriteString(strings.Join(p.Models, ","))
	for _, s := range []string{p.Setting, p.Load, p.Version, string(p.Protocol)} {
		b.WriteByte('|')
		b.WriteString(s)
	}
	b.WriteByte('|')
	for i, f := range p.Files {
		if i > 0 {
			b.WriteByte('/')
		}
		b.WriteString(f.Name)
	}
	b.WriteByte('|')
	b.WriteString(strings.Join(p.Missing, "/"))
	return b.String()
}

func scanPhones(d *drop.Drop, verb cli.Verbosity) (*phoneScan, error) {
	s := &phoneScan{own: make([]uint64, (len(d.Files)+63)/64), keys: map[string]*phoneFold{}}
	dirs := map[string]bool{}
	at := 0 // rows come in file order: the file of the last row
	err := d.EachPhone(func(p *drop.PhoneLoad) error {
		s.rows++
		if i := strings.IndexByte(p.Source, '/'); i >= 0 && !dirs[p.Source[:i+1]] {
			dirs[p.Source[:i+1]] = true
			s.nested = append(s.nested, p.Source[:i+1])
		}
		if p.MAC == "" {
			return nil
		}
		s.markOwn(d, &at, p.Source)
		k := phoneKey(p)
		g := s.keys[k]
		if g == nil {
			g = &phoneFold{load: p.Load}
			s.keys[k] = g
			s.order = append(s.order, g)
		}
		g.n++
		if len(g.macs) < cli.Shown {
			g.macs = append(g.macs, p.MAC)
		}
		return nil
	})
	for _, g := range s.order {
		g.folds = verb.Folds(g.n)
	}
	return s, err
}

// markOwn marks the files named source as per-device, looking from *at on
// (rows come in file order), else from the start.
func (s *phoneScan) markOwn(d *drop.Drop, at *int, source string) {
	i := *at
	for i < len(d.Files) && d.Files[i].Name != source {
		i++
	}
	if i == len(d.Files) {
		for i = 0; i < len(d.Files) && d.Files[i].Name != source; i++ {
		}
		if i == len(d.Files) {
			return
		}
	}
	*at = i
	for ; i < len(d.Files) && d.Files[i].Name == source; i++ {
		s.own[i/64] |= 1 << (i % 64)
	}
}

// fileFoldKey says which group of a fold a file is in: per-device files of
// a kind, or unknown files.
type fileFoldKey struct {
	kind      cisco.Kind
	perDevice bool
}

func (k fileFoldKey) title() string {
	if k.perDevice {
		return k.kind.String() + " (per-device)"
	}
	return k.kind.String()
}

// fileFold is a group of files the table may leave out for one line.
type fileFold struct {
	key   fileFoldKey
	n     int
	names []string // the first cli.Shown, quoted for printing
	size  int64
	folds bool
}

type fileFolds struct {
	groups []*fileFold // in the order of their first file
	byKey  map[fileFoldKey]*fileFold
}

// foldKey returns the group of f, if any: a file with problems or a
// .loads is never folded.
func foldKey(f *drop.File, perDevice bool) (fileFoldKey, bool) {
	switch {
	case len(f.Problems()) > 0 || f.Loads() != nil:
		return fileFoldKey{}, false
	case perDevice:
		return fileFoldKey{f.Kind, true}, true
	case f.Kind == cisco.KindUnknown:
		return fileFoldKey{f.Kind, false}, true
	}
	return fileFoldKey{}, false
}

// scanFileFolds groups, unless Verbose, the per-device configuration files
// of each kind and the unknown files, when there are more than
// cli.GroupAbove of them.
func scanFileFolds(d *drop.Drop, phones *phoneScan, verb cli.Verbosity) *fileFolds {
	ff := &fileFolds{byKey: map[fileFoldKey]*fileFold{}}
	for i, f := range d.Files {
		k, ok := foldKey(f, phones.perDevice(i))
		if !ok {
			continue
		}
		g := ff.byKey[k]
		if g == nil {
			g = &fileFold{key: k}
			ff.byKey[k] = g
			ff.groups = append(ff.groups, g)
		}
		g.n++
		g.size += f.Size
		if len(g.names) < cli.Shown {
			g.names = append(g.names, quote.Name(f.Name))
		}
	}
	for _, g := range ff.groups {
		g.folds = verb.Folds(g.n)
	}
	return ff
}

// folds reports whether the table leaves f out.
func (ff *fileFolds) folds(f *drop.File, perDevice bool) bool {
	k, ok := foldKey(f, perDevice)
	return ok && ff.byKey[k].folds
}

// writeFileSettings lists, for --long, every setting of a configuration
// file.
func writeFileSettings(w io.Writer, f drop.InspectFile) {
	entries := longEntries(f)
	if len(entries) == 0 {
		return
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
	if p := f.Phone; p != nil && !p.XML {
		// A per-phone file summarised by drop.Open (InspectBrief).
		if e, ok := p.Get("image_version"); ok {
			n = append(n, "image_version "+quote.Name(e.Value))
		}
		n = append(n, fmt.Sprintf("%d settings", p.Settings))
	}
	if p := f.Phone; p != nil && p.XML {
		n = append(n, fmt.Sprintf("%d loadInformation", len(p.Loads)))
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
