package container

import (
	"cmp"
	"fmt"
	"io"
	"io/fs"
	"math/bits"
	"os"
	"slices"
	"strings"
	"unsafe"
)

// walkDir walks a directory tree (a drop or a TFTP root). Files are opened
// through an os.Root (or, in the root directory itself, by a single name
// that is not followed if it became a symlink: flatDir), so a directory
// swapped for a symlink while walking cannot lead outside the tree, and
// each opened file is checked to still be the regular file of the size
// that was listed.
//
// The whole tree is listed and checked before fn is first called, in
// memory that stays small for a root of a million files (issue 16): each
// directory is read in batches, every name goes into one shared arena (see
// listing), and what is kept per file is its name's bytes, a 4-byte offset,
// its 8-byte size and a 4-byte slot in the sorted order. Mode and
// modification time are not kept: they are taken from the fstat of the
// open file, which is also what is checked against the listed size.
//
// workers > 1 calls fn from that many goroutines (WalkParallel); workers
// == 0 reads small files ahead of fn on two to four goroutines (WalkAhead).
func walkDir(dir string, lim Limits, fn WalkFunc, workers int) error {
	root, err := os.OpenRoot(dir)
	if err != nil {
		return fmt.Errorf("bundle: %w", err)
	}
	defer root.Close()
	l := &listing{path: dir, root: root, lim: lim}
	if err := l.list(root); err != nil {
		return err
	}
	files, err := l.check()
	if err != nil {
		return err
	}
	flat, err := openFlatDir(root)
	if err != nil {
		return fmt.Errorf("bundle: %s: %w", dir, err)
	}
	defer flat.close()
	open := func(r uint32) (Entry, io.ReadCloser, error) {
		e := Entry{Name: l.name(r), Size: l.size(r)}
		f, ok, err := flat.open(dir, &e)
		if !ok {
			f, err = openListed(root, dir, &e)
		}
		return e, f, err
	}
	if workers == 0 {
		return walkAhead(files, l.size, open, fn)
	}
	return runEach(len(files), workers, func(i int) error {
		e, f, err := open(files[i])
		if err != nil {
			return err
		}
		defer f.Close()
		return callFn(e, f, fn)
	})
}

// Record kinds, kept in place of the size of entries that are not files.
const (
	kindDir = -1 - iota
	kindBad
)

// Sizes of the listing's storage; variables so that tests can make them
// small and cross every boundary with a few files.
var (
	listChunk = 1 << 20 // bytes of names per arena chunk
	listBlock = 1 << 14 // records per block of offsets and sizes
)

// maxListName bounds the length of a listed path (every TFTP request fits
// in a 512-byte packet): it keeps a name inside one arena chunk.
const maxListName = 1<<16 - 1

// listing holds every entry of a directory tree, files and directories, as
// records numbered in the order they were read. The names are in an arena
// of chunks of listChunk bytes: every Entry.Name is a substring of one, so
// a caller that keeps a name keeps a 16-byte header, not an allocation. A record's offset is its name's start in the
// arena (chunk*listChunk + position); it ends where the next record starts,
// or where its chunk ends. Offsets and sizes grow in fixed blocks, so that
// listing makes no garbage to collect: the heap is what is kept.
type listing struct {
	path string
	root *os.Root
	lim  Limits

	// chunks of names: bytes are only ever appended to a chunk, never
	// changed, so a name is a string over them (arenaString)
	chunks [][]byte
	offs   [][]uint32
	sizes  [][]int64
	n      int // records

	dirs  []uint32 // directories still to read
	buf   []byte   // readDir's buffer, for every directory
	total int64    // bytes of the files listed, up to lim.MaxTotalSize+1
	over  bool     // a file over lim.MaxFileSize, or the total over lim.MaxTotalSize
	bad   badEntry // the refused entry first in walk order, if any
	isBad bool
}

// badEntry is an entry refused for its name or type.
type badEntry struct {
	rec  uint32
	name string
	t    fs.FileMode
	why  string // checkName's reason, or "" for a type refusal
}

func (l *listing) off(r uint32) uint32  { return l.offs[r/uint32(listBlock)][r%uint32(listBlock)] }
func (l *listing) size(r uint32) int64  { return l.sizes[r/uint32(listBlock)][r%uint32(listBlock)] }
func (l *listing) chunkOf(o uint32) int { return int(o / uint32(listChunk)) }

// name returns record r's name, in its arena chunk.
func (l *listing) name(r uint32) string {
	o := l.off(r)
	c := l.chunkOf(o)
	start := int(o % uint32(listChunk))
	end := len(l.chunks[c])
	if int(r)+1 < l.n {
		if next := l.off(r + 1); l.chunkOf(next) == c {
			end = int(next % uint32(listChunk))
		}
	}
	return arenaString(l.chunks[c][start:end])
}

// arenaString is b as a string without a copy. Only bytes of the arena are
// passed, which are never written again once appended.
func arenaString(b []byte) string { return unsafe.String(unsafe.SliceData(b), len(b)) }

// add records the entry name (below the directory prefix, "" for the root)
// of type t and, for a regular file, size. It returns the record.
func (l *listing) add(prefix string, name []byte, t fs.FileMode, size int64) (uint32, error) {
	if l.n >= l.lim.MaxFiles || uint64(l.n) >= 1<<32-1 {
		return 0, &EntryError{Path: l.path, Err: ErrTooMany, Detail: fmt.Sprintf("more than %d entries (Limits.MaxFiles)", l.lim.MaxFiles)}
	}
	n := len(name)
	if prefix != "" {
		n += len(prefix) + 1
	}
	if n > maxListName || n > listChunk {
		return 0, &EntryError{Path: l.path, Entry: prefix, Err: ErrUnsafePath, Detail: fmt.Sprintf("holds a name longer than %d bytes", min(maxListName, listChunk))}
	}
	c := len(l.chunks) - 1
	if c < 0 || len(l.chunks[c])+n > listChunk {
		if uint64(c+2)*uint64(listChunk) > 1<<32 {
			return 0, &EntryError{Path: l.path, Err: ErrTooLarge, Detail: "names total more than 4 GiB"}
		}
		l.chunks = append(l.chunks, make([]byte, 0, listChunk))
		c++
	}
	cur := l.chunks[c]
	o := uint32(c)*uint32(listChunk) + uint32(len(cur))
	start := len(cur)
	if prefix != "" {
		cur = append(cur, prefix...)
		cur = append(cur, '/')
	}
	cur = append(cur, name...)
	l.chunks[c] = cur
	full := arenaString(cur[start:])

	r := uint32(l.n)
	if l.n%listBlock == 0 {
		l.offs = append(l.offs, make([]uint32, 0, listBlock))
		l.sizes = append(l.sizes, make([]int64, 0, listBlock))
	}
	b := len(l.offs) - 1
	l.offs[b] = append(l.offs[b], o)
	kind := size
	why := checkName(full)
	switch {
	case why != "" || t&fs.ModeSymlink != 0 || !t.IsRegular() && !t.IsDir():
		kind = kindBad
		if !l.isBad || walkCompare(full, l.bad.name) < 0 {
			l.bad, l.isBad = badEntry{rec: r, name: full, t: t, why: why}, true
		}
	case t.IsDir():
		kind = kindDir
		l.dirs = append(l.dirs, r)
	default:
		if size > l.lim.MaxFileSize || size > l.lim.MaxTotalSize-l.total {
			l.over = true
		} else {
			l.total += size
		}
	}
	l.sizes[b] = append(l.sizes[b], kind)
	l.n++
	return r, nil
}

// list reads the tree: the root, then every directory found, in batches
// (readDir). The order does not matter: check sorts.
func (l *listing) list(root *os.Root) error {
	if err := readDir(root, l.path, ".", &l.buf, func(name []byte, t fs.FileMode, size int64) error {
		_, err := l.add("", name, t, size)
		return err
	}); err != nil {
		return err
	}
	for len(l.dirs) > 0 {
		d := l.dirs[len(l.dirs)-1]
		l.dirs = l.dirs[:len(l.dirs)-1]
		prefix := l.name(d)
		if err := readDir(root, l.path, prefix, &l.buf, func(name []byte, t fs.FileMode, size int64) error {
			_, err := l.add(prefix, name, t, size)
			return err
		}); err != nil {
			return err
		}
	}
	l.dirs, l.buf = nil, nil
	return nil
}

// listBatch is how many entries readDirBatches reads at once.
var listBatch = 1024

// readDirBatches calls add for every entry of the directory rel of root,
// read listBatch entries at a time; only regular files are stat'ed (for
// their size). buf is not used.
func readDirBatches(root *os.Root, dir, rel string, _ *[]byte, add func(name []byte, t fs.FileMode, size int64) error) error {
	f, err := root.Open(rel)
	if err != nil {
		return fmt.Errorf("bundle: %s: %w", dir, err)
	}
	defer f.Close()
	for {
		ents, err := f.ReadDir(listBatch)
		for _, d := range ents {
			t, size := d.Type(), int64(0)
			if t.IsRegular() {
				info, err := d.Info()
				if err != nil {
					return fmt.Errorf("bundle: %s: %w", dir, err)
				}
				t, size = info.Mode().Type(), info.Size()
			}
			if err := add([]byte(d.Name()), t, size); err != nil {
				return err
			}
		}
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fmt.Errorf("bundle: %s: %w", dir, err)
		}
	}
}

// check refuses the tree for the entry fs.WalkDir would have stopped at
// (names and types, case collisions, sizes against the limits; see
// refusal), or returns its files' records in byte-wise name order.
func (l *listing) check() ([]uint32, error) {
	collide := false
	if !l.lim.CaseAliases {
		p, _ := l.firstCollision(nil)
		collide = p >= 0
	}
	if l.isBad || l.over || collide {
		if err := l.refusal(); err != nil {
			return nil, err
		}
	}
	files := make([]uint32, 0, l.n)
	for r := uint32(0); r < uint32(l.n); r++ {
		if l.size(r) >= 0 {
			files = append(files, r)
		}
	}
	slices.SortFunc(files, func(a, b uint32) int { return strings.Compare(l.name(a), l.name(b)) })
	return files, nil
}

// firstCollision finds the names that differ only in case. With order nil
// (records in listing order) it returns a record that collides with an
// other, or -1. With order (records in walk order) it returns the first
// position in order whose name folds to that of an earlier one, or -1,
// and that earlier position in *partner.
//
// It does not build a map of folded names: each record's folded name is
// hashed (with a seed, so that no input can be made to collide) and the
// hash, with the record's position in its low bits, is sorted; only
// neighbours with the same hash are compared.
func (l *listing) firstCollision(order []uint32) (pos, partner int) {
	n := l.n
	rec := func(i int) uint32 { return uint32(i) }
	if order != nil {
		n = len(order)
		rec = func(i int) uint32 { return order[i] }
	}
	shift := bits.Len(uint(n))
	mask := uint64(1)<<shift - 1
	keys := make([]uint64, 0, n)
	var h foldHasher
	for i := range n {
		r := rec(i)
		if l.size(r) == kindBad {
			continue // refused before its name is compared (refusal)
		}
		keys = append(keys, h.sum(l.name(r))<<shift|uint64(i))
	}
	slices.Sort(keys)
	pos, partner = -1, -1
	for i := 0; i < len(keys); {
		j := i + 1
		for j < len(keys) && keys[j]>>shift == keys[i]>>shift {
			j++
		}
		// keys[i:j] share a hash, in position order: each one after the
		// first of its folded name collides with that first.
		for k := i + 1; k < j; k++ {
			kp := int(keys[k] & mask)
			if pos >= 0 && kp >= pos {
				break
			}
			for m := i; m < k; m++ {
				mp := int(keys[m] & mask)
				if a, b := l.name(rec(mp)), l.name(rec(kp)); a != b && foldEqual(a, b) {
					if order == nil {
						return kp, mp
					}
					pos, partner = kp, mp
					break
				}
			}
		}
		i = j
	}
	return pos, partner
}

// refusal returns the error fs.WalkDir would have stopped at: entries in
// walk order (a directory's entries sorted, each directory's files right
// after it) are counted, their names and types checked, their names
// compared in case-folded form with the earlier ones and their sizes added
// up, and the first that fails is named. It is slow only for a tree that
// is refused. (Over Limits.MaxFiles, listing stops at once with ErrTooMany:
// finding an earlier refusal would mean keeping the entries past the
// limit.)
func (l *listing) refusal() error {
	order := make([]uint32, l.n)
	for i := range order {
		order[i] = uint32(i)
	}
	slices.SortFunc(order, func(a, b uint32) int { return walkCompare(l.name(a), l.name(b)) })
	collPos, partner := -1, -1
	if !l.lim.CaseAliases {
		collPos, partner = l.firstCollision(order)
	}
	b := budget{lim: l.lim}
	for p, r := range order {
		name := l.name(r)
		if l.isBad && r == l.bad.rec {
			return l.badError()
		}
		if p == collPos {
			return &EntryError{Path: l.path, Entry: name, Err: ErrCaseCollision, Detail: fmt.Sprintf("%q collides with %q", name, l.name(order[partner]))}
		}
		if s := l.size(r); s >= 0 {
			if err := b.take(l.path, name, s); err != nil {
				return err
			}
		}
	}
	return nil
}

func (l *listing) badError() error {
	e := &EntryError{Path: l.path, Entry: l.bad.name}
	t := l.bad.t
	switch {
	case l.bad.why != "":
		e.Err, e.Detail = ErrUnsafePath, l.bad.why
	case t&fs.ModeSymlink != 0:
		target, _ := l.root.Readlink(l.bad.name)
		e.Err, e.Detail = ErrLink, fmt.Sprintf("symbolic link to %q", target)
	default:
		e.Err, e.Detail = ErrSpecial, typeName(t)
	}
	return e
}

// walkCompare orders names as fs.WalkDir visits them: byte-wise, except
// that "/" sorts before every other byte, since a directory's entries come
// right after it ("a/b" before "a.b", though '.' < '/').
func walkCompare(a, b string) int {
	n := min(len(a), len(b))
	for i := 0; i < n; i++ {
		ca, cb := a[i], b[i]
		if ca == cb {
			continue
		}
		if ca == '/' {
			return -1
		}
		if cb == '/' {
			return 1
		}
		return cmp.Compare(ca, cb)
	}
	return cmp.Compare(len(a), len(b))
}

// openListed opens e, listed in a directory, checks it is still the
// regular file of the listed size, and sets e's mode and time from it.
func openListed(root *os.Root, dir string, e *Entry) (io.ReadCloser, error) {
	// O_NONBLOCK (Unix): os.File then takes the descriptor as it is instead
	// of switching it to non-blocking and back around a poller registration
	// that regular files refuse, four fcntl calls per file saved (a tenth of
	// the CPU time of walking 50,000 small files). Reads of regular files
	// ignore the flag, and a file swapped for a FIFO since it was listed
	// cannot block the open: it is refused below as not regular.
	f, err := root.OpenFile(e.Name, os.O_RDONLY|openNonblock, 0)
	if err != nil {
		return nil, fmt.Errorf("bundle: %s: %w", dir, err)
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("bundle: %s: %w", dir, err)
	}
	if !fi.Mode().IsRegular() || fi.Size() != e.Size {
		f.Close()
		return nil, errChanged(dir, e)
	}
	e.Mode, e.ModTime = fi.Mode().Perm(), fi.ModTime()
	// A file that grows or shrinks while read fails in exactReader.
	return &listedFile{x: exactReader{r: f, left: e.Size, size: e.Size, path: dir, name: e.Name, shortEOF: true}, c: f}, nil
}

func errChanged(dir string, e *Entry) error {
	return &EntryError{Path: dir, Entry: e.Name, Err: ErrChanged, Detail: fmt.Sprintf("was a %d-byte file when listed", e.Size)}
}

// listedFile reads an opened file of a listing, as exactly its listed
// size.
type listedFile struct {
	x exactReader
	c io.Closer
}

func (f *listedFile) Read(p []byte) (int, error) { return f.x.Read(p) }
func (f *listedFile) Close() error               { return f.c.Close() }

// typeName names a non-regular file type for messages.
func typeName(t fs.FileMode) string {
	switch {
	case t&fs.ModeSymlink != 0:
		return "symbolic link"
	case t&fs.ModeNamedPipe != 0:
		return "named pipe (fifo)"
	case t&fs.ModeSocket != 0:
		return "socket"
	case t&fs.ModeCharDevice != 0:
		return "character device"
	case t&fs.ModeDevice != 0:
		return "block device"
	case t&fs.ModeIrregular != 0:
		return "irregular file"
	}
	return "special file"
}

// ReadListed calls fn for each of files (name and size, as a walk of the
// directory tree dir listed them; in the order given), opening each by its
// name, without walking the rest of the tree: to read a few files of a
// walked tree again. Each is refused, as a walk refuses it, when it is now
// a link or not a regular file, or of another size (ErrChanged); the tree
// is opened as an os.Root, which keeps every name inside it. As in Walk,
// what fn leaves of a file is read and checked, and the first error ends
// the reading.
func ReadListed(dir string, files []Entry, fn WalkFunc) error {
	root, err := os.OpenRoot(dir)
	if err != nil {
		return fmt.Errorf("bundle: %w", err)
	}
	defer root.Close()
	for _, f := range files {
		e := Entry{Name: f.Name, Size: f.Size}
		fi, err := root.Lstat(e.Name)
		if err != nil {
			return fmt.Errorf("bundle: %s: %w", dir, err)
		}
		if !fi.Mode().IsRegular() {
			return errChanged(dir, &e)
		}
		rc, err := openListed(root, dir, &e)
		if err != nil {
			return err
		}
		err = callFn(e, rc, fn)
		rc.Close()
		if err != nil {
			return err
		}
	}
	return nil
}
