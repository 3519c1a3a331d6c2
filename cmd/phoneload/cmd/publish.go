package cmd

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"

	"github.com/phoneload/phoneload/bundle/check"
	"github.com/phoneload/phoneload/bundle/publish"

	"github.com/spf13/cobra"

	"github.com/phoneload/phoneload/bundle"
	"github.com/phoneload/phoneload/bundle/oci"
	"github.com/phoneload/phoneload/internal/cli"
)

// trustFlags are the keys publish and probe accept a bundle from: the same
// flags as verify (--pub, --allowed-signers, --threshold, --min-sequence).
type trustFlags struct {
	pubs, allowed []string
	threshold     int
	minSeq        uint64
}

func (t *trustFlags) register(cmd *cobra.Command) {
	f := cmd.Flags()
	f.StringArrayVar(&t.pubs, "pub", nil, "trust the minisign or SSH public key `FILE` (repeatable)")
	f.StringArrayVar(&t.allowed, "allowed-signers", nil, "trust the keys of ssh allowed signers `FILE` (repeatable)")
	f.IntVar(&t.threshold, "threshold", 1, "require good signatures from `N` distinct trusted keys")
	f.Uint64Var(&t.minSeq, "min-sequence", 0, "refuse bundles whose sequence is below `N` (rollback protection)")
}

// verifyOptions returns how publish and probe verify the bundle before
// anything else reads it: as `phoneload verify` runs it (signatures over
// SHA256SUMS, every file, expiry and sequence). Publish checks the files of
// a bundle directory while staging them, against the SHA256SUMS whose
// signatures it verified first, so what is published is what was signed
// even if the bundle changes in between.
func (t *trustFlags) verifyOptions() (*bundle.VerifyOptions, error) {
	if len(t.pubs) == 0 && len(t.allowed) == 0 {
		return nil, cli.Hint(cli.Usage("no trusted key: the bundle's signature must be checked first"), "pass --pub FILE or --allowed-signers FILE, as for phoneload verify")
	}
	if t.threshold < 1 {
		return nil, cli.Usage("--threshold must be at least 1")
	}
	trust, err := loadTrust(t.pubs, t.allowed)
	if err != nil {
		return nil, err
	}
	if n := trust.Distinct(); t.threshold > n {
		return nil, cli.Usage("--threshold %d: only %d distinct trusted key(s) given", t.threshold, n)
	}
	return &bundle.VerifyOptions{Trust: trust, Threshold: t.threshold, MinSequence: t.minSeq}, nil
}

// verifyFailure turns a *bundle.VerifyError into verify's exit code (3
// signature, 4 content, 5 policy) with the first files at fault named
// ("modified: SIPDefault.cnf (…)") and hint; other errors pass through.
func verifyFailure(err error, hint string) error {
	var ve *bundle.VerifyError
	if !errors.As(err, &ve) {
		return err
	}
	code := verifyExitCode(ve.Err)
	err = ve.Err
	if ve.Result != nil && len(ve.Result.Problems) > 0 {
		var names []string
		for i, p := range ve.Result.Problems {
			if i == 3 {
				names = append(names, fmt.Sprintf("and %d more", len(ve.Result.Problems)-3))
				break
			}
			names = append(names, p.String())
		}
		err = fmt.Errorf("%w: %s", err, strings.Join(names, "; "))
	}
	return cli.Hint(cli.Exit(code, err), "%s", hint)
}

// publishFlags are the flags of publish.
type publishFlags struct {
	limits *limitFlags
	trust  trustFlags
	reg    registryFlags
	opts   publish.Options
	canary string
	asJSON bool
	outFl  *outputFlags
}

// NewCmdPublish returns `phoneload publish`.
func NewCmdPublish() *cobra.Command {
	var f publishFlags
	cmd := &cobra.Command{
		Use:   "publish [--dry-run] [--canary MAC,…] [--force] --pub FILE BUNDLE|oci://…:TAG|oci-layout:DIR:TAG ROOT",
		Short: "Publish a signed bundle into a live TFTP root, atomically and in boot order",
		Long: `publish verifies the bundle's signature, stages every file on the root's
file system, then renames them into place so that no phone ever reads a
half-written file or a configuration naming a load that is not whole yet:
images first, then .loads, rings and dial plans, per-phone configurations,
and the shared defaults (SIPDefault.cnf, XMLDefault.cnf.xml, OS79XX.TXT,
gkdefault.cfg) last; files the previous publish owned and the bundle lacks
are removed at the very end.

A journal in the state directory records every step: 'phoneload rollback
ROOT' restores the previous state, and a publish killed at any point is
undone by the next publish or rollback. A second publish on the same root
while one runs is refused. The state directory (--state; by default
.phoneload-NAME beside ROOT, e.g. /srv/.phoneload-tftp for /srv/tftp) holds
the journal and the backups of replaced files, per-phone configurations
with their passwords included: it is never inside ROOT, where a TFTP server
would serve it; it is created 0700, must be a real directory (not a link)
owned by the publisher and on ROOT's file system. A journal an older
phoneload left in ROOT/.phoneload is moved there on the first run.

The highest bundle sequence published into ROOT is recorded: a bundle with
a lower one is refused (exit 5) unless --allow-downgrade is given, so that
an old, signed bundle cannot be replayed into the root (a rollback attack).

Files in ROOT that phoneload did not publish, or that changed since it did,
are not overwritten without --force. --canary puts the new image only into
the listed phones' per-phone files (SIP<MAC>.cnf image_version,
SEP<MAC>.cnf.xml loadInformation) and leaves every shared file alone.

The bundle is verified first, exactly as 'phoneload verify' does, with the
same trust flags (--pub, --allowed-signers, --threshold, --min-sequence).
BUNDLE may be a registry tag (oci://HOST/REPO:TAG) or an OCI image-layout
directory (oci-layout:DIR:TAG) that 'phoneload push' wrote: it is pulled
beside ROOT as 'phoneload pull' does (signatures first, files ROOT already
holds copied rather than fetched, nothing kept unless all verifies), then
published the same way.

Exit codes: 0 published, 1 failed (nothing half-published), 2 usage,
3 missing, bad or untrusted signature, 4 bundle content does not match
SHA256SUMS, 5 refused (expired bundle, sequence too low or below the one
published before, files not owned, a canary that would change a shared
file, or an unsafe state directory).`,
		Example: `  phoneload publish --pub release.pub --dry-run sip-8.12.zip /srv/tftp
  phoneload publish --pub release.pub sip-8.12.zip /srv/tftp
  phoneload publish --pub release.pub --canary 00:11:22:33:44:55 sip-8.12.zip /srv/tftp
  phoneload publish --pub release.pub --json sip-8.12.zip /srv/tftp
  phoneload publish --pub release.pub oci://registry.example.com/phones/lab:8.12 /srv/tftp
  phoneload publish --pub release.pub oci-layout:/media/usb/phones:8.12 /srv/tftp`,
		Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runPublish(cmd, &f, args)
		},
	}
	f.trust.register(cmd)
	f.reg.register(cmd)
	f.limits = addBundleLimitFlags(cmd.Flags())
	cmd.Flags().BoolVar(&f.opts.DryRun, "dry-run", false, "print the plan, change nothing")
	cmd.Flags().StringVar(&f.canary, "canary", "", "publish the new image only for these phones (`MAC,…`)")
	cmd.Flags().BoolVar(&f.opts.Force, "force", false, "overwrite files the previous publish did not own")
	cmd.Flags().IntVar(&f.opts.Keep, "keep", publish.DefaultKeep, "publishes kept for rollback, at least 1 (-1: all)")
	cmd.Flags().StringVar(&f.opts.State, "state", "", "keep the journal and backups in `DIR` (default: .phoneload-NAME beside ROOT)")
	cmd.Flags().BoolVar(&f.opts.AllowDowngrade, "allow-downgrade", false, "publish a bundle whose sequence is below the highest published into ROOT")
	cmd.Flags().BoolVar(&f.asJSON, "json", false, "print the plan as JSON (schema in docs/publish.md)")
	f.outFl = addOutputFlags(cmd.Flags())
	return cmd
}

func runPublish(cmd *cobra.Command, f *publishFlags, args []string) error {
	verb, err := f.outFl.verbosity()
	if err != nil {
		return err
	}
	if f.opts.Keep == 0 || f.opts.Keep < -1 {
		// The library reads 0 as "the default": here it would
		// silently keep 5, not none.
		return cli.Usage("--keep %d: keep at least 1 publish for rollback, or -1 for all", f.opts.Keep)
	}
	if f.canary != "" {
		f.opts.Canary = strings.Split(f.canary, ",")
		for _, m := range f.opts.Canary {
			if _, ok := check.NormalizeMAC(m); !ok {
				return cli.Usage("--canary: %q is not a MAC address (12 hex digits, separators allowed)", m)
			}
		}
	}
	if swappedPublishArgs(args[0], args[1]) {
		return cli.Usage("arguments look swapped: %s is a bundle and %s a TFTP root; BUNDLE comes first: phoneload publish [flags] %s %s", args[1], args[0], args[1], args[0])
	}
	verify, err := f.trust.verifyOptions()
	if err != nil {
		return err
	}
	f.opts.Verify = verify
	f.opts.Limits = f.limits.Limits()
	f.opts.Verify.Limits = f.opts.Limits
	src := args[0]
	if oci.IsRef(src) {
		// Pulled and verified beside the root, then published from there.
		dir, done, err := pullForPublish(cmd, src, args[1], &f.trust, &f.reg)
		if err != nil {
			return err
		}
		defer done()
		src = dir
	}
	bar := cli.NewProgress(cmd.ErrOrStderr(), "publish", 0)
	f.opts.Progress = bar.Add
	res, err := publish.Run(src, args[1], f.opts)
	bar.Done()
	if res != nil {
		res.Bundle = args[0]
	}
	if err != nil {
		if f.asJSON && res != nil {
			// Refused: the plan with its conflicts, as in a dry run.
			if werr := cli.WriteJSON(f.outFl.stdout(cmd), res); werr != nil {
				return werr
			}
		}
		return publishError(err)
	}
	if f.asJSON {
		if err := cli.WriteJSON(f.outFl.stdout(cmd), res); err != nil {
			return err
		}
	} else {
		writePlan(f.outFl.stdout(cmd), res.Steps, verb)
	}
	for _, w := range res.Warnings {
		cli.Warn(cmd.ErrOrStderr(), Prog, "%s", w)
	}
	if len(res.Conflicts) > 0 {
		return cli.Hint(cli.Exit(cli.ExitPolicy, &publish.ConflictError{Root: args[1], Conflicts: res.Conflicts}), "dry run: a real publish would be refused; --force overwrites these files")
	}
	if f.asJSON {
		return nil
	}
	w := cmd.ErrOrStderr()
	switch res.Recovered {
	case "":
	case "pending":
		cli.Note(w, Prog, "an interrupted publish is pending; the real run undoes it first (the plan assumes the root as it is now)")
	default:
		cli.Note(w, Prog, "an interrupted publish was found and %s first", res.Recovered)
	}
	switch {
	case f.opts.DryRun:
		fmt.Fprintf(w, "%s: dry run: %d change(s) planned, nothing written\n", Prog, res.Changed())
	default:
		fmt.Fprintf(w, "%s: published %s into %s: %d change(s) (id %s)\n", Prog, filepath.Base(args[0]), args[1], res.Changed(), res.ID)
	}
	return nil
}

// swappedPublishArgs recognises `publish ROOT BUNDLE`: the first argument
// is a directory that is no bundle (no SHA256SUMS) and the second is one
// (a registry or layout reference, a .zip file, a directory with
// SHA256SUMS). Anything less certain is left to verify to judge.
func swappedPublishArgs(first, second string) bool {
	if oci.IsRef(first) || isBundleDir(first) {
		return false
	}
	if fi, err := os.Stat(first); err != nil || !fi.IsDir() {
		return false
	}
	if oci.IsRef(second) || isBundleDir(second) {
		return true
	}
	fi, err := os.Stat(second)
	return err == nil && fi.Mode().IsRegular() && strings.EqualFold(filepath.Ext(second), ".zip")
}

func isBundleDir(p string) bool {
	fi, err := os.Stat(filepath.Join(p, bundle.SumsName))
	return err == nil && fi.Mode().IsRegular()
}

// writePlan prints one line per file, in boot order; at Normal verbosity,
// in a plan longer than cli.LongList, more than cli.GroupAbove files with
// the same action, group and reason
// (3,000 phones' own configuration files) fold into one line where the
// first of them stands.
func writePlan(w io.Writer, steps []publish.Step, verb cli.Verbosity) {
	key := func(s publish.Step) string { return s.Action + "\x00" + s.Group + "\x00" + s.Reason }
	names := map[string][]string{}
	for _, s := range steps {
		names[key(s)] = append(names[key(s)], s.Name)
	}
	done := map[string]bool{}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for _, s := range steps {
		name := s.Name
		if k := key(s); verb.FoldsIn(len(steps), len(names[k])) {
			if done[k] {
				continue
			}
			done[k] = true
			name = cli.Names(names[k], "file", verb.Limit())
		}
		line := fmt.Sprintf("%s\t%s\t%s", s.Action, s.Group, name)
		if s.Reason != "" {
			line += "\t(" + s.Reason + ")"
		}
		fmt.Fprintln(tw, line)
	}
	tw.Flush()
}

func publishError(err error) error {
	var ce *publish.ConflictError
	var ee *cli.Error
	var ve *bundle.VerifyError
	switch {
	case errors.As(err, &ee):
		return err
	case errors.As(err, &ve):
		return verifyFailure(err, "nothing was published; phoneload verify shows the whole report")
	case errors.As(err, &ce):
		return cli.Hint(cli.Exit(cli.ExitPolicy, err), "nothing was published; --dry-run lists every file, --force overwrites them")
	case errors.Is(err, publish.ErrBundleContent):
		return cli.Exit(cli.ExitContent, err)
	case errors.Is(err, publish.ErrLocked):
		return cli.Hint(err, "wait for the other publish or rollback to finish")
	case errors.Is(err, publish.ErrDowngrade):
		return cli.Hint(cli.Exit(cli.ExitPolicy, err), "nothing was published; --allow-downgrade publishes an older bundle on purpose")
	case errors.Is(err, publish.ErrUnsafeState):
		return cli.Hint(cli.Exit(cli.ExitPolicy, err), "nothing was published; --state DIR names another state directory (a real directory of yours, outside ROOT, on its file system)")
	}
	return err
}
