package container

import (
	"fmt"
	"io"
	"io/fs"
	"slices"
	"strings"
	"time"
)

// walkZipSorted walks a zip whose central directory is already in the
// order Walk gives its files (strictly increasing names) and whose entries
// lie in the file in that same order, as pack writes a bundle, without
// keeping a record per entry (issue 16: a zip of a million entries held
// about 150 bytes an entry): one pass over the central directory makes
// every check walkZip makes before it reads any data, keeping only a
// seeded 8-byte hash of each folded name; a second pass opens each file in
// turn. It reports ok false, having called fn for nothing, when the zip
// is not in that shape or when any check fails or any two names' hashes
// are equal (a case collision, a file that is also a directory, or chance):
// walkZip then walks it as before, and reports exactly what it always did.
func walkZipSorted(path string, f io.ReaderAt, d *ZipDir, lim Limits, fn WalkFunc) (ok bool, err error) {
	var (
		b      = budget{lim: lim}
		h      foldHasher
		hashes = make([]uint64, 0, d.Len())
		// how far each entry's data starts after its local header
		// (DataOffset checked it): at most 30 + 2*65535 bytes
		skip  = make([]uint32, 0, d.Len())
		prev  string // the previous entry's name, as in the directory
		next  int64  // where the next entry may start (checkLayout)
		slack int64
		first = true
	)
	hashFn := func(s string) uint64 { return h.sum(s) }
	if zipSortedHash != nil {
		hashFn = zipSortedHash
	}
	errShape := fmt.Errorf("not sorted") // any reason to walk as before
	err = d.Each(func(e ZipEntry) error {
		if !first && e.Name <= prev {
			return errShape
		}
		if checkZipEntry(path, &e) != nil {
			return errShape
		}
		name, isDir := strings.CutSuffix(e.Name, "/")
		// The directories name implies, each once: in name order the
		// names below a directory are consecutive, so a directory the
		// previous name was in was hashed already.
		for i := 0; i < len(name); i++ {
			if name[i] == '/' && !strings.HasPrefix(prev, name[:i+1]) {
				hashes = append(hashes, hashFn(name[:i]))
			}
		}
		hashes = append(hashes, hashFn(name))
		if e.Method == zipDeflate && lim.overRatio(e.Size, e.CompressedSize) {
			return errShape
		}
		if !isDir && b.take(path, e.Name, e.Size) != nil {
			return errShape
		}
		data, err := d.DataOffset(e)
		if err != nil {
			return errShape
		}
		skip = append(skip, uint32(data-e.Offset))
		if !first && e.Offset < next || e.Offset > next+slack {
			return errShape
		}
		next, slack = data+e.CompressedSize, 0
		if e.Flags&zipFlagDescriptor != 0 {
			slack = zipDescriptorMax
		}
		prev, first = e.Name, false
		return nil
	})
	if err != nil {
		return false, nil
	}
	if d.Offset() > next+slack {
		return false, nil
	}
	if b.total > ArchiveRatioFloor && lim.MaxRatio > 0 && b.total/int64(lim.MaxRatio) > d.size {
		return false, nil
	}
	slices.Sort(hashes)
	for i := 1; i < len(hashes); i++ {
		if hashes[i] == hashes[i-1] {
			return false, nil
		}
	}
	hashes = nil
	// Every check passed: the files, in directory (and so name) order.
	// The directory is read again; should it have changed since, each
	// record is checked again and must still come in order, and its
	// data must still end before the central directory.
	prev, first = "", true
	i := 0
	return true, d.eachAt(func(e ZipEntry, at int64) error {
		changed := &EntryError{Path: path, Entry: e.Name, Err: ErrFormat, Detail: "central directory changed while read"}
		if !first && e.Name <= prev || i >= len(skip) {
			return changed
		}
		prev, first = e.Name, false
		if err := checkZipEntry(path, &e); err != nil {
			return err
		}
		data := e.Offset + int64(skip[i])
		i++
		if strings.HasSuffix(e.Name, "/") {
			return nil
		}
		if e.Offset < 0 || e.CompressedSize > d.dir-data {
			return changed
		}
		rd, closeFn, err := openZipData(path, f, e.Name, e.Method, data, e.CompressedSize, e.Size, e.CRC32)
		if err != nil {
			return err
		}
		defer closeFn()
		ent := Entry{Name: e.Name, Size: e.Size, Mode: fs.FileMode(uint16(e.Mode.Perm())), ModTime: time.Unix(e.ModTime.Unix(), int64(e.ModTime.Nanosecond())).UTC(), At: at}
		return callFn(ent, rd, fn)
	})
}

// zipSortedOff turns walkZipSorted off, in tests, to compare with walkZip's
// own walk.
var zipSortedOff bool

// zipSortedHash replaces the folded-name hash of walkZipSorted in tests,
// to make names collide.
var zipSortedHash func(string) uint64
