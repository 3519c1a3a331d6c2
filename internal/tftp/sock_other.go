//go:build !linux

package tftp

import (
	"net"
	"net/netip"
)

const msgTrunc = 0

func growReadBuffer(c *net.UDPConn, n int) { c.SetReadBuffer(n) }

// enablePktinfo is Linux only: elsewhere transfers answer from the
// listening address, and blksize is capped for a 1500-byte MTU.
func enablePktinfo(*net.UDPConn) bool { return false }

func parsePktinfo([]byte) (netip.Addr, int) { return netip.Addr{}, 0 }
