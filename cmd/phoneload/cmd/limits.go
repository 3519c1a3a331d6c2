package cmd

import (
	"errors"
	"strings"

	"github.com/spf13/pflag"

	"github.com/phoneload/phoneload/bundle/container"
	"github.com/phoneload/phoneload/internal/cli"
)

// limitFlags are the --max-* flags of every command that reads archives.
// For drops and sources (inspect, unpack, check, pack) their defaults are
// container.DefaultLimits, sized for real drops, and a directory is held to
// container.DefaultDirLimits unless a flag is given; for bundles (verify,
// publish, probe) they are container.DefaultBundleLimits (addBundleLimitFlags),
// sized for a signed bundle of a whole site.
type limitFlags struct {
	lim container.Limits
	fs  *pflag.FlagSet
}

func addLimitFlags(fs *pflag.FlagSet) *limitFlags {
	l := &limitFlags{fs: fs}
	d := container.DefaultLimits
	fs.IntVar(&l.lim.MaxFiles, "max-files", d.MaxFiles, "refuse an archive with more entries (a directory: 1048576)")
	fs.Int64Var(&l.lim.MaxFileSize, "max-file-size", d.MaxFileSize, "refuse a file larger than this many bytes (a directory: 4 GiB)")
	fs.Int64Var(&l.lim.MaxTotalSize, "max-total-size", d.MaxTotalSize, "refuse a container whose files total more bytes (a directory: 64 GiB)")
	fs.IntVar(&l.lim.MaxRatio, "max-ratio", d.MaxRatio, "refuse an archive entry over 1 MiB that expands more than `N` times")
	return l
}

// addBundleLimitFlags is addLimitFlags for the commands that read bundles.
func addBundleLimitFlags(fs *pflag.FlagSet) *limitFlags {
	l := &limitFlags{fs: fs}
	d := container.DefaultBundleLimits
	fs.IntVar(&l.lim.MaxFiles, "max-files", d.MaxFiles, "refuse a bundle with more files")
	fs.Int64Var(&l.lim.MaxFileSize, "max-file-size", d.MaxFileSize, "refuse a file larger than this many bytes")
	fs.Int64Var(&l.lim.MaxTotalSize, "max-total-size", d.MaxTotalSize, "refuse a bundle whose files total more bytes")
	fs.IntVar(&l.lim.MaxRatio, "max-ratio", d.MaxRatio, "refuse a zip entry over 1 MiB, or a zip whose files total over 64 MiB, that expands more than `N` times")
	return l
}

// Limits returns the limits given on the command line; a flag left at its
// default is zero, so that Walk applies the default for the container's
// kind.
func (l *limitFlags) Limits() container.Limits {
	lim := l.lim
	if !l.fs.Changed("max-files") {
		lim.MaxFiles = 0
	}
	if !l.fs.Changed("max-file-size") {
		lim.MaxFileSize = 0
	}
	if !l.fs.Changed("max-total-size") {
		lim.MaxTotalSize = 0
	}
	if !l.fs.Changed("max-ratio") {
		lim.MaxRatio = 0
	}
	return lim
}

// limitHint names the flag behind a limit an error reports (a size lie,
// "longer than its declared", is no limit and gets no hint).
func limitHint(err error) error {
	if (errors.Is(err, container.ErrTooLarge) || errors.Is(err, container.ErrTooMany)) && strings.Contains(err.Error(), "Limits.") {
		return cli.Hint(err, "Limits.MaxFileSize, MaxTotalSize, MaxFiles and MaxRatio are --max-file-size, --max-total-size, --max-files and --max-ratio: raise them only for an archive you trust")
	}
	return err
}
