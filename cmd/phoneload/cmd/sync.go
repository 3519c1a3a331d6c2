package cmd

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/phoneload/phoneload/bundle/oci"
	"github.com/phoneload/phoneload/bundle/publish"
	"github.com/phoneload/phoneload/internal/cli"
)

// syncFlags are the flags of sync.
type syncFlags struct {
	trust    trustFlags
	reg      registryFlags
	once     bool
	interval time.Duration
	timeout  time.Duration
	state    string
	force    bool
	keep     int
	asJSON   bool
}

// NewCmdSync returns `phoneload sync`.
func NewCmdSync() *cobra.Command {
	var f syncFlags
	cmd := &cobra.Command{
		Use:   "sync --pub FILE [--once | --interval D] [--state FILE] oci://HOST[:PORT]/REPO:TAG|oci-layout:DIR:TAG ROOT",
		Short: "Site agent: publish each newer signed release a tag names into a TFTP root",
		Long: `sync polls a tag and publishes into ROOT each release with a higher signed
sequence, never a lower one. Each round resolves the tag; when it names
something new, the signatures and bundle.json are verified first (same trust
flags as 'phoneload verify'), a sequence below the highest one this agent
published into ROOT is refused (rollback), and so is the same sequence with
other content; then only the files ROOT does not already hold are fetched,
every one verified, and the bundle is published as 'phoneload publish' does.
Whatever goes wrong (registry down, credentials refused, a tampered or
missing blob, a bad signature, a rolled-back tag) ROOT keeps serving its
last good release.

The agent records what it published (sequence, manifest, SHA256SUMS) in
--state, by default .ROOTNAME.phoneload-sync.json beside ROOT, never inside
what a TFTP server serves. Each round is logged as one line on stderr, or
as one JSON object per line on stdout with --json (schema in
docs/distribution.md). --once runs one round (for a systemd timer:
packaging/systemd/); otherwise rounds repeat every --interval until
SIGINT or SIGTERM.

Exit codes (--once; the loop exits 0 when stopped): 0 published or
unchanged, 1 failed (registry, network, credentials, publish), 2 usage,
3 bad or untrusted signature, 4 content does not match SHA256SUMS,
5 refused by policy (rollback, expired, sequence below --min-sequence).`,
		Example: `  phoneload sync --pub release.pub --once oci://registry.example.com/phones/lab:stable /srv/tftp
  phoneload sync --pub release.pub --interval 5m --state /var/lib/phoneload/lab.json oci://registry.example.com/phones/lab:stable /srv/tftp
  phoneload sync --pub release.pub --once oci-layout:/media/usb/phones:stable /srv/tftp
  phoneload sync --pub release.pub --once --json oci://registry.example.com/phones/lab:stable /srv/tftp`,
		Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runSync(cmd, &f, args)
		},
	}
	f.trust.register(cmd)
	f.reg.register(cmd)
	fl := cmd.Flags()
	fl.BoolVar(&f.once, "once", false, "run one round and exit with its verdict")
	fl.DurationVar(&f.interval, "interval", 5*time.Minute, "time between rounds, `D` (e.g. 30s, 5m, 1h)")
	fl.DurationVar(&f.timeout, "timeout", time.Hour, "give up a round (a stalled registry) after `D`; the next round tries again")
	fl.StringVar(&f.state, "state", "", "where the agent records what it published (`FILE`; default beside ROOT)")
	fl.BoolVar(&f.force, "force", false, "let publish overwrite files it did not own")
	fl.IntVar(&f.keep, "keep", publish.DefaultKeep, "publishes kept for rollback, at least 1 (-1: all)")
	fl.BoolVar(&f.asJSON, "json", false, "log each round as one JSON line on stdout (schema in docs/distribution.md)")
	return cmd
}

func runSync(cmd *cobra.Command, f *syncFlags, args []string) error {
	ref, err := parseRef(args[0], f.reg.plainHTTP)
	if err != nil {
		return err
	}
	if f.interval < time.Second {
		return cli.Usage("--interval %s: at least 1s", f.interval)
	}
	if f.timeout < time.Second {
		return cli.Usage("--timeout %s: at least 1s", f.timeout)
	}
	if f.keep == 0 || f.keep < -1 {
		return cli.Usage("--keep %d: keep at least 1 publish for rollback, or -1 for all", f.keep)
	}
	vo, err := f.trust.verifyOptions()
	if err != nil {
		return err
	}
	root := args[1]
	if fi, err := os.Stat(root); err != nil || !fi.IsDir() {
		return cli.Usage("%s: not a directory", root)
	}
	opts := oci.SyncOptions{PullOptions: oci.PullOptions{Options: f.reg.options(), Verify: *vo}, State: f.state}
	opts.Publish = func(dir string) (string, error) {
		res, err := publish.Run(dir, root, publish.Options{Verify: vo, Force: f.force, Keep: f.keep})
		if err != nil {
			return "", publishError(err)
		}
		return res.ID, nil
	}
	ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	for {
		rctx, cancel := context.WithTimeout(ctx, f.timeout)
		d, err := oci.SyncOnce(rctx, ref, root, opts)
		cancel()
		if err != nil && ctx.Err() != nil {
			// Stopped (SIGINT, SIGTERM) mid-round: not a decision.
			fmt.Fprintf(cmd.ErrOrStderr(), "%s: sync: stopped during a round; %s keeps serving %s\n", Prog, root, serving(d.Serving))
			if f.once {
				return cli.Exit(cli.ExitFailure, nil)
			}
			return nil
		}
		if werr := logDecision(cmd, d, f.asJSON); werr != nil {
			return werr
		}
		if f.once {
			return ociError(err, "the root keeps its release")
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(f.interval):
		}
	}
}

// logDecision writes one round: a JSON line on stdout, or a line on stderr.
func logDecision(cmd *cobra.Command, d *oci.SyncDecision, asJSON bool) error {
	if asJSON {
		enc := json.NewEncoder(cmd.OutOrStdout())
		enc.SetEscapeHTML(false)
		return enc.Encode(d)
	}
	w := cmd.ErrOrStderr()
	at := d.Time.Format(time.RFC3339)
	switch d.Action {
	case oci.SyncPublished:
		fmt.Fprintf(w, "%s: sync: %s: published %s sequence %d (%s) into %s, publish %s; %s fetched (%d bytes), %d reused (%d bytes)\n",
			Prog, at, d.Name, d.Sequence, d.Digest, d.Root, d.PublishID, count(d.Pull.Fetched, "blob"), d.Pull.FetchedBytes, d.Pull.Reused, d.Pull.ReusedBytes)
	case oci.SyncUnchanged:
		fmt.Fprintf(w, "%s: sync: %s: unchanged: %s names %s, %s serves sequence %d\n", Prog, at, d.Ref, d.Digest, d.Root, d.Serving)
	default:
		fmt.Fprintf(w, "%s: sync: %s: %s: %s; %s keeps serving %s\n", Prog, at, d.Action, cli.StripPrefixes(d.Error), d.Root, serving(d.Serving))
	}
	return nil
}

func serving(seq uint64) string {
	if seq == 0 {
		return "what it had (nothing published by sync yet)"
	}
	return fmt.Sprintf("sequence %d", seq)
}
