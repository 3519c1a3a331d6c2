//go:build !unix

package bundle

import "os"

type rawFile = *os.File

func openRaw(p string) (f rawFile, size int64, regular bool, err error) {
	fi, err := os.Lstat(p)
	if err != nil {
		return nil, 0, false, err
	}
	if !fi.Mode().IsRegular() {
		return nil, 0, false, errNotRegular
	}
	fd, err := os.Open(p)
	if err != nil {
		return nil, 0, false, err
	}
	fi, err = fd.Stat()
	if err != nil {
		fd.Close()
		return nil, 0, false, err
	}
	return fd, fi.Size(), fi.Mode().IsRegular(), nil
}

var errNotRegular = errorString("not a regular file")

type errorString string

func (e errorString) Error() string { return string(e) }

func isNotRegularErr(err error) bool { return err == errNotRegular }
