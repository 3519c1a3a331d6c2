package bundle

import (
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/phoneload/phoneload/bundle/container"
	"github.com/phoneload/phoneload/sign"
)

// ErrNoZipMeta is returned by VerifyZipMeta for a file it does not read
// its own way: not a zip, a zip whose central directory or bundle files
// are anything but plain (zip64 aside), more entries than maxFiles. The
// caller then verifies it whole with Verify, which reports what is wrong.
var ErrNoZipMeta = errors.New("bundle: not a plain zip bundle")

// VerifyZipMeta is VerifyDirMeta for a zip bundle: SHA256SUMS, its
// signatures and bundle.json are read through the zip's central directory
// (every other entry is skipped, never decompressed) and checked as
// VerifyMeta checks them, so that a caller can read every other file
// once, hashing it, and judge it with CheckContent against the SHA256SUMS
// returned here (publish stages a zip that way). maxFiles bounds how many
// central directory records are read (Limits.MaxFiles). ErrNoZipMeta: see
// there; other errors wrap ErrSignature, ErrContent or ErrPolicy as
// Verify's do.
func VerifyZipMeta(path string, opts VerifyOptions, maxFiles int) (*VerifyResult, []byte, []Sum, error) {
	meta, err := readZipMeta(path, maxFiles, nil)
	if err != nil {
		return nil, nil, nil, err
	}
	if _, ok := meta[SumsName]; !ok {
		return nil, nil, nil, fmt.Errorf("%w: %s has no %s", ErrNoZipMeta, path, SumsName)
	}
	res, sums, err := VerifyMeta(meta, opts)
	if res != nil {
		res.Path = path
		manifestProblem(res, meta, sums)
	}
	if err != nil {
		return res, nil, nil, err
	}
	return res, meta[SumsName], sums, nil
}

// ArchiveError classes an error of container.Walk over an archive as
// Verify does: an entry whose data does not match its CRC, size or
// compression, or an entry no bundle has, is a content problem naming it
// (res.Problems, ErrContent); any other error is returned as it is.
func ArchiveError(res *VerifyResult, err error) error { return archiveError(res, err) }

// zipMetaMax caps each of a bundle's own files, as readSpecial does.
func zipMetaMax(name string) int64 {
	switch {
	case name == SumsName:
		return MaxSumsSize
	case name == ManifestName:
		return MaxManifestSize
	}
	return sign.MaxKeyFileSize
}

// readZipMeta reads the bundle's own files of the zip at path (see
// VerifyZipMeta) through container.ZipDir, in memory bounded by their caps
// and a constant per central directory record. Any error is an
// ErrNoZipMeta: Verify, reading the zip whole, reports the damage.
// SHA256SUMS is read into a buffer from alloc when it is not nil.
func readZipMeta(path string, maxFiles int, alloc func(int) []byte) (map[string][]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("bundle: %w", err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("bundle: %w", err)
	}
	return parseZipMeta(path, f, fi.Size(), maxFiles, alloc)
}

func parseZipMeta(path string, r io.ReaderAt, size int64, maxFiles int, alloc func(int) []byte) (map[string][]byte, error) {
	no := func(err error) error { return fmt.Errorf("%w: %w", ErrNoZipMeta, err) }
	d, err := container.OpenZipDir(path, r, size, maxFiles)
	if err != nil {
		return nil, no(err)
	}
	var want []container.ZipEntry
	err = d.Each(func(e container.ZipEntry) error {
		if !IsBundleMeta(e.Name) {
			return nil
		}
		for _, w := range want {
			if w.Name == e.Name {
				return fmt.Errorf("%s: %s twice", path, e.Name)
			}
		}
		if e.Flags&1 != 0 {
			return fmt.Errorf("%s: %s encrypted", path, e.Name)
		}
		if max := zipMetaMax(e.Name); e.Size > max {
			return fmt.Errorf("%s: %s larger than %d bytes", path, e.Name, max)
		}
		want = append(want, e)
		return nil
	})
	if err != nil {
		return nil, no(err)
	}
	meta := map[string][]byte{}
	for _, e := range want {
		rd, closeFn, err := d.Open(e)
		if err != nil {
			return nil, no(err)
		}
		b, err := readSpecial(rd, e.Name, int64(e.Size), alloc)
		closeFn()
		if err != nil {
			return nil, no(err)
		}
		meta[e.Name] = b
	}
	return meta, nil
}

// readAllTo appends all of r to b (bytes.Buffer's ReadFrom without its
// doubling: readSpecial makes b one byte over the size it expects, so
// reading to EOF does not grow it).
func readAllTo(b []byte, r io.Reader) ([]byte, error) {
	for {
		if len(b) == cap(b) {
			b = append(b, 0)[:len(b)]
		}
		n, err := r.Read(b[len(b):cap(b)])
		b = b[:len(b)+n]
		if errors.Is(err, io.EOF) {
			return b, nil
		}
		if err != nil {
			return b, err
		}
	}
}
