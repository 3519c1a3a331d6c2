// Package tftpload plays many TFTP clients against one server over
// loopback: phones booting at once (each from its own 127.x.y.z address,
// as each phone has its own IP) and hostile clients that ask for files and
// never acknowledge them. The load test of internal/tftp and
// scripts/bench-storm.sh use it; it only ever targets loopback.
package tftpload

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"sort"
	"strconv"
	"sync"
	"time"
)

// PhoneAddr returns the loopback address of phone i (0-based):
// 127.1.0.1, 127.1.0.2, … (every 127/8 address reaches lo on Linux).
func PhoneAddr(i int) netip.Addr {
	i++
	return netip.AddrFrom4([4]byte{127, byte(1 + i>>16), byte(i >> 8), byte(i)})
}

// Client is a lock-step TFTP reader bound to one local address.
type Client struct {
	Local   netip.Addr // source address; invalid: 127.0.0.1
	Timeout time.Duration
	Retries int
	Blksize int // 0: no option (512, as a phone's loader)
}

// RemoteError is an ERROR packet from the server.
type RemoteError struct {
	Code int
	Msg  string
}

func (e *RemoteError) Error() string { return fmt.Sprintf("server error %d: %s", e.Code, e.Msg) }

// ErrTimeout is returned when the server stopped answering.
var ErrTimeout = errors.New("timeout")

// Fetch reads name from server (host:port) into w.
func (c *Client) Fetch(server, name string, w io.Writer) (int64, error) {
	to, err := netip.ParseAddrPort(server)
	if err != nil {
		return 0, err
	}
	if !to.Addr().IsLoopback() {
		return 0, fmt.Errorf("tftpload: %s is not a loopback address", server)
	}
	local := c.Local
	if !local.IsValid() {
		local = netip.AddrFrom4([4]byte{127, 0, 0, 1})
	}
	conn, err := net.ListenUDP("udp4", net.UDPAddrFromAddrPort(netip.AddrPortFrom(local, 0)))
	if err != nil {
		return 0, err
	}
	defer conn.Close()
	timeout, retries := c.Timeout, c.Retries
	if timeout <= 0 {
		timeout = time.Second
	}
	if retries <= 0 {
		retries = 5
	}
	req := append([]byte{0, 1}, name+"\x00octet\x00"...)
	blksize := 512
	if c.Blksize > 0 {
		req = append(req, "blksize\x00"+strconv.Itoa(c.Blksize)+"\x00"...)
	}
	buf := make([]byte, 65536+4)
	var peer netip.AddrPort
	out := req
	dst := to
	var got int64
	next := uint16(1)
	for try := 0; ; {
		if _, err := conn.WriteToUDPAddrPort(out, dst); err != nil {
			return got, err
		}
		conn.SetReadDeadline(time.Now().Add(timeout))
		n, from, err := conn.ReadFromUDPAddrPort(buf)
		if err != nil {
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				try++
				if try >= retries {
					return got, ErrTimeout
				}
				continue
			}
			return got, err
		}
		if peer.IsValid() && from != peer {
			continue // not our transfer's TID
		}
		if n < 4 {
			continue
		}
		try = 0
		switch binary.BigEndian.Uint16(buf) {
		case 5:
			msg := string(buf[4:n])
			if i := indexNUL(buf[4:n]); i >= 0 {
				msg = msg[:i]
			}
			return got, &RemoteError{Code: int(binary.BigEndian.Uint16(buf[2:])), Msg: msg}
		case 6: // OACK
			if peer.IsValid() {
				continue
			}
			peer, dst = from, from
			f := splitNUL(buf[2:n])
			for i := 0; i+1 < len(f); i += 2 {
				if f[i] == "blksize" {
					blksize, _ = strconv.Atoi(f[i+1])
				}
			}
			out = []byte{0, 4, 0, 0}
		case 3: // DATA
			if !peer.IsValid() {
				peer, dst = from, from
			}
			blk := binary.BigEndian.Uint16(buf[2:])
			if blk != next {
				out = ack(blk)
				continue
			}
			w.Write(buf[4:n])
			got += int64(n - 4)
			out = ack(blk)
			next++
			if n-4 < blksize {
				conn.WriteToUDPAddrPort(out, dst)
				return got, nil
			}
		}
	}
}

func ack(blk uint16) []byte { return []byte{0, 4, byte(blk >> 8), byte(blk)} }

func indexNUL(b []byte) int {
	for i, c := range b {
		if c == 0 {
			return i
		}
	}
	return -1
}

func splitNUL(b []byte) []string {
	var f []string
	for len(b) > 0 {
		i := indexNUL(b)
		if i < 0 {
			break
		}
		f = append(f, string(b[:i]))
		b = b[i+1:]
	}
	return f
}

// Staller asks for files and never acknowledges anything, holding its
// sockets open (so the server gets no ICMP "port unreachable" either).
type Staller struct {
	mu    sync.Mutex
	conns []*net.UDPConn
}

// Request sends one RRQ for name from local to server, from a fresh port.
func (s *Staller) Request(local netip.Addr, server, name string, opts ...string) error {
	to, err := netip.ParseAddrPort(server)
	if err != nil || !to.Addr().IsLoopback() {
		return fmt.Errorf("tftpload: %s is not a loopback address", server)
	}
	conn, err := net.ListenUDP("udp4", net.UDPAddrFromAddrPort(netip.AddrPortFrom(local, 0)))
	if err != nil {
		return err
	}
	p := append([]byte{0, 1}, name+"\x00octet\x00"...)
	for _, o := range opts {
		p = append(append(p, o...), 0)
	}
	conn.WriteToUDPAddrPort(p, to)
	s.mu.Lock()
	s.conns = append(s.conns, conn)
	s.mu.Unlock()
	return nil
}

// Close closes every socket.
func (s *Staller) Close() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, c := range s.conns {
		c.Close()
	}
	s.conns = nil
}

// Storm is a boot storm: Phones phones, each fetching Files in order from
// its own address, all starting at once. A phone whose fetch fails (no
// answer, or an error such as "busy") pauses Pause and asks again, up to
// Attempts times per file, as a phone's loader does.
type Storm struct {
	Server   string
	Phones   int
	Files    []string
	Client   Client
	Attempts int           // per file; 0 means 5
	Pause    time.Duration // 0 means 1s
	First    int           // address index of the first phone
}

// Result of a Storm.
type Result struct {
	Phones   int             `json:"phones"`
	Served   int             `json:"served"` // phones that got every file
	Bytes    int64           `json:"bytes"`
	P50      time.Duration   `json:"p50_ns"` // time for a phone to get every file
	P99      time.Duration   `json:"p99_ns"`
	Max      time.Duration   `json:"max_ns"`
	Wall     time.Duration   `json:"wall_ns"`
	Failures map[string]int  `json:"failures,omitempty"` // last error per failed phone, counted
	Times    []time.Duration `json:"-"`
}

// Run plays the storm and waits for every phone.
func (s Storm) Run() Result {
	if s.Attempts <= 0 {
		s.Attempts = 5
	}
	if s.Pause <= 0 {
		s.Pause = time.Second
	}
	res := Result{Phones: s.Phones, Failures: map[string]int{}}
	var mu sync.Mutex
	var wg sync.WaitGroup
	start := time.Now()
	gate := make(chan struct{})
	for i := 0; i < s.Phones; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			c := s.Client
			c.Local = PhoneAddr(s.First + i)
			<-gate
			t0 := time.Now()
			var bytes int64
			for _, f := range s.Files {
				var err error
				for a := 0; a < s.Attempts; a++ {
					var n int64
					n, err = c.Fetch(s.Server, f, io.Discard)
					if err == nil {
						bytes += n
						break
					}
					time.Sleep(s.Pause)
				}
				if err != nil {
					mu.Lock()
					res.Failures[err.Error()]++
					mu.Unlock()
					return
				}
			}
			d := time.Since(t0)
			mu.Lock()
			res.Served++
			res.Bytes += bytes
			res.Times = append(res.Times, d)
			mu.Unlock()
		}(i)
	}
	close(gate)
	wg.Wait()
	res.Wall = time.Since(start)
	sort.Slice(res.Times, func(i, j int) bool { return res.Times[i] < res.Times[j] })
	if n := len(res.Times); n > 0 {
		res.P50 = res.Times[n/2]
		res.P99 = res.Times[min(n-1, n*99/100)]
		res.Max = res.Times[n-1]
	}
	return res
}

// Flood sends n requests for name from local to server, round robin over
// sockets fresh ports, as fast as it can; the sockets stay open.
func (s *Staller) Flood(local netip.Addr, server, name string, sockets, n int) error {
	to, err := netip.ParseAddrPort(server)
	if err != nil || !to.Addr().IsLoopback() {
		return fmt.Errorf("tftpload: %s is not a loopback address", server)
	}
	var conns []*net.UDPConn
	for i := 0; i < sockets; i++ {
		c, err := net.ListenUDP("udp4", net.UDPAddrFromAddrPort(netip.AddrPortFrom(local, 0)))
		if err != nil {
			return err
		}
		conns = append(conns, c)
	}
	s.mu.Lock()
	s.conns = append(s.conns, conns...)
	s.mu.Unlock()
	p := append([]byte{0, 1}, name+"\x00octet\x00"...)
	for i := 0; i < n; i++ {
		conns[i%len(conns)].WriteToUDPAddrPort(p, to)
	}
	return nil
}
