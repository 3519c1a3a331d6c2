//go:build !linux

package cfgfmtcli

import "os"

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
