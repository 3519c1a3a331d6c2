package tftp

import (
	"errors"
	"net/netip"
	"os"
	"time"

	"golang.org/x/sys/unix"
)

// evictCheck bounds one wait of a blockingConn: a transfer evicted while
// it waits notices within it.
const evictCheck = 50 * time.Millisecond

// blockingConn is a transfer's socket outside the runtime's network
// poller: the transfer waits for each ACK the way tftpd-hpa does, in one
// poll(2) then one read(2), its thread asleep in the kernel until the ACK
// comes. Through the poller the same packet costs a failed read, an
// epoll_pwait or two, and waking the scheduler, and every other idle
// thread of the process wakes on it too: about a third more CPU a block,
// on a lock-step transfer whose speed is the round trip
// (docs/benchmarks.md, "serve: one large file"). Each waiting transfer
// holds a thread, so the server makes one only while few transfers run
// (Server.blocking).
type blockingConn struct{ fd int }

// dialBlocking returns a socket connected to the client, bound to local
// when it is valid; ok is false when the address is one it does not
// handle (an IPv6 address with a zone), and the caller dials through the
// net package.
func dialBlocking(local netip.Addr, to netip.AddrPort) (c *blockingConn, ok bool, err error) {
	if to.Addr().Zone() != "" || local.Zone() != "" {
		return nil, false, nil
	}
	family := unix.AF_INET
	if to.Addr().Is6() {
		family = unix.AF_INET6
	}
	fd, err := unix.Socket(family, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, unix.IPPROTO_UDP)
	if err != nil {
		return nil, true, os.NewSyscallError("socket", err)
	}
	if local.IsValid() && !local.IsUnspecified() && local.Is6() == to.Addr().Is6() {
		// An address that cannot be bound as such: let the kernel pick.
		_ = unix.Bind(fd, sockaddr(netip.AddrPortFrom(local, 0)))
	}
	if err := unix.Connect(fd, sockaddr(to)); err != nil {
		unix.Close(fd)
		return nil, true, os.NewSyscallError("connect", err)
	}
	return &blockingConn{fd: fd}, true, nil
}

func sockaddr(ap netip.AddrPort) unix.Sockaddr {
	if ap.Addr().Is4() {
		return &unix.SockaddrInet4{Port: int(ap.Port()), Addr: ap.Addr().As4()}
	}
	return &unix.SockaddrInet6{Port: int(ap.Port()), Addr: ap.Addr().As16()}
}

func (c *blockingConn) Write(p []byte) (int, error) {
	for {
		n, err := unix.Write(c.fd, p)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return n, os.NewSyscallError("write", err)
		}
		return n, nil
	}
}

func (c *blockingConn) Close() error { return unix.Close(c.fd) }

// SetDeadline is a no-op: an evicted transfer notices between waits
// (evictCheck), and its run checks before it starts.
func (c *blockingConn) SetDeadline(time.Time) error { return nil }

// recv reads the next packet into b, waiting until deadline
// (os.ErrDeadlineExceeded after it) or until evicted says so.
func (c *blockingConn) recv(b []byte, deadline time.Time, evicted func() bool) (int, error) {
	for {
		wait := time.Until(deadline)
		if wait <= 0 {
			return 0, os.ErrDeadlineExceeded
		}
		wait = min(wait, evictCheck)
		fds := [1]unix.PollFd{{Fd: int32(c.fd), Events: unix.POLLIN}}
		k, err := unix.Poll(fds[:], int((wait+time.Millisecond-1)/time.Millisecond))
		switch {
		case err != nil && err != unix.EINTR:
			return 0, os.NewSyscallError("poll", err)
		case k > 0:
			n, err := unix.Read(c.fd, b)
			if err == nil {
				return n, nil
			}
			if !errors.Is(err, unix.EINTR) && !errors.Is(err, unix.EAGAIN) {
				// ECONNREFUSED: the client's port is closed.
				return 0, os.NewSyscallError("read", err)
			}
		}
		if evicted() {
			return 0, os.ErrDeadlineExceeded
		}
	}
}
