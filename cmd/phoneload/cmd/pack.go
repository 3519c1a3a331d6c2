package cmd

import (
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/phoneload/phoneload/bundle/check"
	"github.com/phoneload/phoneload/bundle/drop"

	"github.com/spf13/cobra"

	"github.com/phoneload/phoneload/bundle"
	"github.com/phoneload/phoneload/bundle/container"
	"github.com/phoneload/phoneload/internal/cli"
	"github.com/phoneload/phoneload/sign"
)

// packFlags are the flags of pack.
type packFlags struct {
	limits               *limitFlags
	keys, sshKeys, allow []string
	passFile, name, out  string
	expires              string
	sequence             uint64
	asJSON               bool
}

// NewCmdPack returns `phoneload pack`.
func NewCmdPack() *cobra.Command {
	var f packFlags
	c := &cobra.Command{
		Use:   "pack [flags] -o OUT SRC",
		Short: "Check a drop and pack it into a signed, reproducible bundle",
		Long: `pack checks SRC (a directory, or a drop archive: zip, tar, tar inside zip)
with the rules of phoneload check, and refuses a tree with errors unless each
failing rule is waived with --allow RULE (waivers are recorded in bundle.json).
The check runs before any key is unlocked: a refused drop asks for no
passphrase. It then writes the bundle to OUT: a zip if OUT ends in .zip, otherwise a new
directory (never an existing one). The bundle is the tree plus SHA256SUMS
(sha256sum format), bundle.json and detached signatures over SHA256SUMS:
SHA256SUMS.minisig for a minisign --key, SHA256SUMS.sig (ssh-keygen -Y sign
format, namespace "phoneload") for an --ssh-key; more signers add
SHA256SUMS.2.minisig, SHA256SUMS.2.sig, …

--ssh-key takes a private key file, or a public key file (KEY.pub) to sign with
the matching key held by ssh-agent. RSA keys sign with rsa-sha2-512.

The same SRC, options and keys always give the same bytes: files are sorted,
times fixed to the bundle time ($SOURCE_DATE_EPOCH when set, else now), modes
fixed, firmware stored and text deflated. docs/bundle-format.md describes it.

` + passphraseHelp + ` A spinner shows on a terminal while a key
unlocks (scrypt takes seconds).`,
		Example: `  phoneload pack --key release.key -o sip-8-12.zip cmterm-7940-7960-sip.8-12-00.zip
  phoneload pack --key release.key --ssh-key ~/.ssh/id_ed25519.pub --sequence 12 --expires 2027-06-30 -o /srv/bundles/sip-8-12 /srv/staging
  SOURCE_DATE_EPOCH=1700000000 phoneload pack --key ci.key --passphrase-file /run/secrets/pass -o out.zip drop/
  PHONELOAD_PASSPHRASE="$KEY_PASS" phoneload pack --key ci.key -o out.zip drop/
  vault kv get -field=pass ci/bundle | phoneload pack --key ci.key --passphrase-file - -o out.zip drop/
  phoneload pack --key release.key --allow loads-part-missing -o out.zip drop/`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runPack(cmd, &f, args)
		},
	}
	fl := c.Flags()
	f.limits = addLimitFlags(fl)
	fl.StringVarP(&f.out, "output", "o", "", "write the bundle to `OUT` (.zip, or a new directory)")
	fl.StringArrayVar(&f.keys, "key", nil, "sign with the minisign secret key `FILE` (repeatable)")
	fl.StringArrayVar(&f.sshKeys, "ssh-key", nil, "sign with the SSH key `FILE` (private key, or KEY.pub for ssh-agent; repeatable)")
	fl.StringVar(&f.passFile, "passphrase-file", "", "read key passphrases from the first line of `FILE` (- for stdin) instead of $PHONELOAD_PASSPHRASE or the terminal")
	fl.StringVar(&f.name, "name", "", "bundle `NAME` recorded in bundle.json (default: SRC's base name)")
	fl.StringVar(&f.expires, "expires", "", "refuse the bundle after `DATE` (YYYY-MM-DD, RFC 3339, or Nd days after the bundle time)")
	fl.Uint64Var(&f.sequence, "sequence", 0, "rollback-protection sequence `N` (verify --min-sequence refuses lower ones)")
	fl.StringArrayVar(&f.allow, "allow", nil, "accept errors of check `RULE` (repeatable; recorded in bundle.json)")
	fl.BoolVar(&f.asJSON, "json", false, "print bundle.json and the signers as JSON")
	return c
}

func runPack(cmd *cobra.Command, f *packFlags, args []string) error {
	src := args[0]
	if f.out == "" {
		return cli.Usage("pack needs -o OUT (a .zip or a new directory)")
	}
	if len(f.keys) == 0 && len(f.sshKeys) == 0 {
		return cli.Hint(cli.Usage("pack needs a signing key: --key NAME.key or --ssh-key FILE"), "phoneload key generate -o NAME creates one")
	}
	if f.passFile == "-" && src == "-" {
		return cli.Usage("--passphrase-file - and SRC - both want stdin")
	}
	for _, r := range f.allow {
		if _, ok := check.LookupRule(r); !ok {
			return cli.Hint(cli.Usage("--allow: no rule %q", r), "phoneload check --list-rules lists them")
		}
	}
	when, ok, err := bundle.SourceDateEpoch()
	if err != nil {
		return cli.Usage("%v", err)
	}
	if !ok {
		when = time.Now().UTC().Truncate(time.Second)
	}
	opts := bundle.PackOptions{Name: f.name, Time: when, Tool: Prog + " " + ToolVersion(), Sequence: f.sequence, Allow: f.allow, Check: packCheckWith(f.limits.Limits()), Limits: f.limits.Limits()}
	if f.expires != "" {
		if opts.Expires, err = parseExpiry(f.expires, when); err != nil {
			return cli.Usage("--expires: %v", err)
		}
		if !opts.Expires.After(when) {
			return cli.Usage("--expires %s is not after the bundle time %s", opts.Expires.UTC().Format(time.RFC3339), when.UTC().Format(time.RFC3339))
		}
	}
	// Key files are read now (a missing or unsafe one fails at
	// once) but unlocked only after the check passed: a refused
	// drop costs neither a passphrase nor seconds of scrypt.
	keyData := make([][]byte, len(f.keys))
	for i, k := range f.keys {
		if keyData[i], err = readMinisignKey(k); err != nil {
			return err
		}
	}
	pass := newPassphrases(cmd, f.passFile)
	var signers []sign.Signer
	opts.Unlock = func() ([]sign.Signer, error) {
		for i, k := range f.keys {
			s, err := unlockMinisignKey(cmd, k, keyData[i], pass)
			if err != nil {
				return nil, err
			}
			signers = append(signers, s)
		}
		for _, k := range f.sshKeys {
			s, err := loadSSHKey(cmd, k, pass)
			if err != nil {
				return nil, err
			}
			signers = append(signers, s)
		}
		return signers, nil
	}
	bar := cli.NewProgress(cmd.ErrOrStderr(), "pack", 0)
	opts.Progress = bar.Add
	m, err := bundle.Pack(src, f.out, opts)
	bar.Done()
	var refused *bundle.RefusedError
	if errors.As(err, &refused) {
		writeRefused(cmd, refused)
		return cli.Hint(cli.Exit(cli.ExitFailure, err), "fix the drop, or waive a rule with --allow RULE (recorded in bundle.json)")
	}
	if err != nil {
		return err
	}
	for _, w := range unusedAllows(f.allow, m) {
		cli.Warn(cmd.ErrOrStderr(), Prog, "--allow %s: the check found no error for this rule", w)
	}
	if f.asJSON {
		return cli.WriteJSON(cmd.OutOrStdout(), packJSON{Schema: PackSchema, Output: f.out, Bundle: m, Signers: signerIDs(signers)})
	}
	w := cmd.OutOrStdout()
	fmt.Fprintf(w, "%s: %d files, %s, sequence %d\n", f.out, m.Files, cli.HumanBytes(m.Size), m.Sequence)
	for _, s := range signers {
		fmt.Fprintf(w, "signed: %s %s\n", s.Kind(), s.KeyID())
	}
	for _, wv := range m.Check.Waived {
		fmt.Fprintf(w, "waived: %s (%d finding(s))\n", wv.Rule, wv.Count)
	}
	return nil
}

// PackSchema names the version of pack's --json output.
const PackSchema = "phoneload.pack/v1"

type packJSON struct {
	Schema  string           `json:"schema"`
	Output  string           `json:"output"`
	Bundle  *bundle.Manifest `json:"bundle"`
	Signers []string         `json:"signers"` // "minisign:ID" or "ssh:SHA256:…"
}

func signerIDs(s []sign.Signer) []string {
	out := []string{}
	for _, x := range s {
		out = append(out, x.Kind()+":"+x.KeyID())
	}
	return out
}

func writeRefused(cmd *cobra.Command, e *bundle.RefusedError) {
	w := cmd.ErrOrStderr()
	for _, f := range e.Findings {
		pos := f.File
		if f.Line > 0 {
			pos += ":" + strconv.Itoa(f.Line)
		}
		if pos == "" {
			pos = "(root)"
		}
		fmt.Fprintf(w, "%s: %s [%s]\n", pos, f.Message, f.Rule)
	}
}

func unusedAllows(allow []string, m *bundle.Manifest) []string {
	used := map[string]bool{}
	for _, w := range m.Check.Waived {
		used[w.Rule] = true
	}
	var out []string
	for _, a := range allow {
		if !used[a] {
			out = append(out, a)
			used[a] = true
		}
	}
	return out
}

// parseExpiry reads YYYY-MM-DD (midnight UTC), RFC 3339, or Nd (days after
// the bundle time).
func parseExpiry(s string, from time.Time) (time.Time, error) {
	if d, ok := strings.CutSuffix(s, "d"); ok {
		n, err := strconv.Atoi(d)
		if err != nil || n <= 0 {
			return time.Time{}, fmt.Errorf("%q: want a positive number of days", s)
		}
		return from.AddDate(0, 0, n), nil
	}
	if t, err := time.Parse("2006-01-02", s); err == nil {
		return t, nil
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	return time.Time{}, fmt.Errorf("%q: want YYYY-MM-DD, RFC 3339 or Nd", s)
}

// packCheck is the check pack runs first: phoneload check's rules over the
// drop model, without fleet, trust or tag table.
func packCheckWith(lim container.Limits) func(string) (*bundle.CheckResult, error) {
	return func(src string) (*bundle.CheckResult, error) { return packCheck(src, lim) }
}

func packCheck(src string, lim container.Limits) (*bundle.CheckResult, error) {
	d, err := drop.Open(src, drop.OpenOptions{Limits: lim})
	if err != nil {
		return nil, err
	}
	rep := check.Run(d, check.Options{})
	res := &bundle.CheckResult{Checker: Prog + " check " + ToolVersion(), Findings: rep.Findings}
	protos, models, loads := map[string]bool{}, map[string]bool{}, map[string]bool{}
	for _, f := range d.Files {
		if f.Load() == nil || f.Load().Part != "" {
			continue
		}
		if f.Load().Protocol != "" {
			protos[string(f.Load().Protocol)] = true
		}
		for _, m := range f.Load().Models {
			models[m] = true
		}
		loads[f.Load().Name] = true
	}
	res.Target = bundle.Target{Protocols: keysOf(protos), Models: keysOf(models), Loads: keysOf(loads)}
	return res, nil
}

func keysOf(m map[string]bool) []string {
	out := []string{}
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
