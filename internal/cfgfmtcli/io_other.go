//go:build !linux

package cfgfmtcli

import "os"

// readFile reads a file of at most limit bytes.
func readFile(path string, limit int64) ([]byte, error) {
	return ReadLimited(path, nil, limit)
}

// writeTemp writes b to a new temporary file in dir and returns its name.
func writeTemp(dir string, b []byte) (string, error) {
	f, err := os.CreateTemp(dir, ".cfgfmt-*")
	if err != nil {
		return "", err
	}
	_, err = f.Write(b)
	if err == nil {
		err = f.Chmod(0o644)
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(f.Name())
		return "", err
	}
	return f.Name(), nil
}

// syncFiles makes the files durable before they are renamed into place:
// one fsync each where there is no syncfs(2).
func syncFiles(_ string, files []string) error {
	for _, name := range files {
		f, err := os.OpenFile(name, os.O_RDWR, 0)
		if err != nil {
			return err
		}
		err = f.Sync()
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return err
		}
	}
	return nil
}
