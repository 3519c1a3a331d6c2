package container

import (
	"errors"
	"fmt"
	"hash"
	"hash/crc32"
	"io"
	"os"
	"sync"
)

// exactReader yields exactly size bytes of r: it fails with ErrTooLarge when
// r holds more (found by asking for one byte past the end, the
// io.LimitedReader{N: declared+1} idiom) and with ErrTruncated when it holds
// fewer. With a crc it also checks the CRC-32 once the last byte is read.
type exactReader struct {
	r      io.Reader
	left   int64
	size   int64
	crc    hash.Hash32 // nil: no checksum to verify
	want   uint32
	path   string
	name   string
	err    error // sticky
	closed bool
}

func newExactReader(path, name string, r io.Reader, size int64) *exactReader {
	return &exactReader{r: r, left: size, size: size, path: path, name: name}
}

func (x *exactReader) withCRC(want uint32) *exactReader {
	x.crc = crc32.NewIEEE()
	x.want = want
	return x
}

func (x *exactReader) fail(sentinel error, format string, args ...any) error {
	x.err = &EntryError{Path: x.path, Entry: x.name, Err: sentinel, Detail: fmt.Sprintf(format, args...)}
	return x.err
}

func (x *exactReader) Read(p []byte) (int, error) {
	if x.err != nil {
		return 0, x.err
	}
	if x.left == 0 {
		if !x.closed {
			var one [1]byte
			k, err := io.ReadFull(x.r, one[:])
			if k > 0 {
				return 0, x.fail(ErrTooLarge, "longer than its declared %d bytes", x.size)
			}
			if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, io.ErrUnexpectedEOF) {
				return 0, x.fail(ErrFormat, "%v", err)
			}
			if x.crc != nil && x.crc.Sum32() != x.want {
				return 0, x.fail(ErrChecksum, "CRC-32 %08x, archive says %08x", x.crc.Sum32(), x.want)
			}
			x.closed = true
		}
		return 0, io.EOF
	}
	if len(p) == 0 {
		return 0, nil
	}
	if int64(len(p)) > x.left {
		p = p[:x.left]
	}
	k, err := x.r.Read(p)
	x.left -= int64(k)
	if x.crc != nil {
		x.crc.Write(p[:k])
	}
	switch {
	case err == nil || (errors.Is(err, io.EOF) && x.left == 0):
		return k, nil
	case errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF):
		return k, x.fail(ErrTruncated, "%d bytes, %d declared", x.size-x.left, x.size)
	case isEntryError(err):
		x.err = err
		return k, err
	default:
		return k, x.fail(ErrFormat, "%v", err)
	}
}

func isEntryError(err error) bool {
	var e *EntryError
	return errors.As(err, &e)
}

// budget counts entries and bytes against Limits as entries are declared.
type budget struct {
	lim     Limits
	entries int
	total   int64
}

// entry accounts for one more entry of any kind (directories and tar
// headers too: each costs memory for its name, and a compressed stream of
// empty directory headers is cheap to make).
func (b *budget) entry(path string) error {
	b.entries++
	if b.entries > b.lim.MaxFiles {
		return &EntryError{Path: path, Err: ErrTooMany, Detail: fmt.Sprintf("more than %d entries (Limits.MaxFiles)", b.lim.MaxFiles)}
	}
	return nil
}

// take accounts for the declared size of one more file.
func (b *budget) take(path, name string, size int64) error {
	if size < 0 {
		return &EntryError{Path: path, Entry: name, Err: ErrFormat, Detail: fmt.Sprintf("negative size %d", size)}
	}
	if size > b.lim.MaxFileSize {
		return &EntryError{Path: path, Entry: name, Err: ErrTooLarge, Detail: fmt.Sprintf("%d bytes, over Limits.MaxFileSize %d", size, b.lim.MaxFileSize)}
	}
	if size > b.lim.MaxTotalSize-b.total {
		return &EntryError{Path: path, Entry: name, Err: ErrTooLarge, Detail: fmt.Sprintf("files total more than Limits.MaxTotalSize %d", b.lim.MaxTotalSize)}
	}
	b.total += size
	return nil
}

// item is one file of a random-access container, checked and ready to open.
type item struct {
	e    Entry
	open func() (io.Reader, func() error, error) // reader and its close
	// dir, when set, opens e from a directory instead of open: one
	// pointer shared by every item, not a closure per file (a root of a
	// million files listed before it is read; issue 16).
	dir *dirSource
}

// dirSource is the directory items are opened from.
type dirSource struct {
	root *os.Root
	path string
}

// runItems calls fn for every item, in order with one worker; with more, the
// calls overlap but the outcome is the sequential one (see WalkParallel).
func runItems(items []item, workers int, fn WalkFunc) error {
	if workers <= 1 || len(items) < 2 {
		for _, it := range items {
			if err := runItem(it, fn); err != nil {
				return err
			}
		}
		return nil
	}
	var (
		mu      sync.Mutex
		next    int
		failAt  = len(items)
		failErr error
		wg      sync.WaitGroup
	)
	for range min(workers, len(items)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				mu.Lock()
				i := next
				next++
				stop := i >= len(items) || i > failAt
				mu.Unlock()
				if stop {
					return
				}
				if err := runItem(items[i], fn); err != nil {
					mu.Lock()
					if i < failAt {
						failAt, failErr = i, err
					}
					mu.Unlock()
				}
			}
		}()
	}
	wg.Wait()
	return failErr
}

func runItem(it item, fn WalkFunc) error {
	var (
		r       io.Reader
		closeFn func() error
		err     error
	)
	if it.dir != nil {
		r, closeFn, err = openListed(it.dir.root, it.dir.path, it.e)
	} else {
		r, closeFn, err = it.open()
	}
	if err != nil {
		return err
	}
	defer closeFn()
	return callFn(it.e, r, fn)
}

// callFn passes r to fn, then reads what fn left so that the size and
// checksum checks run whatever fn did.
func callFn(e Entry, r io.Reader, fn WalkFunc) error {
	if err := fn(e, r); err != nil {
		return err
	}
	_, err := io.Copy(io.Discard, r)
	return err
}
