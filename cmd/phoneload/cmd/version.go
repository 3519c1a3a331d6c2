package cmd

import (
	"github.com/spf13/cobra"

	"github.com/phoneload/phoneload/internal/cli"
)

// versionFlags are the flags of version.
type versionFlags struct {
	asJSON, short bool
}

// NewCmdVersion returns `phoneload version`.
func NewCmdVersion() *cobra.Command {
	var f versionFlags
	c := &cobra.Command{
		Use:   "version [--json | --short]",
		Short: "Print the version, commit, build date and Go version of this binary",
		Long: `version prints what this binary is: its release version (set by make build
and release builds from git describe), the module version the Go toolchain
recorded, the commit it was built from, the commit's date, whether the
checkout had uncommitted changes, the Go version and the platform. All but the
release version are read from the binary's own build information
(runtime/debug.ReadBuildInfo: vcs.revision, vcs.time, vcs.modified); a detail
the build did not record is printed as unknown, never guessed.

phoneload --version prints the same text. --json prints it as a JSON document
(schema phoneload.version/v1, docs/version.schema.json); --short only the
version.`,
		Example: `  phoneload version
  phoneload version --short
  phoneload version --json | jq -r .commit`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runVersion(cmd, &f, args)
		},
	}
	c.Flags().BoolVar(&f.asJSON, "json", false, "print the build information as JSON (docs/version.schema.json)")
	c.Flags().BoolVar(&f.short, "short", false, "print only the version")
	return c
}

func runVersion(cmd *cobra.Command, f *versionFlags, args []string) error {
	if f.asJSON && f.short {
		return cli.Usage("--json and --short exclude each other")
	}
	b := cli.ReadBuildInfo(Prog, Version)
	switch {
	case f.asJSON:
		return cli.WriteJSON(cmd.OutOrStdout(), b)
	case f.short:
		_, err := cmd.OutOrStdout().Write([]byte(b.Version + "\n"))
		return err
	}
	cli.WriteVersion(cmd.OutOrStdout(), b)
	return nil
}
