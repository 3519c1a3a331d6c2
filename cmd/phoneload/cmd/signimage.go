package cmd

import (
	"bytes"
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/phoneload/phoneload/internal/atomicfile"
	"github.com/phoneload/phoneload/internal/cli"
	"github.com/phoneload/phoneload/sign"
)

// signImageFlags are the flags of sign-image.
type signImageFlags struct {
	key, hash, signer, issuer, serial, name, out string
	inPlace, force, resign, verify, json         bool
	trust                                        []string
	timestamp                                    uint32
}

// NewCmdSignImage returns `phoneload sign-image`: put a Cisco signed header
// on lab images with the user's own RSA key, or verify signed files.
func NewCmdSignImage() *cobra.Command {
	var f signImageFlags
	c := &cobra.Command{
		Use:   "sign-image --key KEY.pem [flags] FILE... | --verify --trust KEY.pem FILE...",
		Short: "Sign lab images with a Cisco signed header, or verify one",
		Long: `sign-image puts the Cisco signed header of .sbn, .sb2 and .loads files in front
of each FILE, signed with your own RSA key (512, 1024, 2048 or 4096 bits, PEM,
PKCS#1 or PKCS#8): the exact layout of real firmware (docs/signed-header.md),
with the output's own name embedded. Phones only accept Cisco's key: the
images are for labs, test rigs and fixtures.

The output of X.bin is X.sbn beside it; other names need -o or --in-place.
An existing output is never replaced without --force (or --in-place), and a
file that already carries a header is only re-signed with --resign. Outputs
are written to a temporary file and renamed into place.

With --verify, each FILE's signature is checked against the keys or X.509
certificates of --trust (PEM; any one of them may verify), and the name in
its header against the file's name (a renamed image is refused by phones).
Whole drops are verified by 'phoneload inspect --trust' and 'check'.

Exit codes: 0 all signed or verified, 1 failure (also a --key or --trust
file that cannot be read or parsed), 2 usage, 3 a signature is
missing or does not verify, 4 a file does not carry the name it was signed as.

JSON (--json): {"files": [{"file", "output", "signed_as", "hash", "key_bits",
"header_length", "payload_size", "payload_sha256", "signer", "issuer",
"serial", "timestamp", "verified", "name_ok", "error"}]}: "output" only when
signing, "verified" always when verifying, "name_ok" once the signature
verified, "error" on failure; other fields are left out when unknown or zero.`,
		Example: `  # Sign a loader for a lab phone: writes P003-8-12-00.sbn
  phoneload sign-image --key lab.pem P003-8-12-00.bin

  # Re-sign an edited manifest in place, with SHA-256
  phoneload sign-image --key lab.pem --hash sha256 --resign --in-place P0S3-8-12-00.loads

  # Verify signed files against a public key or certificate
  phoneload sign-image --verify --trust lab.pub P003-8-12-00.sbn P0S3-8-12-00.sb2`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			if f.verify {
				return runVerifyImage(c, &f, args)
			}
			return runSignImage(c, &f, args)
		},
	}
	fl := c.Flags()
	fl.StringVar(&f.key, "key", "", "RSA private key to sign with (PEM)")
	fl.StringVar(&f.hash, "hash", "sha1", "hash: sha1 (as in firmware), sha256 or sha512")
	fl.StringVar(&f.signer, "signer", sign.DefaultSigner, "signer name in the header")
	fl.StringVar(&f.issuer, "issuer", sign.DefaultIssuer, "issuer name in the header")
	fl.StringVar(&f.serial, "serial", hex.EncodeToString(sign.DefaultSerial), "certificate serial number in the header (hex)")
	fl.Uint32Var(&f.timestamp, "timestamp", 0, "Unix time to record in the header (firmware has none)")
	fl.StringVar(&f.name, "name", "", "file name to embed (default: the output's name); one FILE only")
	fl.StringVarP(&f.out, "output", "o", "", "output file, or - for stdout; one FILE only")
	fl.BoolVar(&f.inPlace, "in-place", false, "replace each FILE with its signed version")
	fl.BoolVar(&f.force, "force", false, "replace an existing output file")
	fl.BoolVar(&f.resign, "resign", false, "replace the header of a FILE that is already signed")
	fl.BoolVar(&f.verify, "verify", false, "verify the signature and name of each FILE instead of signing")
	fl.StringArrayVar(&f.trust, "trust", nil, "with --verify: PEM file of trusted public keys or certificates (repeatable)")
	fl.BoolVar(&f.json, "json", false, "print a JSON report on stdout")
	c.MarkFlagsMutuallyExclusive("output", "in-place")
	c.MarkFlagsMutuallyExclusive("verify", "key")
	return c
}

// imageReport is one file's line of the --json report.
type imageReport struct {
	File          string `json:"file"`
	Output        string `json:"output,omitempty"`
	SignedAs      string `json:"signed_as,omitempty"`
	Hash          string `json:"hash,omitempty"`
	KeyBits       int    `json:"key_bits,omitempty"`
	HeaderLength  int    `json:"header_length,omitempty"`
	PayloadSize   int64  `json:"payload_size,omitempty"`
	PayloadSHA256 string `json:"payload_sha256,omitempty"`
	Signer        string `json:"signer,omitempty"`
	Issuer        string `json:"issuer,omitempty"`
	Serial        string `json:"serial,omitempty"`
	Timestamp     uint32 `json:"timestamp,omitempty"`
	Verified      *bool  `json:"verified,omitempty"`
	NameOK        *bool  `json:"name_ok,omitempty"`
	Error         string `json:"error,omitempty"`
}

// hashName is the CLI and JSON name of a header hash.
func hashName(h crypto.Hash) string {
	return strings.ToLower(strings.ReplaceAll(h.String(), "-", ""))
}

func runSignImage(c *cobra.Command, f *signImageFlags, args []string) error {
	if f.key == "" {
		return cli.Hint(cli.Usage("sign-image: --key is required (or --verify to check signatures)"),
			"create a lab key with: openssl genrsa -out lab.pem 2048")
	}
	if len(f.trust) > 0 {
		return cli.Usage("sign-image: --trust only goes with --verify")
	}
	if len(args) > 1 && (f.out != "" || f.name != "") {
		return cli.Usage("sign-image: -o and --name take one FILE, got %d", len(args))
	}
	opts, err := f.signOptions()
	if err != nil {
		return err
	}
	kb, err := os.ReadFile(f.key)
	if err != nil {
		return cli.Exit(cli.ExitFailure, fmt.Errorf("sign-image: %w", err))
	}
	key, err := sign.ParsePrivateKeyPEM(kb)
	if err != nil {
		return cli.Exit(cli.ExitFailure, fmt.Errorf("sign-image: %w", inFile(f.key, err)))
	}
	// Check every argument before writing anything: a usage mistake in the
	// third FILE must not leave the first two signed.
	outs := make([]string, len(args))
	for i, in := range args {
		if outs[i], err = f.outputFor(in); err != nil {
			return err
		}
	}
	var reports []imageReport
	failed := 0
	for i, in := range args {
		r := imageReport{File: in, Output: outs[i]}
		if err := f.signOne(c, in, outs[i], key, opts, &r); err != nil {
			failed++
			r.Error = cli.Message(err)
			cli.Report(c.ErrOrStderr(), Prog, fmt.Errorf("sign-image: %w", err))
		} else if !f.json && outs[i] != "-" {
			fmt.Fprintf(c.OutOrStdout(), "%s: signed as %q (%s, %d-bit RSA, header 0x%x)\n",
				r.Output, r.SignedAs, r.Hash, r.KeyBits, r.HeaderLength)
		}
		reports = append(reports, r)
	}
	if f.json {
		if err := cli.WriteJSON(c.OutOrStdout(), map[string]any{"files": reports}); err != nil {
			return err
		}
	}
	if failed > 0 {
		if len(args) == 1 {
			return cli.Exit(cli.ExitFailure, nil) // already reported
		}
		return cli.Exit(cli.ExitFailure, fmt.Errorf("sign-image: %d of %d files not signed", failed, len(args)))
	}
	return nil
}

// signOptions builds the header fields from the flags.
func (f *signImageFlags) signOptions() (sign.SignOptions, error) {
	h, err := sign.ParseHash(f.hash)
	if err != nil {
		return sign.SignOptions{}, cli.Usage("sign-image: --hash: %s", strings.TrimPrefix(err.Error(), "sign: "))
	}
	serial, err := hex.DecodeString(strings.ReplaceAll(f.serial, ":", ""))
	if err != nil || len(serial) == 0 {
		return sign.SignOptions{}, cli.Usage("sign-image: --serial %q is not a hex number", f.serial)
	}
	for _, s := range []struct{ flag, v string }{{"signer", f.signer}, {"issuer", f.issuer}} {
		if s.v == "" || strings.ContainsRune(s.v, 0) {
			return sign.SignOptions{}, cli.Usage("sign-image: --%s must be a non-empty string without NUL", s.flag)
		}
	}
	return sign.SignOptions{Hash: h, Signer: f.signer, Issuer: f.issuer, Serial: serial, Timestamp: f.timestamp}, nil
}

// outputFor decides where the signed version of in goes.
func (f *signImageFlags) outputFor(in string) (string, error) {
	switch {
	case f.inPlace:
		return in, nil
	case f.out != "":
		return f.out, nil
	case strings.HasSuffix(in, ".bin"):
		return strings.TrimSuffix(in, ".bin") + ".sbn", nil
	}
	return "", cli.Hint(cli.Usage("sign-image: %s: no output name (only X.bin becomes X.sbn)", in),
		"give -o OUT, or --in-place to replace the file")
}

// signOne signs in into out, filling r.
func (f *signImageFlags) signOne(c *cobra.Command, in, out string, key *rsa.PrivateKey, opts sign.SignOptions, r *imageReport) error {
	name := f.name
	if name == "" {
		name = filepath.Base(out)
		if out == "-" {
			name = filepath.Base(in)
			if strings.HasSuffix(name, ".bin") {
				name = strings.TrimSuffix(name, ".bin") + ".sbn"
			}
		}
	}
	src, err := os.Open(in)
	if err != nil {
		return err
	}
	defer src.Close()
	st, err := src.Stat()
	if err != nil {
		return err
	}
	if !st.Mode().IsRegular() {
		return fmt.Errorf("%s: not a regular file", in)
	}
	// Find the payload: the whole file, or what follows an existing header.
	var off int64
	h, _, err := sign.ReadHeader(src)
	switch {
	case err == nil && !f.resign:
		return cli.Hint(fmt.Errorf("%s: already signed (as %q)", in, h.FileName), "give --resign to replace its header")
	case err == nil:
		off = int64(h.PayloadOffset())
	case errors.Is(err, sign.ErrNotSigned):
	case f.resign:
		return inFile(in, err)
	default:
		// Starts like a header but is not one: signing it again would
		// bury a broken header inside the payload.
		return cli.Hint(inFile(in, err), "the file starts like a signed header; fix or strip it first")
	}
	if out != "-" && !f.inPlace && !f.force {
		if _, err := os.Lstat(out); err == nil {
			return cli.Hint(fmt.Errorf("%s exists", out), "give --force to replace it")
		} else if !errors.Is(err, fs.ErrNotExist) {
			return err
		}
	}
	payload := io.NewSectionReader(src, off, st.Size()-off)
	digest := sha256.New()
	hdr, err := sign.SignReader(io.TeeReader(payload, digest), name, key, opts)
	if err != nil {
		return inFile(in, err)
	}
	write := func(w io.Writer) error {
		if _, err := w.Write(hdr); err != nil {
			return err
		}
		// Written payload must be the bytes that were signed: hash again.
		check := sha256.New()
		if _, err := io.Copy(io.MultiWriter(w, check), io.NewSectionReader(src, off, st.Size()-off)); err != nil {
			return err
		}
		if !bytes.Equal(check.Sum(nil), digest.Sum(nil)) {
			return fmt.Errorf("%s changed while being signed", in)
		}
		return nil
	}
	if out == "-" {
		err = write(c.OutOrStdout())
	} else {
		err = atomicfile.Write(out, st.Mode().Perm(), write)
	}
	if err != nil {
		return err
	}
	r.SignedAs, r.Hash, r.KeyBits, r.HeaderLength = name, hashName(opts.Hash), key.N.BitLen(), len(hdr)
	r.PayloadSize, r.PayloadSHA256 = st.Size()-off, hex.EncodeToString(digest.Sum(nil))
	r.Signer, r.Issuer, r.Serial, r.Timestamp = opts.Signer, opts.Issuer, hex.EncodeToString(opts.Serial), opts.Timestamp
	return nil
}

func runVerifyImage(c *cobra.Command, f *signImageFlags, args []string) error {
	if len(f.trust) == 0 {
		return cli.Usage("sign-image: --verify needs --trust KEY.pem")
	}
	if f.out != "" || f.inPlace || f.force || f.resign || f.name != "" {
		return cli.Usage("sign-image: --verify writes nothing: -o, --in-place, --force, --resign and --name do not apply")
	}
	var trust []crypto.PublicKey
	for _, p := range f.trust {
		b, err := os.ReadFile(p)
		if err != nil {
			return cli.Exit(cli.ExitFailure, fmt.Errorf("sign-image: %w", err))
		}
		keys, err := sign.ParseTrustPEM(b)
		if err != nil {
			return cli.Exit(cli.ExitFailure, fmt.Errorf("sign-image: %w", inFile(p, err)))
		}
		trust = append(trust, keys...)
	}
	code := cli.ExitOK
	var reports []imageReport
	for _, in := range args {
		r, c2 := verifyOne(in, trust)
		code = worse(code, c2)
		reports = append(reports, r)
		if r.Error != "" {
			fmt.Fprintf(c.ErrOrStderr(), "%s: error: %s: %s\n", Prog, in, r.Error)
			if c2 == cli.ExitContent {
				cli.Note(c.ErrOrStderr(), Prog, "phones refuse a renamed image: serve it as %q or sign it again under its new name", r.SignedAs)
			}
			continue
		}
		if f.json {
			continue
		}
		fmt.Fprintf(c.OutOrStdout(), "%s: OK, signed as %q (%s, %d-bit RSA, signer %s)\n",
			in, r.SignedAs, r.Hash, r.KeyBits, strconv.Quote(r.Signer))
	}
	if f.json {
		if err := cli.WriteJSON(c.OutOrStdout(), map[string]any{"files": reports}); err != nil {
			return err
		}
	}
	if code != cli.ExitOK {
		return cli.Exit(code, nil)
	}
	return nil
}

// worse picks the exit code to keep: failures to read beat nothing, and
// signature failures beat name mismatches.
func worse(a, b int) int {
	rank := map[int]int{cli.ExitOK: 0, cli.ExitContent: 1, cli.ExitSignature: 2, cli.ExitFailure: 3}
	if rank[b] > rank[a] {
		return b
	}
	return a
}

// verifyOne verifies one file in a single streaming pass.
func verifyOne(in string, trust []crypto.PublicKey) (imageReport, int) {
	verified := false
	r := imageReport{File: in, Verified: &verified}
	fail := func(code int, err error) (imageReport, int) {
		r.Error = strings.TrimPrefix(err.Error(), "sign: ")
		return r, code
	}
	src, err := os.Open(in)
	if err != nil {
		return fail(cli.ExitFailure, err)
	}
	defer src.Close()
	h, hdr, err := sign.ReadHeader(src)
	if err != nil {
		if errors.Is(err, sign.ErrNotSigned) {
			return fail(cli.ExitSignature, errors.New("not signed (no Cisco header)"))
		}
		if errors.Is(err, io.ErrUnexpectedEOF) || strings.HasPrefix(err.Error(), "sign: header:") {
			return fail(cli.ExitSignature, err)
		}
		return fail(cli.ExitFailure, err)
	}
	r.SignedAs, r.Hash, r.KeyBits, r.HeaderLength = h.FileName, hashName(h.Hash), h.KeySize*8, h.Length
	r.Signer, r.Issuer, r.Serial, r.Timestamp = h.Signer, h.Issuer, hex.EncodeToString(h.Serial), h.Timestamp
	d, err := h.NewDigest(hdr)
	if err != nil {
		return fail(cli.ExitFailure, err)
	}
	payload := sha256.New()
	n, err := io.Copy(io.MultiWriter(d, payload), src)
	if err != nil {
		return fail(cli.ExitFailure, err)
	}
	r.PayloadSize, r.PayloadSHA256 = n, hex.EncodeToString(payload.Sum(nil))
	// One message for every way a signature can fail: which byte or which
	// key would only help someone forging one.
	if err := h.VerifyDigest(d.Sum(nil), trust...); err != nil {
		return fail(cli.ExitSignature, err)
	}
	verified = true
	nameOK := h.CheckName(in) == nil
	r.NameOK = &nameOK
	if !nameOK {
		return fail(cli.ExitContent, h.CheckName(in))
	}
	return r, cli.ExitOK
}

// fileError prefixes an error of package sign with the file name, without
// repeating the package prefix ("x.sb2: header: …", not "x.sb2: sign:
// header: …"), and still unwraps to it.
type fileError struct {
	name string
	err  error
}

func inFile(name string, err error) error { return &fileError{name, err} }

func (e *fileError) Error() string {
	return e.name + ": " + strings.TrimPrefix(e.err.Error(), "sign: ")
}

func (e *fileError) Unwrap() error { return e.err }
