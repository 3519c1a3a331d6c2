//go:build !linux

package tftp

import (
	"net/netip"
	"time"
)

// blockingConn is Linux only: elsewhere every transfer waits in the
// runtime's network poller.
type blockingConn struct{}

func dialBlocking(netip.Addr, netip.AddrPort) (*blockingConn, bool, error) { return nil, false, nil }

func (*blockingConn) Write([]byte) (int, error)   { return 0, nil }
func (*blockingConn) Close() error                { return nil }
func (*blockingConn) SetDeadline(time.Time) error { return nil }
func (*blockingConn) recv([]byte, time.Time, func() bool) (int, error) {
	return 0, nil
}
