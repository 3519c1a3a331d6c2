package cmd

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/phoneload/phoneload/bundle/oci"
	"github.com/phoneload/phoneload/internal/cli"
)

// pullFlags are the flags of pull.
type pullFlags struct {
	trust  trustFlags
	reg    registryFlags
	reuse  []string
	asJSON bool
}

// NewCmdPull returns `phoneload pull`.
func NewCmdPull() *cobra.Command {
	var f pullFlags
	cmd := &cobra.Command{
		Use:   "pull --pub FILE oci://HOST[:PORT]/REPO:TAG|oci-layout:DIR:TAG DIR|OUT.zip",
		Short: "Fetch and verify a signed bundle from an OCI registry or image-layout directory",
		Long: `pull fetches a bundle that 'phoneload push' stored and verifies it with the
same trust flags as 'phoneload verify' before anything is written: the
signatures over SHA256SUMS and bundle.json first (expiry, --min-sequence),
before any other blob is fetched; then every blob against the SHA-256 that
SHA256SUMS lists; then the whole bundle. The bundle is staged beside the
output and renamed into place only when everything verified: a tampered,
missing or untrusted file writes nothing, and the error names it.

The output is a directory (which must not exist, or be empty) or a zip
(OUT.zip). --reuse DIR (a live TFTP root, an earlier pull) copies files that
are already there with the right name and SHA-256 instead of fetching them.

Exit codes: 0 pulled, 1 failed (registry, network, credentials), 2 usage,
3 bad or untrusted signature, 4 a blob does not match SHA256SUMS (modified,
missing), 5 refused by policy (expired, sequence below --min-sequence).`,
		Example: `  phoneload pull --pub release.pub oci://registry.example.com/phones/lab:8.12 sip-8.12
  phoneload pull --pub release.pub oci-layout:/media/usb/phones:8.12 sip-8.12.zip
  phoneload pull --pub release.pub --reuse /srv/tftp oci://registry.example.com/phones/lab:8.13 sip-8.13
  phoneload pull --pub release.pub --json oci://registry.example.com/phones/lab@sha256:… out`,
		Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runPull(cmd, &f, args)
		},
	}
	f.trust.register(cmd)
	f.reg.register(cmd)
	cmd.Flags().StringArrayVar(&f.reuse, "reuse", nil, "copy files already in `DIR` (same name and SHA-256) instead of fetching them (repeatable)")
	cmd.Flags().BoolVar(&f.asJSON, "json", false, "print the result as JSON (schema in docs/distribution.md)")
	return cmd
}

func runPull(cmd *cobra.Command, f *pullFlags, args []string) error {
	ref, err := parseRef(args[0], f.reg.plainHTTP)
	if err != nil {
		return err
	}
	vo, err := f.trust.verifyOptions()
	if err != nil {
		return err
	}
	bar := cli.NewProgress(cmd.ErrOrStderr(), "pull", 0)
	res, err := oci.Pull(cmd.Context(), ref, args[1], oci.PullOptions{Options: f.reg.options(), Verify: *vo, Reuse: f.reuse, Progress: bar.Add})
	bar.Done()
	if err != nil {
		if f.asJSON && res != nil {
			if werr := cli.WriteJSON(cmd.OutOrStdout(), res); werr != nil {
				return werr
			}
		}
		return ociError(err, "nothing was written")
	}
	if f.asJSON {
		return cli.WriteJSON(cmd.OutOrStdout(), res)
	}
	fmt.Fprintln(cmd.OutOrStdout(), res.Out)
	fmt.Fprintf(cmd.ErrOrStderr(), "%s: pulled %s (sequence %d) from %s@%s: %s verified; %s fetched (%d bytes), %d reused (%d bytes); %d bytes received\n",
		Prog, res.Name, res.Sequence, res.Ref, res.Digest, count(res.Files, "file"), count(res.Fetched, "blob"), res.FetchedBytes, res.Reused, res.ReusedBytes, res.RecvBytes)
	return nil
}
