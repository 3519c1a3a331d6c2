package cmd

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/phoneload/phoneload/internal/atomicfile"
	"github.com/phoneload/phoneload/internal/cli"
)

// outputFlags are --verbose and --quiet, shared by the commands whose human
// output lists phones or files (check, inspect, verify, probe, publish,
// rollback, simulate, log, plan, history): Normal output summarises long
// lists (cli.Names).
type outputFlags struct{ verbose, quiet bool }

func addOutputFlags(f *pflag.FlagSet) *outputFlags {
	o := &outputFlags{}
	f.BoolVar(&o.verbose, "verbose", false, "list every phone and file instead of counts and the first few names")
	f.BoolVarP(&o.quiet, "quiet", "q", false, "print nothing on stdout: the exit code says it all (errors still go to stderr)")
	return o
}

// verbosity returns the chosen verbosity; --verbose with --quiet is a
// usage error.
func (o *outputFlags) verbosity() (cli.Verbosity, error) {
	switch {
	case o.verbose && o.quiet:
		return cli.Normal, cli.Usage("--verbose and --quiet cannot be used together")
	case o.quiet:
		return cli.Quiet, nil
	case o.verbose:
		return cli.Verbose, nil
	}
	return cli.Normal, nil
}

// stdout is where the command's data goes: nowhere with --quiet.
func (o *outputFlags) stdout(cmd *cobra.Command) io.Writer {
	if o.quiet {
		return io.Discard
	}
	return cmd.OutOrStdout()
}

// writeOutput writes what fn produces to stdout, or with file set (an
// --output FILE) to FILE atomically: a temp file beside it renamed into
// place, so a failed run leaves no partial report ("-" is stdout).
func writeOutput(stdout io.Writer, file string, fn func(io.Writer) error) error {
	if file == "" || file == "-" {
		return fn(stdout)
	}
	err := atomicfile.Write(file, 0o644, fn)
	if err == nil {
		return nil
	}
	if errors.Is(err, fs.ErrNotExist) {
		if _, serr := os.Stat(filepath.Dir(file)); serr != nil {
			return cli.Hint(fmt.Errorf("--output %s: directory %s does not exist", file, filepath.Dir(file)), "create it first, or name a file in an existing directory")
		}
	}
	return fmt.Errorf("--output %s: %w", file, err)
}
