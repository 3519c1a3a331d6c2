package cfgfmtcli

import (
	"os"

	"golang.org/x/sys/unix"
)

// syncFiles makes the files durable before they are renamed into place.
// On Linux one syncfs(2) of the output directory's filesystem does it for
// every file at once.
func syncFiles(dir string, _ []string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return unix.Syncfs(int(d.Fd()))
}
