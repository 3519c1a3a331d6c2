//go:build !unix

package publish

import (
	"io"
	"os"
)

// stager creates staged files in txn/new, relative to it.
type stager struct{ dir *os.Root }

func openStager(dir string) (*stager, error) {
	r, err := os.OpenRoot(dir)
	if err != nil {
		return nil, err
	}
	return &stager{dir: r}, nil
}

func (s *stager) close() { s.dir.Close() }

func (s *stager) write(name string, r io.Reader, buf []byte) error {
	f, err := s.dir.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return err
	}
	// Through a plain Writer: (*os.File).ReadFrom would fall back to
	// io.Copy with a new buffer for every file.
	if _, err := io.CopyBuffer(struct{ io.Writer }{f}, r, buf); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
