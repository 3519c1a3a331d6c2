package tftp

import (
	"encoding/binary"
	"net"
	"net/netip"
	"syscall"

	"golang.org/x/sys/unix"
)

const msgTrunc = syscall.MSG_TRUNC

// growReadBuffer asks for a receive buffer of n bytes; as root past
// net.core.rmem_max (SO_RCVBUFFORCE), else as much as that allows.
func growReadBuffer(c *net.UDPConn, n int) {
	rc, err := c.SyscallConn()
	if err != nil {
		return
	}
	var serr error
	rc.Control(func(fd uintptr) {
		serr = unix.SetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_RCVBUFFORCE, n)
	})
	if serr != nil {
		c.SetReadBuffer(n)
	}
}

// enablePktinfo asks the kernel for the destination address and interface
// of each datagram (IP_PKTINFO): a transfer answers from the address the
// request went to, and its blksize fits that interface's MTU.
func enablePktinfo(c *net.UDPConn) bool {
	rc, err := c.SyscallConn()
	if err != nil {
		return false
	}
	ok := false
	rc.Control(func(fd uintptr) {
		if unix.SetsockoptInt(int(fd), unix.IPPROTO_IP, unix.IP_PKTINFO, 1) == nil {
			ok = true
		}
		if unix.SetsockoptInt(int(fd), unix.IPPROTO_IPV6, unix.IPV6_RECVPKTINFO, 1) == nil {
			ok = true
		}
	})
	return ok
}

func parsePktinfo(oob []byte) (netip.Addr, int) {
	msgs, err := unix.ParseSocketControlMessage(oob)
	if err != nil {
		return netip.Addr{}, 0
	}
	for _, m := range msgs {
		switch {
		case m.Header.Level == unix.IPPROTO_IP && m.Header.Type == unix.IP_PKTINFO && len(m.Data) >= unix.SizeofInet4Pktinfo:
			// struct in_pktinfo: ifindex, spec_dst, addr
			ifindex := int(int32(binary.NativeEndian.Uint32(m.Data[0:4])))
			a := netip.AddrFrom4([4]byte(m.Data[4:8]))
			return a, ifindex
		case m.Header.Level == unix.IPPROTO_IPV6 && m.Header.Type == unix.IPV6_PKTINFO && len(m.Data) >= unix.SizeofInet6Pktinfo:
			// struct in6_pktinfo: addr, ifindex
			a := netip.AddrFrom16([16]byte(m.Data[0:16])).Unmap()
			ifindex := int(int32(binary.NativeEndian.Uint32(m.Data[16:20])))
			return a, ifindex
		}
	}
	return netip.Addr{}, 0
}
