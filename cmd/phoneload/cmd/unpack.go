package cmd

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"sort"
	"syscall"
	"time"

	"github.com/phoneload/phoneload/bundle/container"

	"github.com/spf13/cobra"

	"github.com/phoneload/phoneload/internal/cli"
)

// unpackJSON is the --json output of unpack (documented in docs/containers.md).
type unpackJSON struct {
	Source      string           `json:"source"`
	Container   string           `json:"container"`
	Destination string           `json:"destination"`
	Files       []unpackJSONFile `json:"files"`
	FileCount   int              `json:"file_count"`
	TotalSize   int64            `json:"total_size"`
}

type unpackJSONFile struct {
	Name    string    `json:"name"`
	Size    int64     `json:"size"`
	Mode    string    `json:"mode"`
	ModTime time.Time `json:"mtime"`
	SHA256  string    `json:"sha256"`
}

// unpackFlags are the flags of unpack.
type unpackFlags struct {
	force, asJSON bool
	limits        *limitFlags
}

// NewCmdUnpack returns the unpack command.
func NewCmdUnpack() *cobra.Command {
	var f unpackFlags
	cmd := &cobra.Command{
		Use:   "unpack [--force] [--json] SOURCE DIR",
		Short: "Extract a firmware drop safely and atomically",
		Long: `unpack extracts a drop (a zip as Cisco ships it, a tar, a tar.gz, a tar
inside a zip, or a directory) into DIR, all or nothing.

The container is checked as it is read: absolute names, "..", backslashes,
links, devices, duplicate names, names that differ only in case, encrypted
entries, sizes over their declaration or the limits, and CRC mismatches are
refused with the entry named. Files go to a staging directory next to DIR
that is renamed into place only when everything was written and synced; on
any error it is removed and DIR is left as it was.

DIR must be absent or empty; --force replaces a non-empty DIR as a whole
(never merged). Files get mode 0644 (0755 if executable in the container)
and keep their modification times. SOURCE "-" reads the container from
stdin (spooled to a hidden file next to DIR: a zip is read from its end).

Exit codes: 0 unpacked, 1 refused or failed (DIR untouched), 2 usage.`,
		Example: `  # Extract a Cisco zip into a new directory
  phoneload unpack cmterm-7940-7960-sip.8-12-00.zip drop/

  # Replace an earlier extraction, and list what was written as JSON
  phoneload unpack --force --json drop.zip drop/ > unpacked.json

  # Straight from a download
  curl -fsS https://files.example.com/drop.tar.gz | phoneload unpack - drop/`,
		Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runUnpack(cmd, &f, args[0], args[1])
		},
	}
	cmd.Flags().BoolVar(&f.force, "force", false, "replace DIR if it is not empty")
	cmd.Flags().BoolVar(&f.asJSON, "json", false, "write what was unpacked as JSON to stdout")
	f.limits = addLimitFlags(cmd.Flags())
	return cmd
}

func runUnpack(cmd *cobra.Command, f *unpackFlags, src, dst string) (err error) {
	path := src
	if src == "-" {
		if path, err = spoolStdin(cmd.InOrStdin(), dst, f.limits.Limits()); err != nil {
			return err
		}
		defer os.Remove(path)
		// Messages name the container "-", not the spool file.
		defer func() {
			var ee *container.EntryError
			if errors.As(err, &ee) && ee.Path == path {
				ee.Path = "-"
			}
		}()
	}
	kind, err := container.DetectContainerLimits(path, f.limits.Limits())
	if err != nil {
		return limitHint(err)
	}
	out := unpackJSON{Source: src, Container: kind, Destination: dst, Files: []unpackJSONFile{}}
	bar := cli.NewProgress(cmd.ErrOrStderr(), "unpack", 0)
	// An interrupt removes the staging directory instead of leaving it.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	err = container.Unpack(path, dst, container.UnpackOptions{
		Context: ctx,
		Force:   f.force,
		Limits:  f.limits.Limits(),
		OnFile: func(e container.Entry, sum [32]byte) {
			mode := "0644"
			if e.Mode&0o111 != 0 {
				mode = "0755"
			}
			out.Files = append(out.Files, unpackJSONFile{e.Name, e.Size, mode, e.ModTime.UTC(), hex.EncodeToString(sum[:])})
			out.TotalSize += e.Size
			bar.Add(e.Size)
		},
	})
	bar.Done()
	if errors.Is(err, container.ErrNotEmpty) {
		return cli.Hint(err, "use --force to replace %s, or choose an empty directory", dst)
	}
	// The limits are named after bundle.Limits' fields; say which
	// flag sets each (a size lie, "longer than its declared", is no
	// limit and gets no hint).
	if err != nil {
		return limitHint(err)
	}
	sort.Slice(out.Files, func(i, j int) bool { return out.Files[i].Name < out.Files[j].Name })
	out.FileCount = len(out.Files)
	if f.asJSON {
		return cli.WriteJSON(cmd.OutOrStdout(), out)
	}
	_, err = fmt.Fprintf(cmd.OutOrStdout(), "unpacked %d files (%s) from %s into %s\n", out.FileCount, cli.HumanBytes(out.TotalSize), src, dst)
	return err
}

// spoolStdin copies stdin to a hidden temporary file beside dst (a zip is
// read from its end, so a stream must be stored first), refusing more than
// the limits allow a container to hold.
func spoolStdin(r io.Reader, dst string, lim container.Limits) (string, error) {
	max := lim.MaxTotalSize
	if max <= 0 {
		max = container.DefaultLimits.MaxTotalSize
	}
	max += 64 << 20 // archive headers around the files
	f, err := os.CreateTemp(filepath.Dir(filepath.Clean(dst)), "."+filepath.Base(dst)+".stdin-")
	if err != nil {
		return "", err
	}
	n, err := io.Copy(f, io.LimitReader(r, max+1))
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil && n > max {
		err = &container.EntryError{Path: "-", Err: container.ErrTooLarge, Detail: fmt.Sprintf("more than %d bytes on stdin", max)}
	}
	if err != nil {
		os.Remove(f.Name())
		return "", err
	}
	return f.Name(), nil
}
