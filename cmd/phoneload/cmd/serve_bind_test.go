//go:build !windows

package cmd

import (
	"bytes"
	"net"
	"os"
	"syscall"
	"testing"

	"github.com/phoneload/phoneload/internal/cli"
)

// TestBindError: a bind failure names the address and the real cause; the
// port-69 hint comes only for port 69 and a permission error. The errors
// are built as net.ListenUDP returns them (a root test machine cannot be
// refused port 69); serve_bind.txt gets a real "in use".
func TestBindError(t *testing.T) {
	opErr := func(errno syscall.Errno) error {
		return &net.OpError{Op: "listen", Net: "udp", Err: os.NewSyscallError("bind", errno)}
	}
	for _, tc := range []struct {
		listen string
		port   int
		errno  syscall.Errno
		want   string
	}{
		{":69", 69, syscall.EACCES, "phoneload: error: cannot listen on UDP :69: permission denied\nphoneload: hint: port 69 needs root (then --user NAME), CAP_NET_BIND_SERVICE or the systemd socket unit (docs/service.md); for a lab, --listen 127.0.0.1:6969\n"},
		{":161", 161, syscall.EACCES, "phoneload: error: cannot listen on UDP :161: permission denied\nphoneload: hint: ports below 1024 need root (then --user NAME) or CAP_NET_BIND_SERVICE; or pick a port above 1023\n"},
		{":6969", 6969, syscall.EACCES, "phoneload: error: cannot listen on UDP :6969: permission denied\n"},
		{":69", 69, syscall.EADDRINUSE, "phoneload: error: cannot listen on UDP :69: address already in use\nphoneload: hint: another TFTP server (tftpd-hpa, dnsmasq?) already listens on port 69: stop it, or give --listen another address\n"},
		{"127.0.0.1:6969", 6969, syscall.EADDRINUSE, "phoneload: error: cannot listen on UDP 127.0.0.1:6969: address already in use\nphoneload: hint: another program already listens on 127.0.0.1:6969: give --listen another address\n"},
	} {
		var buf bytes.Buffer
		cli.Report(&buf, Prog, bindError(tc.listen, &net.UDPAddr{Port: tc.port}, opErr(tc.errno)))
		if buf.String() != tc.want {
			t.Errorf("%s %v:\n got %q\nwant %q", tc.listen, tc.errno, buf.String(), tc.want)
		}
	}
}
