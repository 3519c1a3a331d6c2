package container

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"time"
)

// Entry is one regular file of a container.
//
// The names of a directory's files share memory (one arena per walk, in
// chunks of 1 MiB): keeping all of them costs their bytes only, but a
// caller that keeps a few names of a large tree should copy them
// (strings.Clone) rather than keep a chunk alive for each.
type Entry struct {
	Name    string      // slash-separated path relative to the container root
	Size    int64       // size in bytes, as declared by the container
	Mode    fs.FileMode // permission bits only (never setuid, setgid or sticky)
	ModTime time.Time
	// At is where the file lies in a zip or plain tar file, for
	// Reopener.Open to read it again without walking the container: the
	// offset of its central directory record (zip) or of its data (tar).
	// 0 for the files of a directory (read them again by name) and of a
	// tar stream (tar.gz, tar inside a zip), which only a new walk reads.
	At int64
}

// Limits bounds what a container may hold, against zip bombs and runaway
// input. Declared sizes are checked against them before anything is read, and
// actual bytes while reading. A zero (or negative) field means the value of
// DefaultLimits for an archive and of DefaultDirLimits for a directory.
type Limits struct {
	MaxFileSize  int64 // largest single file
	MaxTotalSize int64 // all files together
	MaxFiles     int   // number of files (and, for archives, of entries)
	// MaxRatio caps how many times larger than its compressed bytes an
	// archive entry (or a gzip stream) may expand, once it is over
	// RatioFloor bytes; it does not apply to directories.
	MaxRatio int
	// CaseAliases lets a directory hold names that differ only in case
	// (RINGLIST.XML beside ringlist.xml, kept on purpose for phones that
	// ask for either on a case-sensitive server): readers that judge a
	// root (check, inspect) see them all. Archives always refuse them:
	// unpacked on a case-insensitive disk one would overwrite the other.
	CaseAliases bool
}

// DefaultLimits fit real firmware drops, not an attacker: Cisco's largest
// drops hold a few dozen files and under 100 MB, so an archive of more than
// 1,000 entries, a file over 256 MiB, 512 MiB in all, or an entry that
// expands more than 100 times (firmware barely compresses; text does ~10
// times) is refused unless the caller raises the limit.
var DefaultLimits = Limits{
	MaxFileSize:  256 << 20,
	MaxTotalSize: 512 << 20,
	MaxFiles:     1000,
	MaxRatio:     100,
}

// DefaultDirLimits apply to directories (a TFTP root with a per-phone file
// for each of thousands of phones): their files are on disk already, so
// their size cannot be a bomb.
var DefaultDirLimits = Limits{
	MaxFileSize:  4 << 30,
	MaxTotalSize: 64 << 30,
	MaxFiles:     1 << 20, // as many as a bundle may hold (DefaultBundleLimits)
}

// DefaultBundleLimits fit a signed bundle of a real site, which holds a
// per-phone file for each of up to a million phones besides the firmware:
// as many files (and as large) as DefaultDirLimits allow a directory, with
// the zip-bomb defences of an archive kept. Every entry over RatioFloor
// still may not expand more than MaxRatio times, and a whole zip whose
// files total over ArchiveRatioFloor may not expand more than MaxRatio
// times its own size, so an archive of S bytes can make at most
// max(ArchiveRatioFloor, MaxRatio*S) bytes: the totals are room for a
// large honest bundle, not a multiplier for a small hostile file.
// Callers reading a bundle (verify, publish, probe, push, pull) apply them
// with Limits.Bundle; drops keep DefaultLimits.
var DefaultBundleLimits = Limits{
	MaxFileSize:  4 << 30,
	MaxTotalSize: 64 << 30,
	MaxFiles:     1 << 20,
	MaxRatio:     100,
}

// ArchiveRatioFloor is the total size of a zip's files under which the
// archive-wide ratio (Limits.MaxRatio times the zip's size) is not checked.
const ArchiveRatioFloor = 64 << 20

// RatioFloor is the size under which an entry's compression ratio is not
// checked: a small text file of repeated lines may compress 1,000 times.
const RatioFloor = 1 << 20

// Archive returns l with its zero fields set from DefaultLimits.
func (l Limits) Archive() Limits { return l.or(DefaultLimits) }

// Bundle returns l with its zero fields set from DefaultBundleLimits, for
// a bundle (archive or directory) rather than a firmware drop.
func (l Limits) Bundle() Limits { return l.or(DefaultBundleLimits) }

// Dir returns l with its zero fields set from DefaultDirLimits.
func (l Limits) Dir() Limits { return l.or(DefaultDirLimits) }

func (l Limits) or(d Limits) Limits {
	if l.MaxFileSize <= 0 {
		l.MaxFileSize = d.MaxFileSize
	}
	if l.MaxTotalSize <= 0 {
		l.MaxTotalSize = d.MaxTotalSize
	}
	if l.MaxFiles <= 0 {
		l.MaxFiles = d.MaxFiles
	}
	if l.MaxRatio <= 0 {
		l.MaxRatio = d.MaxRatio
	}
	return l
}

// overRatio reports whether size bytes made from packed compressed bytes
// exceed the ratio cap (0: no cap).
func (l Limits) overRatio(size, packed int64) bool {
	return l.MaxRatio > 0 && size > RatioFloor && size/int64(l.MaxRatio) > packed
}

// WalkFunc is called once per regular file. r yields exactly e.Size bytes and
// fails if the stored data is longer, shorter or corrupt; it is valid only
// until fn returns. fn need not read r to the end: Walk reads and checks what
// is left, so a corrupt entry is reported even when fn stopped early.
type WalkFunc func(e Entry, r io.Reader) error

// Container kinds, as reported by DetectContainer.
const (
	ContainerDir      = "dir"
	ContainerZip      = "zip"
	ContainerTar      = "tar"
	ContainerTarGz    = "tar.gz"
	ContainerTarInZip = "tar-in-zip"
)

// Walk calls fn for every regular file of the container at path: a
// directory, a zip, a tar, a gzip-compressed tar, or a zip holding a single
// tar (or tar.gz). The kind is recognised by content, not by file name.
//
// Every entry is checked before fn sees it, and the whole container is
// checked before fn is first called for directories, zips and plain tars:
// unsafe names, links, special files, duplicate and case-colliding names,
// encrypted entries and sizes over lim are refused with an error wrapping one
// of the Err* sentinels (errors.Is) and naming the entry (an *EntryError).
//
// Order: fn is called in byte-wise name order for directories, zips and plain
// tar files. A compressed tar (tar.gz, or a tar inside a zip) is a stream
// that can only be read front to back, so there fn is called in archive
// order, which is deterministic for a given file, and an unsafe entry late in
// the stream is reported after fn has seen the earlier ones. Callers that
// must not act on a partial container (Unpack) stage their work and discard
// it on error.
//
// Walk stops at the first error, from fn or from the container, and returns
// it.
func Walk(path string, lim Limits, fn WalkFunc) error {
	return walk(path, lim, fn, 1)
}

// WalkParallel is Walk with fn called from up to workers goroutines at once,
// for containers that can be read at random (directories, zips, plain tars);
// a tar stream is walked sequentially as by Walk. Hashing a drop on every
// core is the use; fn must be safe for concurrent use. The order of the calls is not defined, but the result is:
// every file before the first failing one (in name order) is passed to fn,
// and the error returned is the one Walk would return.
func WalkParallel(path string, lim Limits, workers int, fn WalkFunc) error {
	if workers < 1 {
		workers = 1
	}
	return walk(path, lim, fn, workers)
}

// WalkAhead is Walk, fn called in the same order on the calling goroutine,
// where other goroutines (two to four) open a directory's files ahead of
// fn and read the small ones (up to 64 KiB) whole, in batches of 64, at
// most 8 batches ahead: walking a
// root of many small files then costs the larger of its system calls and
// what fn does, not their sum. A file is read when its batch is, so one
// changed after that is seen as it was then (as by Walk, had it changed
// just after fn). Other containers are walked as by Walk.
func WalkAhead(path string, lim Limits, fn WalkFunc) error {
	return walk(path, lim, fn, 0)
}

func walk(path string, lim Limits, fn WalkFunc, workers int) error {
	fi, err := os.Stat(path)
	if err != nil {
		return fmt.Errorf("bundle: %w", err)
	}
	if fi.IsDir() {
		return walkDir(path, lim.Dir(), fn, workers)
	}
	if !fi.Mode().IsRegular() {
		return &EntryError{Path: path, Err: ErrFormat, Detail: "not a directory or a regular file"}
	}
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("bundle: %w", err)
	}
	defer f.Close()
	kind, err := sniff(f, fi.Size())
	if err != nil {
		return &EntryError{Path: path, Err: ErrFormat, Detail: err.Error()}
	}
	lim = lim.Archive()
	switch kind {
	case ContainerZip:
		return walkZip(path, f, fi.Size(), lim, fn, workers)
	case ContainerTar:
		return walkTarFile(path, f, fi.Size(), lim, fn, workers)
	default: // ContainerTarGz
		return walkTarGz(path, f, lim, fn)
	}
}

// DetectContainer reports the kind of container at path (one of the
// Container* constants) without checking its entries. A zip declaring
// more than DefaultLimits.MaxFiles entries is refused (ErrTooMany), before
// any record is read: DetectContainerLimits admits the entries lim does.
func DetectContainer(path string) (string, error) {
	return DetectContainerLimits(path, DefaultLimits)
}

// DetectContainerLimits is DetectContainer for a zip of as many entries as
// lim.Archive() admits (telling a zip from a tar-in-zip reads the central
// directory, in constant memory).
func DetectContainerLimits(path string, lim Limits) (string, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return "", fmt.Errorf("bundle: %w", err)
	}
	if fi.IsDir() {
		return ContainerDir, nil
	}
	f, err := os.Open(path)
	if err != nil {
		return "", fmt.Errorf("bundle: %w", err)
	}
	defer f.Close()
	kind, err := sniff(f, fi.Size())
	if err != nil {
		return "", &EntryError{Path: path, Err: ErrFormat, Detail: err.Error()}
	}
	if kind == ContainerZip {
		d, err := OpenZipDir(path, f, fi.Size(), lim.Archive().MaxFiles)
		if err != nil {
			return "", err
		}
		if _, ok, err := innerTar(d); err != nil {
			return "", err
		} else if ok {
			return ContainerTarInZip, nil
		}
	}
	return kind, nil
}

// sniff recognises a container by its first bytes.
func sniff(r io.ReaderAt, size int64) (string, error) {
	var b [tarBlock]byte
	n, err := r.ReadAt(b[:], 0)
	if err != nil && !errors.Is(err, io.EOF) {
		return "", err
	}
	h := b[:n]
	switch {
	case bytes.HasPrefix(h, []byte("PK\x03\x04")), bytes.HasPrefix(h, []byte("PK\x05\x06")):
		return ContainerZip, nil
	case bytes.HasPrefix(h, []byte{0x1f, 0x8b}):
		return ContainerTarGz, nil
	case n == tarBlock && isTarHeader(h):
		return ContainerTar, nil
	}
	if size == 0 {
		return "", errors.New("empty file, not a zip or tar")
	}
	return "", errors.New("not a directory, zip or tar")
}
