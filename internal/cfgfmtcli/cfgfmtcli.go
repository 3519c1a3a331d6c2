// Package cfgfmtcli is the command line of the drop-in cfgfmt: the original
// syntax (options glued to their values, two positionals, direction chosen
// by the input's magic), shared by cmd/cfgfmt and `phoneload cfgfmt`, and
// the batch compiler behind `phoneload compile`. Messages go to the writers
// it is given; the caller turns the returned error into an exit status.
package cfgfmtcli

import (
	"bytes"
	"encoding/hex"
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
to their values, as in Cisco's tool:

  -t<file>    tag table (default ptag.dat in the current directory)
  -e<hexkey>  RC4-encrypt the output with this key (decoding: decrypt)
  -E          do not encrypt with the profile's own EncryptKey (store it only)
  -g          leave out sensitive parameters (format bit 0x4000)
  -sip -h323 -mgcp -sccp
              keep only parameters of these protocols (may be combined)
  -split      always move extended (0x8000) parameters to <output>.ex
  -v          verbose; when decoding, adds #sum_len:<checksum>,<length>
  -x<hexkey>  also write <output>.x with the "strong" encryption, key of
              32 bytes (64 hex digits); decoding: decrypt a .x file.
              UNCONFIRMED: inferred from a reimplementation, no device
              has been seen to accept it
  -X          strong encryption with the profile's EncryptKeyEx: not
              supported (EncryptKeyEx cannot be written correctly)

Inferences (rules not confirmed by a capture of Cisco's tool) are listed in
docs/cfgfmt.md: name matching ignores case, includes resolve beside the
including file, a repeated name keeps its last value at its first position,
IP fields take a dotted quad or 0, and a non-zero EncryptKey encrypts the
file unless -E (either way a note says so on stderr).

Exit status: 0 success, 1 failure (no output written), 2 usage error.
`

// Config is a parsed drop-in command line.
type Config struct {
	Table            string
	Key              []byte // -e
	IgnoreProfileKey bool   // -E
	OmitSensitive    bool   // -g
	Protocols        cfgfmt.Protocol
	StrongKey        []byte // -x
	Split            bool   // -split
	Verbose          bool   // -v
	Input, Output    string
	Help             bool
}

// ParseArgs reads the original syntax. Errors are usage errors (exit 2).
func ParseArgs(args []string) (*Config, error) {
	c := &Config{Table: "ptag.dat"}
	var pos []string
	for _, a := range args {
		switch {
		case a == "-h" || a == "-help" || a == "--help":
			c.Help = true
		case a == "-" || !strings.HasPrefix(a, "-"):
			pos = append(pos, a)
		case a == "-E":
			c.IgnoreProfileKey = true
		case a == "-g":
			c.OmitSensitive = true
		case a == "-sip":
			c.Protocols |= cfgfmt.SIP
		case a == "-h323":
			c.Protocols |= cfgfmt.H323
		case a == "-mgcp":
			c.Protocols |= cfgfmt.MGCP
		case a == "-sccp":
			c.Protocols |= cfgfmt.SCCP
		case a == "-split":
			c.Split = true
		case a == "-v":
			c.Verbose = true
		case strings.HasPrefix(a, "-t"):
			if c.Table = a[2:]; c.Table == "" {
				c.Table = "ptag.dat"
			}
		case strings.HasPrefix(a, "-e"):
			k, err := cfgfmt.ParseKey(a[2:])
			if err != nil {
				return nil, cli.Usage("-e: %v (write the key glued to the flag: -eabcd)", strings.TrimPrefix(err.Error(), "cfgfmt: "))
			}
			c.Key = k
		case a == "-X":
			return nil, cli.Exit(cli.ExitFailure, errors.New("-X: strong encryption with the profile's EncryptKeyEx is not supported: EncryptKeyEx is wrapped with constants that are not public; give the key with -x<hexkey>"))
		case strings.HasPrefix(a, "-x"):
			k, err := hex.DecodeString(a[2:])
			if err != nil || len(k) != cfgfmt.StrongKeySize {
				return nil, cli.Usage("-x: want a key of %d bytes as %d hex digits, glued to the flag", cfgfmt.StrongKeySize, 2*cfgfmt.StrongKeySize)
			}
			c.StrongKey = k
		default:
			return nil, cli.Usage("unknown option %s", a)
		}
	}
	if c.Help {
		return c, nil
	}
	if len(pos) != 2 {
		return nil, cli.Usage("need exactly two arguments, input and output; got %d", len(pos))
	}
	c.Input, c.Output = pos[0], pos[1]
	return c, nil
}

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

// Run executes the drop-in command line. Diagnostics and notes go to
// stderr; the returned error (if any) is for cli.Report.
func Run(args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	c, err := ParseArgs(args)
	if err != nil {
		return err
	}
	if c.Help {
		_, err := io.WriteString(stdout, Usage)
		return err
	}
	t, err := LoadTable(c.Table)
	if err != nil {
		return err
	}
	in, err := ReadLimited(c.Input, stdin, cfgfmt.MaxProfileSize)
	if err != nil {
		return fmt.Errorf("cannot open input file (%v)", err)
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
		opt.ExtensionName = filepath.Base(c.Output) + ".ex"
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
	var strong []byte
	if c.StrongKey != nil {
		if res.Extension != nil || c.Output == "-" {
			return cli.Exit(cli.ExitFailure, errors.New("-x: strong encryption of a split profile, or to stdout, is not supported; no output written"))
		}
		// The .x file wraps the plain profile, whatever -e or EncryptKey do
		// to <output>.
		popt := opt
		popt.Key, popt.IgnoreProfileKey = nil, true
		plain, err := cfgfmt.Compile(t, displayName(c.Input), in, popt)
		if err == nil {
			strong, err = cfgfmt.EncryptStrong(c.StrongKey, plain.Profile)
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
	opt := cfgfmt.DecodeOptions{Protocols: c.Protocols, Key: c.Key}
	if c.StrongKey != nil {
		plain, err := cfgfmt.DecryptStrong(c.StrongKey, in)
		if err != nil {
			return withFile(err, displayName(c.Input))
		}
		// DecryptStrong puts back the "#ata" that a .x file leaves out, so a
		// wrong key first shows in the header record: that is a file we
		// cannot read, not a corrupted profile.
		if !bytes.Equal(plain[4:7], []byte{0xff, 0xfe, 0x04}) {
			return cli.Hint(withFile(cfgfmt.ErrUnknownInput, displayName(c.Input)), strongHint, displayName(c.Input))
		}
		in, opt.Key = plain, nil
	}
	p, err := cfgfmt.Decode(t, in, opt)
	if err != nil {
		// The original's wording, then a hint at the likely cause.
		switch {
		case bytes.HasPrefix(in, []byte("\xef\xbb\xbf#txt")):
			return cli.Hint(withFile(err, displayName(c.Input)), "%s starts with a UTF-8 byte-order mark before #txt; save it without one (Notepad: \"UTF-8\", not \"UTF-8 with BOM\")", displayName(c.Input))
		case !errors.Is(err, cfgfmt.ErrUnknownInput):
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
