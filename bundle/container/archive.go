package container

import (
	"errors"
	"fmt"
	"hash"
	"hash/crc32"
	"io"
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
	one    [1]byte // the byte past the end, here not escaping on its own
	// shortEOF: r is a regular file, whose read returns less than asked
	// only at its end. Each read then asks for one byte past the declared
	// size, and a read that ends the file short of it saves the extra read
	// that would otherwise check the end: a system call per file of a
	// directory.
	shortEOF bool
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
			k, err := io.ReadFull(x.r, x.one[:])
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
		n := x.left
		if x.shortEOF {
			n++
		}
		p = p[:n]
	}
	k, err := x.r.Read(p)
	end := x.shortEOF && err == nil && int64(k) == x.left && k < len(p)
	if int64(k) > x.left {
		// The byte past the end came too: hand out the declared bytes;
		// the next Read finds the file longer.
		k, err = int(x.left), nil
	}
	x.left -= int64(k)
	if x.crc != nil {
		x.crc.Write(p[:k])
	}
	if end {
		x.closed = true // asked for one byte more than was left, and got none of it
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
}

// runItems calls fn for every item, in order with one worker; with more, the
// calls overlap but the outcome is the sequential one (see WalkParallel).
func runItems(items []item, workers int, fn WalkFunc) error {
	return runEach(len(items), workers, func(i int) error { return runItem(items[i], fn) })
}

// runEach calls run(0) … run(n-1), in order with one worker; with more,
// the calls overlap, none starts after one that failed before it, and the
// error returned is the one of the first index that failed.
func runEach(n, workers int, run func(i int) error) error {
	if workers <= 1 || n < 2 {
		for i := range n {
			if err := run(i); err != nil {
				return err
			}
		}
		return nil
	}
	var (
		mu      sync.Mutex
		next    int
		failAt  = n
		failErr error
		wg      sync.WaitGroup
	)
	for range min(workers, n) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				mu.Lock()
				i := next
				next++
				stop := i >= n || i > failAt
				mu.Unlock()
				if stop {
					return
				}
				if err := run(i); err != nil {
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
	r, closeFn, err := it.open()
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
