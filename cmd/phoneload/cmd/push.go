package cmd

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/phoneload/phoneload/bundle/oci"
	"github.com/phoneload/phoneload/internal/cli"
)

// pushFlags are the flags of push.
type pushFlags struct {
	trust  trustFlags
	reg    registryFlags
	asJSON bool
}

// NewCmdPush returns `phoneload push`.
func NewCmdPush() *cobra.Command {
	var f pushFlags
	cmd := &cobra.Command{
		Use:   "push --pub FILE BUNDLE oci://HOST[:PORT]/REPO:TAG|oci-layout:DIR:TAG",
		Short: "Store a signed bundle in an OCI registry or an OCI image-layout directory",
		Long: `push verifies the bundle (as 'phoneload verify' does, with the same trust
flags) and stores it as an OCI artifact of type application/vnd.phoneload.bundle.v1:
one blob per file, whose digest is the SHA-256 that SHA256SUMS lists, so a
release that changes two configurations uploads two small blobs and not the
firmware again. SHA256SUMS, its signatures and bundle.json travel as blobs
too; annotations carry the name, sequence, expiry and models. The tag moves
last, once every blob is in place. docs/distribution.md has the format.

The target is a registry (oci://HOST[:PORT]/REPO:TAG), reached over TLS with
the credentials docker or podman would use (~/.docker/config.json and its
credential helpers, then podman's auth.json), or an OCI image-layout
directory (oci-layout:DIR:TAG) for a site without network: a USB stick.

Exit codes: 0 pushed, 1 failed (registry, network, credentials), 2 usage,
3 bad or untrusted signature, 4 bundle content does not match SHA256SUMS,
5 refused by policy (expired).`,
		Example: `  phoneload push --pub release.pub sip-8.12.zip oci://registry.example.com/phones/lab:8.12
  phoneload push --pub release.pub --ca-file ca.pem sip-8.12.zip oci://registry.lan:5000/phones/lab:8.12
  phoneload push --pub release.pub sip-8.12.zip oci-layout:/media/usb/phones:8.12
  phoneload push --pub release.pub --json sip-8.12.zip oci://localhost:5000/phones/lab:8.12 --plain-http`,
		Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runPush(cmd, &f, args)
		},
	}
	f.trust.register(cmd)
	f.reg.register(cmd)
	cmd.Flags().BoolVar(&f.asJSON, "json", false, "print the result as JSON (schema in docs/distribution.md)")
	return cmd
}

func runPush(cmd *cobra.Command, f *pushFlags, args []string) error {
	ref, err := parseRef(args[1], f.reg.plainHTTP)
	if err != nil {
		return err
	}
	if ref.Tag == "" {
		return cli.Usage("push needs a tag to move: %s", args[1])
	}
	verify, err := f.trust.verifyOptions()
	if err != nil {
		return err
	}
	bar := cli.NewProgress(cmd.ErrOrStderr(), "push", 0)
	res, err := oci.Push(cmd.Context(), args[0], ref, oci.PushOptions{Options: f.reg.options(), Verify: verify, Progress: bar.Add})
	bar.Done()
	if err != nil {
		return ociError(err, "nothing was pushed; phoneload verify shows the whole report")
	}
	if f.asJSON {
		return cli.WriteJSON(cmd.OutOrStdout(), res)
	}
	fmt.Fprintf(cmd.OutOrStdout(), "%s@%s\n", res.Ref, res.Digest)
	fmt.Fprintf(cmd.ErrOrStderr(), "%s: pushed %s (sequence %d): %s, %s uploaded (%d bytes), %d already there; %d bytes sent\n",
		Prog, res.Name, res.Sequence, count(res.Files, "file"), count(res.Uploaded, "blob"), res.UpBytes, res.Present, res.SentBytes)
	return nil
}
