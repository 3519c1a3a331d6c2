package bundle

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// sumsBuilder writes the lines of SHA256SUMS in walk order (byte order of
// names, as Walk yields them) to a temporary file beside the output, as
// they are made: pack remembers nothing of a file in memory once its line
// is written (at 1,000,000 files SHA256SUMS is over 100 MB; issue 16).
// The line of bundle.json, which depends on every file, is inserted where
// it sorts when the file is read back (reader), so SHA256SUMS is never
// held in memory either.
type sumsBuilder struct {
	f    *os.File
	w    *bufio.Writer
	size int64 // bytes of the lines written
	at   int64 // offset of the first line whose name sorts after bundle.json; -1: none yet
	last string
	n    int
	line []byte // bundle.json's line, once finish has run
	buf  []byte // the line add writes, reused
}

// newSumsBuilder creates the temporary file in dir, named after base.
func newSumsBuilder(dir, base string) (*sumsBuilder, error) {
	f, err := os.CreateTemp(dir, "."+base+".sums-*")
	if err != nil {
		return nil, fmt.Errorf("bundle: %w", err)
	}
	return &sumsBuilder{f: f, w: bufio.NewWriterSize(f, 256<<10), at: -1}, nil
}

// remove closes and deletes the temporary file.
func (b *sumsBuilder) remove() {
	b.f.Close()
	os.Remove(b.f.Name())
}

func (b *sumsBuilder) add(name string, sum [32]byte) error {
	if b.n > 0 && name <= b.last {
		return fmt.Errorf("bundle: %s: listed twice or out of order", name)
	}
	if b.at < 0 && name > ManifestName {
		b.at = b.size
	}
	b.buf = appendSumsLine(b.buf[:0], sum, name)
	if _, err := b.w.Write(b.buf); err != nil {
		return fmt.Errorf("bundle: %s: %w", SumsName, err)
	}
	b.size += int64(len(b.buf))
	b.last = name
	b.n++
	return nil
}

// finish flushes the lines and notes bundle.json's line, made of mj.
func (b *sumsBuilder) finish(mj []byte) error {
	if err := b.w.Flush(); err != nil {
		return fmt.Errorf("bundle: %s: %w", SumsName, err)
	}
	b.line = appendSumsLine(nil, sha256.Sum256(mj), ManifestName)
	if b.at < 0 {
		b.at = b.size
	}
	return nil
}

// len is the size of SHA256SUMS, bundle.json's line included.
func (b *sumsBuilder) len() int64 { return b.size + int64(len(b.line)) }

// reader returns SHA256SUMS, bundle.json's line inserted where it sorts:
// byte-identical to MarshalSums over all names. Each call reads the file
// anew from its start.
func (b *sumsBuilder) reader() io.Reader {
	return io.MultiReader(
		io.NewSectionReader(b.f, 0, b.at),
		bytes.NewReader(b.line),
		io.NewSectionReader(b.f, b.at, b.size-b.at))
}

// bytes returns SHA256SUMS in memory: for a signer that cannot read it
// from a reader, and for the zip form's small SHA256SUMS, deflated whole.
func (b *sumsBuilder) bytes() ([]byte, error) {
	out := make([]byte, b.len()) // exactly: no buffer grown past it
	if _, err := io.ReadFull(b.reader(), out); err != nil {
		return nil, fmt.Errorf("bundle: %s: %w", SumsName, err)
	}
	return out, nil
}

// names calls fn with the name of every line written by add (not
// bundle.json's), in order.
func (b *sumsBuilder) names(fn func(name string) error) error {
	r := bufio.NewReaderSize(io.NewSectionReader(b.f, 0, b.size), 256<<10)
	var long []byte
	for {
		l, err := r.ReadSlice('\n')
		if errors.Is(err, bufio.ErrBufferFull) {
			long = append(long, l...)
			continue
		}
		if len(long) > 0 {
			l = append(long, l...)
			long = long[:0]
		}
		if err == io.EOF && len(l) == 0 {
			return nil
		}
		if err != nil {
			return fmt.Errorf("bundle: %s: %w", SumsName, err)
		}
		if len(l) < 67 {
			return fmt.Errorf("bundle: %s: short line", SumsName)
		}
		if err := fn(string(l[66 : len(l)-1])); err != nil {
			return err
		}
	}
}

// tempBeside returns the directory and base name of out, for temporary
// files beside it.
func tempBeside(out string) (dir, base string) {
	dir, base = filepath.Split(filepath.Clean(out))
	if dir == "" {
		dir = "."
	}
	return dir, base
}
