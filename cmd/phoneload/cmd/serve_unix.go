//go:build unix

package cmd

import (
	"fmt"
	"net"
	"os"
	"strconv"
)

// activatedConn returns the UDP socket systemd passes to a socket-activated
// service (sd_listen_fds(3): LISTEN_PID is us, LISTEN_FDS counts the
// descriptors from 3). The variables are unset, so that nothing started
// later takes them for its own.
func activatedConn() (*net.UDPConn, bool, error) {
	pid, fds := os.Getenv("LISTEN_PID"), os.Getenv("LISTEN_FDS")
	if pid == "" || fds == "" || pid != strconv.Itoa(os.Getpid()) {
		return nil, false, nil
	}
	os.Unsetenv("LISTEN_PID")
	os.Unsetenv("LISTEN_FDS")
	os.Unsetenv("LISTEN_FDNAMES")
	n, err := strconv.Atoi(fds)
	if err != nil || n < 1 {
		return nil, false, fmt.Errorf("socket activation: LISTEN_FDS=%q, want a count of sockets", fds)
	}
	if n != 1 {
		return nil, false, fmt.Errorf("socket activation: %d sockets passed, want 1 (one ListenDatagram= in the .socket unit)", n)
	}
	f := os.NewFile(3, "systemd socket")
	defer f.Close()
	pc, err := net.FilePacketConn(f)
	if err != nil {
		return nil, false, fmt.Errorf("socket activation: descriptor 3: %w", err)
	}
	c, ok := pc.(*net.UDPConn)
	if !ok {
		pc.Close()
		return nil, false, fmt.Errorf("socket activation: descriptor 3 is %s, want a UDP socket (ListenDatagram=)", pc.LocalAddr().Network())
	}
	return c, true, nil
}
