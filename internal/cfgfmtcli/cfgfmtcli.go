// Package cfgfmtcli is the command line of the drop-in cfgfmt: the original
// syntax (options glued to their values, two positionals, direction chosen
// by the input's magic), shared by cmd/cfgfmt and `phoneload cfgfmt`, and
// the batch compiler behind `phoneload compile`. Messages go to the writers
// it is given; the caller turns the returned error into an exit status.
package cfgfmtcli

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/phoneload/phoneload/cfgfmt"
	"github.com/phoneload/phoneload/internal/atomicfile"
	"github.com/phoneload/phoneload/internal/cli"
)

// Usage is the drop-in's help text.
const Usage = `usage: cfgfmt [options] input output

Compiles a text profile (first line #txt) into the binary profile a Cisco
7905/7912 phone or ATA 18x downloads, or decodes a binary profile back to
text. The direction is chosen by the input's first bytes. Options are glued
to their values and match by prefix (-sipx is -sip), as in Cisco's tool:

  -t<file>    tag table (default ptag.dat in the current directory; -t
              alone is an empty path, as in Cisco's tool)
  -e<hexkey>  RC4-encrypt the output with this key (decoding: decrypt)
  -E          do not encrypt with the profile's own EncryptKey (store it only)
  -g          leave out sensitive parameters (format bit 0x4000)
  -sip -h323 -mgcp -sccp
              keep only parameters of these protocols (may be combined)
  -split      always split: extended (0x8000) parameters to <output>.ex
  -v          verbose; when decoding, adds #sum_len:<checksum>,<length>
  -x<hexkey>  also write <output>.x with the "strong" encryption, a key of
              up to 32 bytes (64 hex digits, zero-padded); decoding: decrypt
              a .x file. UNCONFIRMED: no device has been seen to accept it
  -X          accepted for Cisco's scripts; the profile's EncryptKeyEx never
              selects strong encryption here (give -x<hexkey>)

Inferences (rules not confirmed by a capture of Cisco's tool) are listed in
docs/cfgfmt.md: name matching ignores case, includes resolve beside the
including file, a repeated name keeps its last value at its first position,
and a non-zero EncryptKey encrypts the file unless -E (either way a note
says so on stderr).

Exit status: 0 success (also when Cisco's tool prints an error and still
writes the file, e.g. "invalid tone specification"), 1 any failure, usage
errors included; no output is written on failure. Usage errors print this
text on stdout. Under 'phoneload cfgfmt' usage errors exit 2.
`

// Config is a parsed drop-in command line.
type Config struct {
	Table            string
	Key              []byte // -e
	IgnoreProfileKey bool   // -E
	OmitSensitive    bool   // -g
	Protocols        cfgfmt.Protocol
	StrongKey        []byte // -x
	NoProfileStrong  bool   // -X
	Split            bool   // -split
	Verbose          bool   // -v
	Input, Output    string
	Help             bool
	// EmptyTable is set when -t was given with nothing glued to it: the
	// likely mistake "-t file" (a space after -t).
	EmptyTable bool
}

// gluedHint is the hint after a usage error or a missing table when -t was
// given alone.
const gluedHint = "options are glued to their values, as in Cisco's cfgfmt: write -tsip_ptag.dat, not -t sip_ptag.dat (-t alone is an empty table path)"

// ParseArgs reads the original syntax. Options match by prefix in the
// original's order (-e, -x, -v, -E, -X, -g, -t, -split, -h323, -sip,
// -mgcp, -sccp). Errors are usage errors.
func ParseArgs(args []string) (*Config, error) {
	c := &Config{Table: "ptag.dat"}
	var pos []string
	for _, a := range args {
		switch {
		case a == "-h" || a == "-help" || a == "--help":
			c.Help = true
		case a == "-" || !strings.HasPrefix(a, "-"):
			pos = append(pos, a)
		case strings.HasPrefix(a, "-e"):
			k, err := cfgfmt.ParseKey(a[2:])
			if err != nil {
				return c, cli.Usage("-e: %v (write the key glued to the flag: -eabcd)", strings.TrimPrefix(err.Error(), "cfgfmt: "))
			}
			c.Key = k
		case strings.HasPrefix(a, "-x"):
			k, err := cfgfmt.ParseStrongKey(a[2:])
			if err != nil {
				return c, cli.Usage("-x: %v (glued to the flag: -x<hexkey>)", strings.TrimPrefix(err.Error(), "cfgfmt: "))
			}
			c.StrongKey = k
		case strings.HasPrefix(a, "-v"):
			c.Verbose = true
		case strings.HasPrefix(a, "-E"):
			c.IgnoreProfileKey = true
		case strings.HasPrefix(a, "-X"):
			c.NoProfileStrong = true
		case strings.HasPrefix(a, "-g"):
			c.OmitSensitive = true
		case strings.HasPrefix(a, "-t"):
			c.Table = a[2:]
			c.EmptyTable = c.Table == ""
		case strings.HasPrefix(a, "-split"):
			c.Split = true
		case strings.HasPrefix(a, "-h323"):
			c.Protocols |= cfgfmt.H323
		case strings.HasPrefix(a, "-sip"):
			c.Protocols |= cfgfmt.SIP
		case strings.HasPrefix(a, "-mgcp"):
			c.Protocols |= cfgfmt.MGCP
		case strings.HasPrefix(a, "-sccp"):
			c.Protocols |= cfgfmt.SCCP
		default:
			return c, cli.Usage("unknown switch %s", a)
		}
	}
	if c.Help {
		return c, nil
	}
	if len(pos) != 2 {
		return c, cli.Usage("need exactly two arguments, input and output; got %d", len(pos))
	}
	c.Input, c.Output = pos[0], pos[1]
	return c, nil
}

// Mode says which program runs the drop-in command line.
type Mode int

const (
	// DropIn is the standalone cfgfmt: Cisco's conventions, every failure
	// exit 1 (usage errors too) and the usage text on stdout after a usage
	// error, so that scripts written for cfgfmt.exe see no difference.
	DropIn Mode = iota
	// Phoneload is `phoneload cfgfmt`: the same syntax and behaviour, but
	// phoneload's exit-code contract (README: usage errors exit 2) and its
	// stdout-is-data rule (the usage text only with -h).
	Phoneload
)

// ReadLimited reads a file of at most limit bytes ("-" is stdin).
func ReadLimited(name string, stdin io.Reader, limit int64) ([]byte, error) {
	var r io.Reader = stdin
	if name != "-" {
		f, err := os.Open(name)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		r = f
	}
	b, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > limit {
		return nil, fmt.Errorf("%s: larger than the limit of %d bytes", name, limit)
	}
	return b, nil
}

// LoadTable reads and parses a tag table; a missing one is the original
// "cannot open ptag file".
func LoadTable(name string) (*cfgfmt.Table, error) {
	b, err := ReadLimited(name, nil, cfgfmt.MaxTableSize)
	if err != nil {
		return nil, fmt.Errorf("cannot open ptag file (%v)", err)
	}
	return cfgfmt.ParseTable(name, b)
}

// Run executes the standalone cfgfmt (DropIn mode). Diagnostics and notes
// go to stderr; the returned error (if any) is for cli.Report.
func Run(args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	return RunMode(DropIn, args, stdin, stdout, stderr)
}

// RunMode executes the drop-in command line for the given program.
func RunMode(mode Mode, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	c, err := ParseArgs(args)
	if err != nil {
		if c.EmptyTable {
			err = cli.Hint(err, "%s", gluedHint)
		}
		if mode == DropIn {
			// Cisco's tool prints its usage on stdout and exits 1.
			if _, werr := io.WriteString(stdout, Usage); werr != nil {
				return werr
			}
			var e *cli.Error
			if errors.As(err, &e) {
				c := *e
				c.Code = cli.ExitFailure
				return &c
			}
		}
		return err
	}
	if c.Help {
		_, err := io.WriteString(stdout, Usage)
		return err
	}
	if c.NoProfileStrong {
		fmt.Fprintf(stderr, "%s: note: -X accepted: the profile's EncryptKeyEx is written as a record and never selects strong encryption here; give -x<hexkey> for a .x file\n", displayName(c.Input))
	}
	t, err := LoadTable(c.Table)
	if err != nil {
		if c.EmptyTable {
			return cli.Hint(err, "%s", gluedHint)
		}
		return err
	}
	in, err := ReadLimited(c.Input, stdin, cfgfmt.MaxProfileSize)
	if err != nil {
		return fmt.Errorf("cannot open input file (%v)", err)
	}
	if len(in) < cfgfmt.MinInputSize {
		// Both directions, as the original checks the size first.
		err := withFile(&cfgfmt.SizeError{N: len(in)}, displayName(c.Input))
		if bytes.HasPrefix(in, []byte("\xef\xbb\xbf")) {
			return cli.Hint(err, "%s starts with a UTF-8 byte-order mark; save it without one (Notepad: \"UTF-8\", not \"UTF-8 with BOM\")", displayName(c.Input))
		}
		return err
	}
	if bytes.HasPrefix(in, []byte("#txt")) {
		return compileOne(c, t, in, stdout, stderr)
	}
	return decodeOne(c, t, in, stdin, stdout, stderr)
}

func compileOne(c *Config, t *cfgfmt.Table, in []byte, stdout, stderr io.Writer) error {
	opt := cfgfmt.Options{
		Protocols:        c.Protocols,
		OmitSensitive:    c.OmitSensitive,
		Key:              c.Key,
		IgnoreProfileKey: c.IgnoreProfileKey,
		ForceSplit:       c.Split,
		ReadInclude:      readInclude,
	}
	if c.Output != "-" {
		// The original records the extension as <output>.ex, the path as
		// given on its command line (docs/cfgfmt.md, "Split").
		opt.ExtensionName = c.Output + ".ex"
	}
	res, err := cfgfmt.Compile(t, displayName(c.Input), in, opt)
	for _, d := range res.Diagnostics {
		fmt.Fprintln(stderr, d)
	}
	if err != nil {
		n := len(err.(cfgfmt.Errors))
		return cli.Exit(cli.ExitFailure, fmt.Errorf("%s: %d %s, no output written", displayName(c.Input), n, plural(n, "error")))
	}
	if d := caseWarning(displayName(c.Input), c.Output); d != nil {
		fmt.Fprintln(stderr, d)
	}
	if res.Extension != nil && strings.ContainsAny(c.Output, `/\`) {
		fmt.Fprintf(stderr, "%s: warning: extension recorded as %s.ex, the path as given, as Cisco's cfgfmt records it (a device asks its TFTP server for that name; run cfgfmt in the output directory to record a bare name)\n", displayName(c.Input), c.Output)
	}
	var strong, strongExt []byte
	if c.StrongKey != nil {
		if c.Output == "-" {
			return cli.Exit(cli.ExitFailure, errors.New("-x: strong encryption to stdout is not supported (it writes <output>.x); no output written"))
		}
		// The .x file wraps the plain profile, whatever -e or EncryptKey do
		// to <output>; a split one names <output>.xex, as the original does.
		popt := opt
		popt.Key, popt.IgnoreProfileKey = nil, true
		popt.ExtensionName = c.Output + ".xex"
		plain, err := cfgfmt.Compile(t, displayName(c.Input), in, popt)
		if err == nil {
			strong, err = cfgfmt.EncryptStrong(c.StrongKey, plain.Profile)
		}
		if err == nil && plain.Extension != nil {
			strongExt, err = cfgfmt.EncryptStrong(c.StrongKey, plain.Extension)
		}
		if err != nil {
			return err
		}
		fmt.Fprintf(stderr, "%s: note: %s.x uses the inferred strong encryption, UNCONFIRMED: no device has been seen to accept it\n", displayName(c.Input), c.Output)
	}
	if res.Extension != nil {
		if err := writeOut(c.Output+".ex", res.Extension, stdout); err != nil {
			return err
		}
	}
	if strongExt != nil {
		if err := writeOut(c.Output+".xex", strongExt, stdout); err != nil {
			return err
		}
	}
	if strong != nil {
		if err := writeOut(c.Output+".x", strong, stdout); err != nil {
			return err
		}
	}
	if err := writeOut(c.Output, res.Profile, stdout); err != nil {
		return err
	}
	if c.Verbose {
		fmt.Fprintf(stderr, "%s: %d records, %d bytes", c.Output, len(res.Records), len(res.Profile))
		if res.Extension != nil {
			fmt.Fprintf(stderr, ", extension %s.ex %d bytes", c.Output, len(res.Extension))
		}
		fmt.Fprintln(stderr)
	}
	return nil
}

func decodeOne(c *Config, t *cfgfmt.Table, in []byte, stdin io.Reader, stdout, stderr io.Writer) error {
	opt := cfgfmt.DecodeOptions{Protocols: c.Protocols, Key: c.Key, StrongKey: c.StrongKey}
	if c.StrongKey != nil {
		opt.Key = nil
	}
	p, err := cfgfmt.Decode(t, in, opt)
	if err != nil {
		// The original's wording, then a hint at the likely cause.
		switch {
		case bytes.HasPrefix(in, []byte("\xef\xbb\xbf#txt")):
			return cli.Hint(withFile(err, displayName(c.Input)), "%s starts with a UTF-8 byte-order mark before #txt; save it without one (Notepad: \"UTF-8\", not \"UTF-8 with BOM\")", displayName(c.Input))
		case !errors.Is(err, cfgfmt.ErrUnknownInput):
		case c.StrongKey != nil:
			return cli.Hint(withFile(err, displayName(c.Input)), strongHint, displayName(c.Input))
		case c.Key == nil:
			return cli.Hint(err, "%s is neither a #txt profile nor a plain #ata one; if it is encrypted, give the key with -e<hexkey>", c.Input)
		case bytes.HasPrefix(in, []byte("#ata")):
			return cli.Hint(withFile(err, displayName(c.Input)), "%s is a plain profile, not encrypted: leave out -e", displayName(c.Input))
		}
		return withFile(err, displayName(c.Input))
	}
	text := p.Text(c.Verbose)
	// A split profile names its extension; decode it too when it sits beside
	// the input, so that the text holds the whole profile.
	if p.Extension != "" && c.Input != "-" {
		extPath := filepath.Join(filepath.Dir(c.Input), filepath.Base(p.Extension))
		b, err := ReadLimited(extPath, stdin, cfgfmt.MaxProfileSize)
		switch {
		case err != nil:
			fmt.Fprintf(stderr, "%s: note: extension profile %s not read (%v)\n", displayName(c.Input), p.Extension, err)
		default:
			ep, err := cfgfmt.Decode(t, b, opt)
			if err != nil {
				return withFile(err, extPath)
			}
			et := ep.Text(false)
			text = append(text, et[len("#txt\n"):]...)
		}
	}
	return writeOut(c.Output, text, stdout)
}

const strongHint = "%s does not decrypt to a profile with this -x key: a wrong key, or not a .x file"

// withFile names the file in a decoding error, after the original wording
// (which scripts grep for): "corrupted profile (gk1: checksum … at offset 0x7)".
func withFile(err error, name string) error {
	var ce *cfgfmt.CorruptError
	var se *cfgfmt.SizeError
	switch {
	case errors.As(err, &ce):
		return fmt.Errorf("%w (%s: %s at offset %#x)", cfgfmt.ErrCorrupted, name, ce.Reason, ce.Offset)
	case errors.As(err, &se):
		return fmt.Errorf("%w (%s)", err, name)
	}
	return fmt.Errorf("%w (%s)", err, name)
}

func writeOut(path string, b []byte, stdout io.Writer) error {
	if path == "-" {
		_, err := stdout.Write(b)
		return err
	}
	if err := atomicfile.WriteFile(path, b, 0o644); err != nil {
		return fmt.Errorf("cannot write output file (%v)", err)
	}
	return nil
}

func readInclude(path string) ([]byte, error) {
	return ReadLimited(path, nil, cfgfmt.MaxProfileSize)
}

func displayName(name string) string {
	if name == "-" {
		return "<stdin>"
	}
	return name
}

func plural(n int, s string) string {
	if n == 1 {
		return s
	}
	return s + "s"
}
