package container

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"hash"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/phoneload/phoneload/internal/atomicfile"
)

// ErrNotEmpty refuses to unpack over a directory that holds files, unless
// UnpackOptions.Force says to replace it.
var ErrNotEmpty = errors.New("bundle: destination is not empty")

// UnpackOptions controls Unpack.
type UnpackOptions struct {
	// Force replaces a non-empty destination. The old directory is swapped
	// out whole and removed, never merged with the new files.
	Force bool
	// Limits for the source container; zero fields mean DefaultLimits.
	Limits Limits
	// OnFile, if set, is called after each file is written, with the
	// SHA-256 of its content.
	OnFile func(e Entry, sha256 [32]byte)
	// Context, if set, stops the extraction when done (an interrupt): the
	// staging directory is removed and dst is untouched, as for any error.
	Context context.Context
}

// Unpack extracts the container at src (anything Walk reads) into the
// directory dst, all or nothing: files are written into a staging directory
// next to dst, synced, and the staging directory is renamed into place. On
// any error (an unsafe container included) the staging directory is removed
// and dst is untouched.
//
// dst may be absent or an empty directory; a directory with entries is
// refused with ErrNotEmpty unless opts.Force. Files get mode 0644, or 0755
// when the container marks them executable (no setuid, setgid, sticky or
// group/world write), and keep their modification times. Directories get
// 0755.
func Unpack(src, dst string, opts UnpackOptions) error {
	dst = filepath.Clean(dst)
	if err := checkDestination(src, dst, opts.Force); err != nil {
		return err
	}
	parent, base := filepath.Split(dst)
	if parent == "" {
		parent = "."
	}
	staging, err := os.MkdirTemp(parent, "."+base+".unpack-")
	if err != nil {
		return fmt.Errorf("bundle: %w", err)
	}
	done := false
	defer func() {
		if !done {
			os.RemoveAll(staging)
		}
	}()
	if err := extract(src, staging, opts); err != nil {
		return err
	}
	if err := os.Chmod(staging, 0o755); err != nil {
		return fmt.Errorf("bundle: %w", err)
	}
	if err := swapInto(staging, dst, opts.Force); err != nil {
		return err
	}
	done = true
	return atomicfile.SyncDir(parent)
}

// checkDestination refuses a destination that is not a directory, is not
// empty (without force), or would destroy the source.
func checkDestination(src, dst string, force bool) error {
	realSrc, err := realPath(src)
	if err != nil {
		return fmt.Errorf("bundle: %w", err)
	}
	realDst, err := realPath(filepath.Dir(dst))
	if err != nil {
		return fmt.Errorf("bundle: %w", err)
	}
	realDst = filepath.Join(realDst, filepath.Base(dst))
	if within(realDst, realSrc) || within(realSrc, realDst) {
		return fmt.Errorf("bundle: %s: source and destination overlap", dst)
	}
	if _, err := os.Stat(filepath.Dir(dst)); err != nil {
		return fmt.Errorf("bundle: %s: %w", dst, err) // the staging directory goes there
	}
	fi, err := os.Lstat(dst)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("bundle: %w", err)
	}
	if fi.Mode()&fs.ModeSymlink != 0 {
		return fmt.Errorf("bundle: %s: destination is a symbolic link", dst)
	}
	if !fi.IsDir() {
		return fmt.Errorf("bundle: %s: destination exists and is not a directory", dst)
	}
	if force {
		return nil
	}
	d, err := os.Open(dst)
	if err != nil {
		return fmt.Errorf("bundle: %w", err)
	}
	defer d.Close()
	if names, _ := d.Readdirnames(1); len(names) > 0 {
		return fmt.Errorf("%w: %s", ErrNotEmpty, dst)
	}
	return nil
}

// realPath is p made absolute with symlinks resolved where it exists.
func realPath(p string) (string, error) {
	if r, err := filepath.EvalSymlinks(p); err == nil {
		p = r
	}
	return filepath.Abs(p)
}

// within reports whether p is dir or lies inside it.
func within(p, dir string) bool {
	rel, err := filepath.Rel(dir, p)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator))
}

// extract writes every file of src under staging, through an os.Root so
// that no name can lead outside it even if a check upstream were wrong.
func extract(src, staging string, opts UnpackOptions) error {
	root, err := os.OpenRoot(staging)
	if err != nil {
		return fmt.Errorf("bundle: %w", err)
	}
	defer root.Close()
	dirs := map[string]bool{".": true}
	var sum hash.Hash
	if opts.OnFile != nil {
		sum = sha256.New()
	}
	ctx := opts.Context
	if ctx == nil {
		ctx = context.Background()
	}
	err = Walk(src, opts.Limits, func(e Entry, r io.Reader) error {
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("bundle: %s: unpack stopped: %w", src, err)
		}
		r = ctxReader{ctx, src, r}
		if d := path.Dir(e.Name); !dirs[d] {
			if err := root.MkdirAll(d, 0o755); err != nil {
				return fmt.Errorf("bundle: %w", err)
			}
			for ; !dirs[d]; d = path.Dir(d) {
				dirs[d] = true
			}
		}
		f, err := root.OpenFile(e.Name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if err != nil {
			return fmt.Errorf("bundle: %w", err)
		}
		defer f.Close()
		var w io.Writer = f
		if sum != nil {
			sum.Reset()
			w = io.MultiWriter(f, sum)
		}
		if _, err := io.Copy(w, r); err != nil {
			return err
		}
		mode := fs.FileMode(0o644)
		if e.Mode&0o111 != 0 {
			mode = 0o755
		}
		if err := f.Chmod(mode); err != nil {
			return fmt.Errorf("bundle: %w", err)
		}
		if err := f.Sync(); err != nil {
			return fmt.Errorf("bundle: %w", err)
		}
		if err := f.Close(); err != nil {
			return fmt.Errorf("bundle: %w", err)
		}
		if !e.ModTime.IsZero() {
			if err := root.Chtimes(e.Name, e.ModTime, e.ModTime); err != nil {
				return fmt.Errorf("bundle: %w", err)
			}
		}
		if opts.OnFile != nil {
			var s [32]byte
			copy(s[:], sum.Sum(nil))
			opts.OnFile(e, s)
		}
		return nil
	})
	if err != nil {
		return err
	}
	for d := range dirs {
		if err := atomicfile.SyncDir(filepath.Join(staging, filepath.FromSlash(d))); err != nil {
			return fmt.Errorf("bundle: %w", err)
		}
	}
	return nil
}

// swapInto puts the staging directory at dst. An absent dst is created by
// one rename. An existing dst is exchanged with staging atomically where the
// system can (Linux renameat2), so that dst is never missing, and the old
// tree is then removed; without force only an empty dst is replaced (Go's
// os.Rename will not rename over a directory, and removing an empty one is
// the atomic emptiness check), so a dst that filled up since it was checked
// is refused, not replaced.
func swapInto(staging, dst string, force bool) error {
	if _, err := os.Lstat(dst); errors.Is(err, fs.ErrNotExist) {
		if err := os.Rename(staging, dst); err != nil {
			return fmt.Errorf("bundle: %w", err)
		}
		return nil
	}
	if !force {
		if err := os.Remove(dst); err != nil {
			return fmt.Errorf("%w: %s", ErrNotEmpty, dst)
		}
		if err := os.Rename(staging, dst); err != nil {
			return fmt.Errorf("bundle: %w", err)
		}
		return nil
	}
	if err := exchange(staging, dst); err != nil {
		return fmt.Errorf("bundle: %s: %w", dst, err)
	}
	// staging now holds the old tree.
	if err := os.RemoveAll(staging); err != nil {
		return fmt.Errorf("bundle: removing the old %s: %w", dst, err)
	}
	return nil
}

// ctxReader stops a long copy when its context is done.
type ctxReader struct {
	ctx context.Context
	src string
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, fmt.Errorf("bundle: %s: unpack stopped: %w", c.src, err)
	}
	return c.r.Read(p)
}

// exchangeByRenames swaps a and b with three renames; b is missing for a
// moment, and is restored if the second rename fails.
func exchangeByRenames(a, b string) error {
	tmp := a + ".old"
	if err := os.Rename(b, tmp); err != nil {
		return err
	}
	if err := os.Rename(a, b); err != nil {
		os.Rename(tmp, b)
		return err
	}
	return os.Rename(tmp, a)
}
