package cmd

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/phoneload/phoneload/bundle"
	"github.com/phoneload/phoneload/internal/cli"
)

// VerifySchema names the version of verify's --json output
// (docs/bundle-format.md).
const VerifySchema = "phoneload.verify/v1"

type verifyJSON struct {
	Schema string `json:"schema"`
	*bundle.VerifyResult
	ExitCode int    `json:"exit_code"`
	Error    string `json:"error,omitempty"`
}

// writeVerifyJSON writes verify's document for res (nil when verify stopped
// before it could look at the bundle: a usage error, an unreadable key or
// bundle) and the error err, if any.
func writeVerifyJSON(w io.Writer, path string, threshold int, res *bundle.VerifyResult, err error) error {
	if res == nil {
		res = &bundle.VerifyResult{Path: path, Threshold: threshold}
	}
	r := *res
	for _, l := range []*[]string{&r.Trusted, &r.Unlisted, &r.Policy} {
		if *l == nil {
			*l = []string{}
		}
	}
	sigs := make([]bundle.SignatureResult, len(r.Signatures))
	for i, sr := range r.Signatures {
		sr.Error = cli.StripPrefixes(sr.Error)
		sigs[i] = sr
	}
	r.Signatures = sigs
	if r.Problems == nil {
		r.Problems = []bundle.FileProblem{}
	}
	doc := verifyJSON{Schema: VerifySchema, VerifyResult: &r}
	if err != nil {
		r.Valid = false
		doc.ExitCode = verifyExitCode(err)
		var ce *cli.Error
		if errors.As(err, &ce) {
			doc.ExitCode = ce.Code
		} else if cli.IsUsage(err) {
			doc.ExitCode = cli.ExitUsage
		}
		doc.Error = cli.Message(err)
	}
	return cli.WriteJSON(w, doc)
}

// jsonWanted reports whether --json is among the command line's flags
// (before any "--"), for errors found before the flags are all parsed.
func jsonWanted(cmd *cobra.Command) bool {
	if f := cmd.Flags().Lookup("json"); f != nil && f.Changed {
		return f.Value.String() == "true"
	}
	for _, a := range argsOf(cmd) {
		switch a {
		case "--":
			return false
		case "--json", "--json=true", "--json=1":
			return true
		}
	}
	return false
}

// verifyFlags are the flags of verify.
type verifyFlags struct {
	limits        *limitFlags
	pubs, allowed []string
	threshold     int
	minSeq        uint64
	root          string
	asJSON        bool
	outFlags      *outputFlags
}

// NewCmdVerify returns `phoneload verify`.
func NewCmdVerify() *cobra.Command {
	var f verifyFlags
	c := &cobra.Command{
		Use:   "verify [flags] BUNDLE",
		Short: "Prove a bundle (zip or directory), or a TFTP root published from it, is what was signed",
		Long: `verify checks a bundle offline: first the signatures over SHA256SUMS
(SHA256SUMS.minisig, SHA256SUMS.sig, SHA256SUMS.2.minisig, …) against the keys
you trust, then the size and SHA-256 of every file, then bundle.json's policy:
expiry and the rollback sequence. It names each modified, missing, extra or
renamed file, and for a signature by the wrong key the key found and the keys
trusted. It never touches the network.

Trusted keys: --pub FILE (a minisign .pub, or an SSH public key) and
--allowed-signers FILE (ssh-keygen's format; namespaces= must allow
"phoneload" when present). --threshold N requires good signatures from N
distinct trusted keys.

--root DIR checks a live TFTP root the bundle was published into, against the
bundle's signed SHA256SUMS: the other files of the root (other phones' configs,
the .phoneload journal) are listed as information, not errors.

Exit status: 0 valid, 2 usage, 3 missing, bad or untrusted signature,
4 content does not match (modified, missing, extra, renamed), 5 refused by
policy (expired, sequence below --min-sequence), 1 other failure.`,
		Example: `  phoneload verify --pub release.pub sip-8-12.zip
  phoneload verify --allowed-signers allowed_signers --threshold 2 /srv/bundles/sip-8-12
  phoneload verify --pub release.pub --min-sequence 12 --root /srv/tftp sip-8-12.zip
  phoneload verify --pub release.pub --json sip-8-12.zip`,
		Args: cobra.ArbitraryArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runVerify(cmd, &f, args)
		},
	}
	c.SetFlagErrorFunc(func(cmd *cobra.Command, err error) error {
		err = cli.Usage("%v", err)
		if jsonWanted(cmd) {
			if werr := writeVerifyJSON(cmd.OutOrStdout(), "", f.threshold, nil, err); werr != nil {
				return werr
			}
		}
		return err
	})
	fl := c.Flags()
	f.limits = addBundleLimitFlags(fl)
	fl.StringArrayVar(&f.pubs, "pub", nil, "trust the minisign or SSH public key `FILE` (repeatable)")
	fl.StringArrayVar(&f.allowed, "allowed-signers", nil, "trust the keys of ssh allowed signers `FILE` (repeatable)")
	fl.IntVar(&f.threshold, "threshold", 1, "require good signatures from `N` distinct trusted keys")
	fl.Uint64Var(&f.minSeq, "min-sequence", 0, "refuse bundles whose sequence is below `N` (rollback protection)")
	fl.StringVar(&f.root, "root", "", "check the live TFTP root `DIR` the bundle was published into")
	fl.BoolVar(&f.asJSON, "json", false, "write the result as JSON, also on every failure (schema in docs/bundle-format.md)")
	f.outFlags = addOutputFlags(fl)
	return c
}

func runVerify(cmd *cobra.Command, f *verifyFlags, args []string) error {
	verb, verr := f.outFlags.verbosity()
	path := strings.Join(args, " ")
	res, err := func() (*bundle.VerifyResult, error) {
		if verr != nil {
			return nil, verr
		}
		if len(args) != 1 {
			return nil, cli.Usage("verify takes one BUNDLE; got %d argument(s)", len(args))
		}
		return verifyBundle(cmd, args[0], f.pubs, f.allowed, f.threshold, f.minSeq, f.root, f.limits)
	}()
	if f.asJSON {
		if werr := writeVerifyJSON(f.outFlags.stdout(cmd), path, f.threshold, res, err); werr != nil {
			return werr
		}
	} else if res != nil {
		writeVerify(f.outFlags.stdout(cmd), res, verb)
	}
	var ce *cli.Error
	if err != nil && !errors.As(err, &ce) && !cli.IsUsage(err) {
		// The exit code the JSON document gave.
		return limitHint(cli.Exit(verifyExitCode(err), err))
	}
	return limitHint(err)
}

// verifyBundle is verify after its arguments are known; a nil result means it
// stopped before the bundle was looked at.
func verifyBundle(cmd *cobra.Command, bundlePath string, pubs, allowed []string, threshold int, minSeq uint64, root string, limits *limitFlags) (*bundle.VerifyResult, error) {
	if len(pubs) == 0 && len(allowed) == 0 {
		return nil, cli.Usage("verify needs the keys to trust: --pub FILE or --allowed-signers FILE")
	}
	if threshold < 1 {
		return nil, cli.Usage("--threshold must be at least 1")
	}
	trust, err := loadTrust(pubs, allowed)
	if err != nil {
		return nil, err
	}
	for _, msg := range trust.Ignored {
		cli.Warn(cmd.ErrOrStderr(), Prog, "%s", msg)
	}
	if n := trust.Distinct(); threshold > n {
		return nil, cli.Usage("--threshold %d: only %d distinct trusted key(s) given", threshold, n)
	}
	if root != "" {
		if fi, err := os.Stat(root); err != nil || !fi.IsDir() {
			return nil, cli.Usage("--root %s: not a directory", root)
		}
	}
	bar := cli.NewProgress(cmd.ErrOrStderr(), "verify", 0)
	res, err := bundle.Verify(bundlePath, bundle.VerifyOptions{
		Trust: trust, Threshold: threshold, MinSequence: minSeq, Root: root, Progress: bar.Add, Limits: limits.Limits(),
	})
	bar.Done()
	return res, err
}

// verifyExitCode maps Verify's error classes to exit codes 3, 4, 5.
func verifyExitCode(err error) int {
	switch {
	case err == nil:
		return cli.ExitOK
	case errors.Is(err, bundle.ErrSignature):
		return cli.ExitSignature
	case errors.Is(err, bundle.ErrContent):
		return cli.ExitContent
	case errors.Is(err, bundle.ErrPolicy):
		return cli.ExitPolicy
	}
	return cli.ExitFailure
}

// writeVerify prints the result for people. At Normal verbosity, past
// cli.LongList lines, more than cli.GroupAbove problems of a kind
// (modified, missing, …) fold into one line, and so do the unlisted files
// of a live root (other phones' own configuration files, at fleet scale
// thousands).
func writeVerify(w io.Writer, r *bundle.VerifyResult, verb cli.Verbosity) {
	for _, s := range r.Signatures {
		who := s.KeyID
		if s.Principal != "" {
			who += " (" + s.Principal + ")"
		}
		line := fmt.Sprintf("signature %s: %s, %s key %s", s.File, s.Status, s.Kind, who)
		if s.Error != "" {
			line += ": " + cli.StripPrefixes(s.Error)
		}
		fmt.Fprintln(w, line)
	}
	if r.Bundle != nil {
		m := r.Bundle
		exp := "never"
		if m.Expires != nil {
			exp = m.Expires.UTC().Format(time.RFC3339)
		}
		fmt.Fprintf(w, "bundle %s: sequence %d, created %s, expires %s, by %s\n", m.Name, m.Sequence, m.Created.UTC().Format(time.RFC3339), exp, m.Tool)
		if len(m.Check.Waived) > 0 {
			var rules []string
			for _, wv := range m.Check.Waived {
				rules = append(rules, wv.Rule)
			}
			fmt.Fprintf(w, "waived at pack time: %s\n", strings.Join(rules, ", "))
		}
	}
	if r.Files > 0 {
		fmt.Fprintf(w, "files: %d listed, %s hashed\n", r.Files, cli.HumanBytes(r.Bytes))
	}
	total := len(r.Problems) + len(r.Unlisted)
	byKind := map[string][]string{}
	for _, p := range r.Problems {
		byKind[p.Kind] = append(byKind[p.Kind], p.File)
	}
	folded := map[string]bool{}
	for _, p := range r.Problems {
		switch files := byKind[p.Kind]; {
		case !verb.FoldsIn(total, len(files)):
			fmt.Fprintln(w, p.String())
		case !folded[p.Kind]:
			folded[p.Kind] = true
			fmt.Fprintf(w, "%s: %s (--verbose lists each)\n", p.Kind, cli.Names(files, "file", verb.Limit()))
		}
	}
	if verb.FoldsIn(total, len(r.Unlisted)) {
		fmt.Fprintf(w, "unlisted: %s (not part of the bundle)\n", cli.Names(r.Unlisted, "file", verb.Limit()))
	} else {
		for _, u := range r.Unlisted {
			fmt.Fprintf(w, "unlisted: %s (not part of the bundle)\n", u)
		}
	}
	for _, p := range r.Policy {
		fmt.Fprintf(w, "policy: %s\n", cli.StripPrefixes(p))
	}
	if r.Valid {
		fmt.Fprintf(w, "OK: %d trusted signature(s), every file matches\n", r.Signers)
	}
}
