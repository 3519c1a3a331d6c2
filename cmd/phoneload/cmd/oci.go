package cmd

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/phoneload/phoneload/bundle"
	"github.com/phoneload/phoneload/bundle/oci"
	"github.com/phoneload/phoneload/internal/cli"
)

// registryFlags say how to reach a registry: push, pull, publish and sync.
type registryFlags struct {
	plainHTTP bool
	caFile    string
	config    string
}

func (r *registryFlags) register(cmd *cobra.Command) {
	f := cmd.Flags()
	f.BoolVar(&r.plainHTTP, "plain-http", false, "talk HTTP, not HTTPS (loopback registries only)")
	f.StringVar(&r.caFile, "ca-file", "", "also trust the TLS certificates in PEM `FILE` (a private registry)")
	f.StringVar(&r.config, "registry-config", "", "take credentials from this docker config.json `FILE` (default: docker's, then podman's)")
}

func (r *registryFlags) options() oci.Options {
	return oci.Options{PlainHTTP: r.plainHTTP, CAFile: r.caFile, RegistryConfig: r.config}
}

// parseRef parses an oci:// or oci-layout: argument as a usage error.
func parseRef(s string, plainHTTP bool) (oci.Ref, error) {
	ref, err := oci.ParseRef(s)
	if err != nil {
		return ref, cli.Usage("%v", err)
	}
	if plainHTTP && !ref.IsLayout() && !ref.IsLoopback() {
		return ref, cli.Hint(cli.Exit(cli.ExitUsage, oci.ErrPlainHTTP), "drop --plain-http; for a self-signed certificate pass --ca-file")
	}
	return ref, nil
}

// ociError gives an error of push, pull or sync its exit code and a hint.
func ociError(err error, nothing string) error {
	var ce *cli.Error
	switch {
	case err == nil:
		return nil
	case errors.As(err, &ce):
		return err
	case errors.As(err, new(*bundle.VerifyError)):
		return verifyFailure(err, nothing)
	case errors.Is(err, bundle.ErrSignature), errors.Is(err, bundle.ErrContent), errors.Is(err, bundle.ErrPolicy):
		return cli.Hint(cli.Exit(verifyExitCode(err), err), "%s", nothing)
	case errors.Is(err, oci.ErrAuth):
		return cli.Hint(err, "%s; log in as docker or podman would (docker login HOST), or pass --registry-config FILE", nothing)
	case errors.Is(err, oci.ErrRef), errors.Is(err, oci.ErrPlainHTTP):
		return cli.Exit(cli.ExitUsage, err)
	}
	return cli.Hint(err, "%s", nothing)
}

// count is "1 file", "2 files".
func count(n int, what string) string { return fmt.Sprintf("%d %s", n, plural(n, what)) }

// pullForPublish pulls and verifies the bundle at ref beside root (on the
// root's file system when its parent is writable) for publish; done
// removes it.
func pullForPublish(cmd *cobra.Command, arg, root string, trust *trustFlags, reg *registryFlags) (string, func(), error) {
	ref, err := parseRef(arg, reg.plainHTTP)
	if err != nil {
		return "", nil, err
	}
	vo, err := trust.verifyOptions()
	if err != nil {
		return "", nil, err
	}
	if fi, err := os.Stat(root); err != nil || !fi.IsDir() {
		return "", nil, fmt.Errorf("bundle: publish: %s: not a directory", root)
	}
	parent := filepath.Dir(filepath.Clean(root))
	if f, err := os.CreateTemp(parent, ".phoneload-probe-"); err != nil {
		parent = os.TempDir()
	} else {
		f.Close()
		os.Remove(f.Name())
	}
	bar := cli.NewProgress(cmd.ErrOrStderr(), "pull", 0)
	dir, res, err := oci.Fetch(cmd.Context(), ref, parent, oci.PullOptions{Options: reg.options(), Verify: *vo, Reuse: []string{root}, Progress: bar.Add})
	bar.Done()
	if err != nil {
		return "", nil, ociError(err, "nothing was published")
	}
	fmt.Fprintf(cmd.ErrOrStderr(), "%s: pulled %s (sequence %d) from %s@%s: %s fetched (%d bytes), %d reused from %s\n", Prog,
		res.Name, res.Sequence, res.Ref, res.Digest, count(res.Fetched, "blob"), res.FetchedBytes, res.Reused, root)
	return dir, func() { os.RemoveAll(dir) }, nil
}
