package tftp

import (
	"bufio"
	"container/list"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"runtime"
	"sync"
	"sync/atomic"
	"time"
)

// The server is our own loop over read requests, not pin/tftp's: a
// hostile network must not be able to shut it (docs/security.md, "serve:
// a hostile network"), which needs a say in who gets a transfer slot, when
// a transfer that never hears from its client is dropped, and what each
// request's options and errors look like on the wire. pin/tftp's server
// hides all of that behind a fixed handler call. The client (probe) stays
// on pin/tftp.

// Defaults of Options.
const (
	DefaultMaxTransfers = 4096
	DefaultMaxPerSource = 8
	DefaultTimeout      = time.Second
	DefaultRetries      = 5
	DefaultFirstACK     = 3 * time.Second
)

// Options configure a Server.
type Options struct {
	// Timeout is the retransmission timeout per packet, unless the client
	// asks for its own (RFC 2349 timeout option); 0 means DefaultTimeout.
	Timeout time.Duration
	// Retries is the number of sends of a packet before the transfer is
	// given up; 0 means DefaultRetries.
	Retries int
	// FirstACK bounds how long a new transfer waits for the client's first
	// ACK, whatever the timeout (a spoofed or stalled request holds nothing
	// longer); 0 means DefaultFirstACK.
	FirstACK time.Duration
	// MaxTransfers caps the transfers held at once (memory and file
	// descriptors); 0 means DefaultMaxTransfers. When it is reached, a
	// stalled transfer is dropped to make room; a request is refused as
	// busy only when every transfer is making progress.
	MaxTransfers int
	// MaxPerSource caps the transfers of one source IP address that are
	// still sending; 0 means DefaultMaxPerSource. A transfer stops
	// counting once its last block is sent (and no longer exists once its
	// final ACK, an error or its timeout ends it), so a client fetching
	// files one after another is never refused; up to MaxPerSource more
	// that await only their final ACK are held. A source at its cap loses
	// its own most stalled transfer to its new request.
	MaxPerSource int
	// MaxBlockSize is the largest blksize granted, 8 to MaxBlockSize; 0
	// means what the interface MTU carries in one datagram.
	MaxBlockSize int
	// Log is called once per request, after it ends, from the
	// transfer's goroutine (so concurrently).
	Log func(Event)
	// Rewrite, when set, rewrites each requested name before anything
	// else looks at it, as tftpd-hpa's --map-file rules do
	// (tftpmap.Map.Rewrite); an error refuses the request.
	Rewrite func(name string, client netip.Addr) (string, error)
}

// Event is the log record of one request.
type Event struct {
	Time       time.Time `json:"time"`
	Remote     string    `json:"remote"`
	Op         string    `json:"op"`   // read or write
	File       string    `json:"file"` // as requested
	Mode       string    `json:"mode,omitempty"`
	Blksize    int       `json:"blksize,omitempty"`
	Status     string    `json:"status"` // see docs/tftp.md
	Bytes      int64     `json:"bytes"`  // bytes sent
	Size       int64     `json:"size"`   // size of the file, -1 when not opened
	DurationMS int64     `json:"duration_ms"`
	Error      string    `json:"error,omitempty"`
}

// Text is the event as `phoneload serve` logs it without --json: time,
// client, op, file, status, bytes sent/size, duration, error. `phoneload
// log` reads it back (bundle/tftplog).
// The time (when the request came) is RFC 3339 with microseconds: events
// are logged when requests end, so a reader orders them by it.
func (e Event) Text() string {
	ts := e.Time.Format(TextTime)
	line := fmt.Sprintf("%s %s %s %s %s %d/%d bytes %dms", ts, e.Remote, e.Op, e.File, e.Status, e.Bytes, e.Size, e.DurationMS)
	if e.Size < 0 {
		line = fmt.Sprintf("%s %s %s %s %s %dms", ts, e.Remote, e.Op, e.File, e.Status, e.DurationMS)
	}
	if e.Error != "" {
		line += ": " + e.Error
	}
	return line
}

// TextTime is the time layout of Event.Text.
const TextTime = "2006-01-02T15:04:05.000000Z07:00"

// Server is a read-only TFTP server.
type Server struct {
	src  Source
	opts Options

	mu       sync.Mutex
	stopped  bool
	conn     *net.UDPConn
	n        int                          // transfers held
	byTID    map[netip.AddrPort]*transfer // by client address and port
	bySource map[netip.Addr][]*transfer   // by client address
	pending  *list.List                   // transfers waiting for their first ACK, oldest first
	mtus     map[int]int                  // interface index -> MTU
	wg       sync.WaitGroup
	evicted  atomic.Int64
	listenIP netip.Addr
	// active is n, readable without mu. A transfer admitted while it is
	// at most blocking gets a blockingConn (a thread while it waits);
	// past it, a pollerConn (a goroutine in the runtime's network poller).
	active   atomic.Int32
	blocking int32
}

// NewServer returns a server for src. Write requests are always refused.
func NewServer(src Source, opts Options) *Server {
	if opts.Timeout <= 0 {
		opts.Timeout = DefaultTimeout
	}
	if opts.Retries <= 0 {
		opts.Retries = DefaultRetries
	}
	if opts.FirstACK <= 0 {
		opts.FirstACK = DefaultFirstACK
	}
	if opts.MaxTransfers <= 0 {
		opts.MaxTransfers = DefaultMaxTransfers
	}
	if opts.MaxPerSource <= 0 {
		opts.MaxPerSource = DefaultMaxPerSource
	}
	if opts.MaxBlockSize > MaxBlockSize {
		opts.MaxBlockSize = MaxBlockSize
	}
	return &Server{
		src: src, opts: opts,
		byTID:    map[netip.AddrPort]*transfer{},
		bySource: map[netip.Addr][]*transfer{},
		pending:  list.New(),
		mtus:     map[int]int{},
		blocking: int32(max(4, runtime.GOMAXPROCS(0))),
	}
}

// Evicted returns how many stalled transfers were dropped to make room.
func (s *Server) Evicted() int64 { return s.evicted.Load() }

// Serve answers requests on conn until Shutdown, which closes conn.
func (s *Server) Serve(conn *net.UDPConn) error {
	s.mu.Lock()
	if s.stopped {
		s.mu.Unlock()
		conn.Close()
		return nil
	}
	s.conn = conn
	s.mu.Unlock()
	if la, ok := conn.LocalAddr().(*net.UDPAddr); ok {
		if ip, ok := netip.AddrFromSlice(la.IP); ok {
			s.listenIP = ip.Unmap()
		}
	}
	// A boot storm is a thousand requests within a few milliseconds: a
	// default receive buffer (~200 KB, a few hundred datagrams) drops
	// most of them, and each drop costs a phone its own retry timeout.
	growReadBuffer(conn, 8<<20)
	pktinfo := enablePktinfo(conn)
	buf := make([]byte, 4096)
	oob := make([]byte, 512)
	for {
		n, oobn, flags, from, err := conn.ReadMsgUDPAddrPort(buf, oob)
		if err != nil {
			s.mu.Lock()
			stopped := s.stopped
			s.mu.Unlock()
			if stopped {
				return nil
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				continue
			}
			if errors.Is(err, net.ErrClosed) {
				return err
			}
			// ICMP errors for earlier answers and the like: keep serving.
			continue
		}
		if flags&msgTrunc != 0 || n < 2 {
			continue
		}
		var local netip.Addr
		ifindex := 0
		if pktinfo {
			local, ifindex = parsePktinfo(oob[:oobn])
		}
		s.handle(buf[:n], from, local, ifindex)
	}
}

// Shutdown stops taking requests and waits for running transfers to end.
func (s *Server) Shutdown() {
	s.mu.Lock()
	s.stopped = true
	if s.conn != nil {
		s.conn.Close()
	}
	s.mu.Unlock()
	s.wg.Wait()
}

// TFTP opcodes and error codes (RFC 1350, 2347).
const (
	opRRQ   = 1
	opWRQ   = 2
	opDATA  = 3
	opACK   = 4
	opERROR = 5
	opOACK  = 6

	errUndefined = 0
	errCodeNF    = 1
	errCodeAcc   = 2
	errBadOp     = 4
	errOptNeg    = 8
)

// The texts of the errors sent to clients. None carries internal detail
// (a socket or file system error stays in the log). "File not found" is
// the exact wording of RFC 1350's error 1: phones' loaders go on hunting
// only on it.
const (
	msgNotFound    = "File not found"
	msgAccess      = "Access violation"
	msgBusy        = "Server busy, try again"
	msgReadOnly    = "Write requests refused: read-only server"
	msgUnknownMode = "Unknown mode"
	msgBadRequest  = "Illegal TFTP operation"
	msgOptNeg      = "Unsupported option(s) requested"
	msgReadError   = "Read error"
)

// request is a parsed RRQ.
type request struct {
	name     string
	mode     string // octet or netascii
	blksize  int    // 0: not asked (or ignored)
	tsize    bool
	timeout  int // seconds, 0: not asked
	optOrder []string
}

// parseRequest parses an RRQ or WRQ body (after the opcode). It returns
// the error code and text to answer with when the request is refused.
func parseRequest(b []byte) (request, int, string) {
	var r request
	var fields []string
	for len(b) > 0 {
		i := indexByte(b, 0)
		if i < 0 {
			return r, errBadOp, msgBadRequest
		}
		fields = append(fields, string(b[:i]))
		b = b[i+1:]
	}
	if len(fields) < 2 {
		return r, errBadOp, msgBadRequest
	}
	r.name = fields[0]
	switch lower(fields[1]) {
	case "octet":
		r.mode = "octet"
	case "netascii":
		r.mode = "netascii"
	default:
		// tftpd-hpa's answer, word for word ("mail" included).
		return r, errBadOp, msgUnknownMode
	}
	seen := map[string]bool{}
	for i := 2; i+1 < len(fields); i += 2 {
		name, val := lower(fields[i]), fields[i+1]
		if seen[name] {
			continue // the first wins
		}
		seen[name] = true
		switch name {
		case "blksize":
			// RFC 2348: 8 to 65464. Below 8 is refused with error 8 (RFC
			// 2347), above is answered with what we can do; a value that
			// is no number is ignored, as tftpd-hpa does.
			v, ok := atoi(val)
			if !ok {
				continue
			}
			if v < 8 {
				return r, errOptNeg, msgOptNeg
			}
			r.blksize = min(v, MaxBlockSize)
		case "tsize":
			// RFC 2349. Unknown in advance in netascii, where tftpd-hpa
			// refuses it with error 8; so do we.
			if _, ok := atoi(val); !ok {
				continue
			}
			if r.mode != "octet" {
				return r, errOptNeg, msgOptNeg
			}
			r.tsize = true
		case "timeout":
			// RFC 2349: 1 to 255 seconds.
			v, ok := atoi(val)
			if !ok {
				continue
			}
			if v < 1 || v > 255 {
				return r, errOptNeg, msgOptNeg
			}
			r.timeout = v
		default:
			continue // not supported: left out of the OACK (RFC 2347)
		}
		r.optOrder = append(r.optOrder, name)
	}
	return r, 0, ""
}

func indexByte(b []byte, c byte) int {
	for i, x := range b {
		if x == c {
			return i
		}
	}
	return -1
}

func lower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + 32
		}
	}
	return string(b)
}

// atoi parses a decimal option value, saturating (a value past any limit
// is as good as the largest).
func atoi(s string) (int, bool) {
	if s == "" || len(s) > 20 {
		if len(s) > 20 {
			for _, c := range s {
				if c < '0' || c > '9' {
					return 0, false
				}
			}
			return 1 << 30, true
		}
		return 0, false
	}
	n := 0
	for _, c := range s {
		if c < '0' || c > '9' {
			return 0, false
		}
		if n < 1<<30 {
			n = n*10 + int(c-'0')
		}
	}
	return n, true
}

func errorPacket(code int, msg string) []byte {
	p := make([]byte, 4, 5+len(msg))
	binary.BigEndian.PutUint16(p, opERROR)
	binary.BigEndian.PutUint16(p[2:], uint16(code))
	p = append(p, msg...)
	return append(p, 0)
}

// handle takes one datagram that reached the listening socket.
func (s *Server) handle(p []byte, from netip.AddrPort, local netip.Addr, ifindex int) {
	from = netip.AddrPortFrom(from.Addr().Unmap(), from.Port())
	op := binary.BigEndian.Uint16(p)
	now := time.Now()
	switch op {
	case opRRQ, opWRQ:
	default:
		return // DATA, ACK, ERROR, OACK or junk on port 69: nothing to say
	}
	req, code, msg := parseRequest(p[2:])
	ev := Event{Time: now.UTC(), Remote: from.String(), Op: "read", File: req.name, Mode: req.mode, Size: -1}
	if op == opWRQ {
		ev.Op = "write"
		ev.Status, ev.Error = "refused", "read-only server"
		s.reply(from, errorPacket(errCodeAcc, msgReadOnly))
		s.log(ev)
		return
	}
	if code != 0 {
		ev.Status, ev.Error = "bad-request", msg
		s.reply(from, errorPacket(code, msg))
		s.log(ev)
		return
	}
	t, busy := s.admit(from, now)
	if t == nil {
		if busy {
			ev.Status, ev.Error = "busy", "no stalled transfer to make room"
			s.reply(from, errorPacket(errUndefined, msgBusy))
			s.log(ev)
		}
		return // a retransmitted request: its transfer answers it
	}
	if !local.IsValid() {
		local = s.listenIP
	}
	conn, err := s.dial(local, from)
	if err != nil {
		s.unregister(t)
		s.wg.Done()
		ev.Status, ev.Error = "error", "transfer socket: "+err.Error()
		s.reply(from, errorPacket(errUndefined, msgBusy))
		s.log(ev)
		return
	}
	t.mu.Lock()
	t.conn = conn
	evicted := t.evictedNow
	t.mu.Unlock()
	if evicted {
		conn.SetDeadline(time.Unix(1, 0))
	}
	req.blksize = s.grantBlksize(req.blksize, ifindex, from.Addr().Is6())
	go s.run(t, req, ev)
}

// dial opens a transfer's socket, from local to the client.
func (s *Server) dial(local netip.Addr, to netip.AddrPort) (transferConn, error) {
	if s.active.Load() <= s.blocking {
		if c, ok, err := dialBlocking(local, to); ok {
			if err != nil {
				return nil, err
			}
			return c, nil
		}
	}
	laddr := &net.UDPAddr{}
	if local.IsValid() && !local.IsUnspecified() {
		laddr.IP = local.AsSlice()
	}
	network := "udp4"
	if to.Addr().Is6() {
		network = "udp6"
	}
	conn, err := net.DialUDP(network, laddr, net.UDPAddrFromAddrPort(to))
	if err != nil && laddr.IP != nil {
		// An address that cannot be bound as such (an IPv6 link-local
		// one without its zone): let the kernel pick.
		conn, err = net.DialUDP(network, nil, net.UDPAddrFromAddrPort(to))
	}
	if err != nil {
		return nil, err
	}
	return &pollerConn{UDPConn: conn}, nil
}

// grantBlksize returns the blksize granted for an asked one (0: none asked).
func (s *Server) grantBlksize(asked, ifindex int, v6 bool) int {
	if asked == 0 {
		return 0
	}
	limit := s.opts.MaxBlockSize
	if limit == 0 {
		mtu := s.mtu(ifindex)
		hdr := 20 + 8 + 4
		if v6 {
			hdr = 40 + 8 + 4
		}
		limit = min(mtu-hdr, MaxBlockSize)
	}
	return min(asked, limit)
}

// mtu returns the MTU of an interface, 1500 (Ethernet) when unknown.
func (s *Server) mtu(ifindex int) int {
	if ifindex <= 0 {
		return 1500
	}
	s.mu.Lock()
	m, ok := s.mtus[ifindex]
	s.mu.Unlock()
	if ok {
		return m
	}
	m = 1500
	if ifi, err := net.InterfaceByIndex(ifindex); err == nil && ifi.MTU >= 68 {
		m = ifi.MTU
	}
	s.mu.Lock()
	s.mtus[ifindex] = m
	s.mu.Unlock()
	return m
}

func (s *Server) reply(to netip.AddrPort, p []byte) {
	s.mu.Lock()
	c := s.conn
	s.mu.Unlock()
	if c != nil {
		c.WriteToUDPAddrPort(p, to)
	}
}

func (s *Server) log(e Event) {
	if s.opts.Log != nil {
		s.opts.Log(e)
	}
}

// transfer is one read request being served.
type transfer struct {
	remote  netip.AddrPort
	start   int64        // unix nanoseconds
	lastAck atomic.Int64 // unix nanoseconds of the last ACK that moved it on; 0 before the first
	final   atomic.Bool  // its last DATA block is sent; only the final ACK is awaited
	elem    *list.Element

	mu         sync.Mutex
	conn       transferConn
	evictedNow bool
	gone       bool // unregistered
}

// progress is when the transfer last moved: its last new ACK, or its start.
func (t *transfer) progress() int64 {
	if a := t.lastAck.Load(); a != 0 {
		return a
	}
	return t.start
}

// stalled reports whether t may be dropped to make room for another
// request: it has not had its first ACK yet (a spoofed source never
// sends one; a real client does within a round trip), or no ACK moved it
// on for a whole retransmission timeout.
func (s *Server) stalled(t *transfer, now int64) bool {
	return t.lastAck.Load() == 0 || now-t.progress() >= int64(s.opts.Timeout)
}

// admit finds a slot for a request from a client. It returns nil and
// busy=false for a retransmitted request whose transfer is still waiting
// for its first ACK (that transfer answers it), nil and busy=true when no
// slot can be had.
func (s *Server) admit(from netip.AddrPort, now time.Time) (*transfer, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.stopped {
		return nil, false
	}
	nowNS := now.UnixNano()
	if old := s.byTID[from]; old != nil {
		if old.lastAck.Load() == 0 {
			return nil, false
		}
		// The client started over from the same port: the old
		// transfer is dead to it.
		s.evictLocked(old)
	}
	ip := from.Addr()
	// The cap counts transfers still sending. One that has sent its last
	// block has given the client the whole file and waits only for the
	// final ACK, usually already queued on its socket: a client that
	// fetches file after file sends its next request right after that
	// ACK, and must not find its previous transfer still counted. Such
	// transfers are bounded too, by a second MaxPerSource.
	sending := 0
	for _, t := range s.bySource[ip] {
		if !t.final.Load() {
			sending++
		}
	}
	if all := len(s.bySource[ip]); sending >= s.opts.MaxPerSource || all >= 2*s.opts.MaxPerSource {
		var victim *transfer
		for _, t := range s.bySource[ip] {
			if sending >= s.opts.MaxPerSource && t.final.Load() {
				continue // dropping it would not make room
			}
			if victim == nil || t.progress() < victim.progress() {
				victim = t
			}
		}
		// A transfer of this source still waiting for its first ACK is
		// given half a timeout before its own source's next request may
		// take its place (phones behind one NAT address boot together).
		young := victim.lastAck.Load() == 0 && nowNS-victim.start < int64(s.opts.Timeout/2)
		if young || !s.stalled(victim, nowNS) {
			return nil, true
		}
		s.evictLocked(victim)
	}
	if s.n >= s.opts.MaxTransfers {
		var victim *transfer
		if e := s.pending.Front(); e != nil {
			victim = e.Value.(*transfer)
		} else {
			// Every transfer has had its first ACK: the one that has
			// waited longest, if it has stalled.
			for _, ts := range s.bySource {
				for _, t := range ts {
					if victim == nil || t.progress() < victim.progress() {
						victim = t
					}
				}
			}
			if victim == nil || !s.stalled(victim, nowNS) {
				return nil, true
			}
		}
		s.evictLocked(victim)
	}
	t := &transfer{remote: from, start: nowNS}
	s.wg.Add(1) // under mu, before Shutdown can Wait: run (or handle) calls Done
	t.elem = s.pending.PushBack(t)
	s.byTID[from] = t
	s.bySource[ip] = append(s.bySource[ip], t)
	s.n++
	s.active.Store(int32(s.n))
	return t, false
}

// evictLocked drops t from the books and stops its goroutine, which tells
// the client the server is busy.
func (s *Server) evictLocked(t *transfer) {
	s.unregisterLocked(t)
	s.evicted.Add(1)
	t.mu.Lock()
	t.evictedNow = true
	c := t.conn
	t.mu.Unlock()
	if c != nil {
		c.SetDeadline(time.Unix(1, 0)) // the pending read returns at once
	}
}

func (s *Server) unregister(t *transfer) {
	s.mu.Lock()
	s.unregisterLocked(t)
	s.mu.Unlock()
}

func (s *Server) unregisterLocked(t *transfer) {
	t.mu.Lock()
	gone := t.gone
	t.gone = true
	t.mu.Unlock()
	if gone {
		return
	}
	if t.elem != nil {
		s.pending.Remove(t.elem)
		t.elem = nil
	}
	if s.byTID[t.remote] == t {
		delete(s.byTID, t.remote)
	}
	ip := t.remote.Addr()
	ts := s.bySource[ip]
	for i, x := range ts {
		if x == t {
			ts[i] = ts[len(ts)-1]
			ts = ts[:len(ts)-1]
			break
		}
	}
	if len(ts) == 0 {
		delete(s.bySource, ip)
	} else {
		s.bySource[ip] = ts
	}
	s.n--
	s.active.Store(int32(s.n))
}

// acked records an ACK that moved t on.
func (s *Server) acked(t *transfer) {
	if t.lastAck.Swap(time.Now().UnixNano()) == 0 {
		s.mu.Lock()
		if t.elem != nil {
			s.pending.Remove(t.elem)
			t.elem = nil
		}
		s.mu.Unlock()
	}
}

func (t *transfer) evicted() bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.evictedNow
}

// errStop ends a transfer; its fields are the log status and detail and
// what the client is told (code < 0: nothing).
type errStop struct {
	status, detail string
	code           int
	msg            string
}

func (e *errStop) Error() string { return e.status + ": " + e.detail }

// run serves one admitted read request.
func (s *Server) run(t *transfer, req request, ev Event) {
	defer s.wg.Done()
	t.mu.Lock()
	conn := t.conn
	t.mu.Unlock()
	start := time.Now()
	var last []byte // the ERROR packet that ends the transfer, sent after the log
	defer func() {
		// The slot is the source's again as soon as the transfer is
		// over (final ACK, error or timeout), before the log line is
		// written: a log behind a lock on a slow terminal or pipe must
		// not make a phone fetching file after file look busy.
		s.unregister(t)
		ev.DurationMS = time.Since(start).Milliseconds()
		s.log(ev)
		if last != nil {
			conn.Write(last)
		}
		conn.Close()
	}()
	stop := func(e *errStop) {
		ev.Status, ev.Error = e.status, e.detail
		if e.code >= 0 {
			last = errorPacket(e.code, e.msg)
		}
	}
	requested := req.name
	if s.opts.Rewrite != nil {
		client := netip.Addr{}
		if ap, err := netip.ParseAddrPort(ev.Remote); err == nil {
			client = ap.Addr()
		}
		n, err := s.opts.Rewrite(requested, client)
		if err != nil {
			stop(&errStop{"denied", err.Error(), errCodeNF, msgNotFound})
			return
		}
		requested = n
	}
	name, err := CleanName(requested)
	if err != nil {
		stop(&errStop{"denied", "name refused", errCodeNF, msgNotFound})
		return
	}
	r, size, err := s.src.Open(name)
	switch {
	case errors.Is(err, ErrNotFound):
		stop(&errStop{"not-found", "", errCodeNF, msgNotFound})
		return
	case errors.Is(err, ErrDenied):
		stop(&errStop{"denied", "", errCodeNF, msgNotFound})
		return
	case err != nil:
		stop(&errStop{"error", err.Error(), errUndefined, msgReadError})
		return
	}
	defer r.Close()
	ev.Size = size
	if t.evicted() {
		stop(&errStop{"evicted", "dropped for a newer request before it started", errUndefined, msgBusy})
		return
	}
	var in io.Reader = r
	if req.mode == "netascii" {
		in = &netasciiReader{r: bufio.NewReaderSize(r, 4096)}
	}
	x := &sender{s: s, t: t, conn: conn, req: req, in: in, size: size}
	n, err := x.send()
	ev.Bytes = n
	ev.Blksize = x.blksize
	if err != nil {
		var es *errStop
		if errors.As(err, &es) {
			stop(es)
		} else {
			stop(&errStop{"error", err.Error(), errUndefined, msgReadError})
		}
		return
	}
	ev.Status = "ok"
}

// sender runs the lock-step exchange of one transfer.
type sender struct {
	s       *Server
	t       *transfer
	conn    transferConn
	req     request
	in      io.Reader
	size    int64
	blksize int
	timeout time.Duration
	rbuf    [516]byte
}

func (x *sender) send() (int64, error) {
	x.blksize = 512
	x.timeout = x.s.opts.Timeout
	if x.req.timeout > 0 {
		x.timeout = time.Duration(x.req.timeout) * time.Second
	}
	firstDeadline := time.Now().Add(x.s.opts.FirstACK)
	// RFC 2347: an OACK for the options we take, then wait for ACK 0.
	if len(x.req.optOrder) > 0 {
		oack := []byte{0, opOACK}
		for _, o := range x.req.optOrder {
			var v int64
			switch o {
			case "blksize":
				v = int64(x.req.blksize)
				x.blksize = x.req.blksize
			case "tsize":
				v = x.size
			case "timeout":
				v = int64(x.req.timeout)
			}
			oack = append(oack, o...)
			oack = append(oack, 0)
			oack = appendInt(oack, v)
			oack = append(oack, 0)
		}
		if err := x.exchange(oack, 0, firstDeadline); err != nil {
			return 0, err
		}
		firstDeadline = time.Time{}
	}
	bufSize := 4 + x.blksize
	pkt := make([]byte, bufSize)
	binary.BigEndian.PutUint16(pkt, opDATA)
	// The first block is read straight from the file; a read buffer
	// (fewer read calls for small blocks) only once the client has
	// acknowledged it: a stalled or spoofed request costs no more.
	in := x.in
	var sent int64
	blk := uint16(1)
	for {
		n, err := io.ReadFull(in, pkt[4:])
		if err != nil && err != io.ErrUnexpectedEOF && err != io.EOF {
			return sent, &errStop{"error", "read: " + err.Error(), errUndefined, msgReadError}
		}
		binary.BigEndian.PutUint16(pkt[2:], blk)
		if n < x.blksize {
			x.t.final.Store(true)
		}
		if err := x.exchange(pkt[:4+n], blk, firstDeadline); err != nil {
			return sent, err
		}
		firstDeadline = time.Time{}
		sent += int64(n)
		if n < x.blksize {
			return sent, nil
		}
		if blk == 1 && x.blksize < 8192 {
			in = bufio.NewReaderSize(x.in, 8192)
		}
		blk++ // rolls over from 65535 to 0, as tftpd-hpa and most clients do
	}
}

func appendInt(b []byte, v int64) []byte {
	var d [20]byte
	i := len(d)
	if v == 0 {
		return append(b, '0')
	}
	for v > 0 {
		i--
		d[i] = byte('0' + v%10)
		v /= 10
	}
	return append(b, d[i:]...)
}

// exchange sends p and waits for the ACK of block blk, sending p again
// after each timeout. Until the first ACK, the whole wait is bounded by
// first (zero after it).
func (x *sender) exchange(p []byte, blk uint16, first time.Time) error {
	for try := 0; ; try++ {
		if try >= x.s.opts.Retries {
			return &errStop{"timeout", "no ACK of block " + itoa(int(blk)) + " after " + itoa(try) + " sends", -1, ""}
		}
		deadline := time.Now().Add(x.timeout)
		if !first.IsZero() {
			if !time.Now().Before(first) {
				return &errStop{"timeout", "no first ACK within " + x.s.opts.FirstACK.String(), -1, ""}
			}
			if first.Before(deadline) {
				deadline = first
			}
		}
		if _, err := x.conn.Write(p); err != nil {
			if x.t.evicted() {
				return &errStop{"evicted", "dropped for a newer request", -1, ""}
			}
			return &errStop{"error", "send: " + err.Error(), -1, ""}
		}
		for {
			n, err := x.recv(deadline)
			if err != nil {
				if x.t.evicted() {
					return &errStop{"evicted", "stalled, dropped for a newer request", errUndefined, msgBusy}
				}
				var ne net.Error
				if errors.As(err, &ne) && ne.Timeout() {
					break // send again
				}
				// ECONNREFUSED: the client's port is closed, it is gone.
				return &errStop{"error", "client gone: " + err.Error(), -1, ""}
			}
			if n < 4 {
				continue
			}
			switch binary.BigEndian.Uint16(x.rbuf[:]) {
			case opACK:
				if binary.BigEndian.Uint16(x.rbuf[2:]) == blk {
					x.s.acked(x.t)
					return nil
				}
				// An older ACK (a duplicate): never answered by a
				// resend, or both sides would double every block
				// from then on (the Sorcerer's Apprentice, RFC 1123).
			case opERROR:
				code := int(binary.BigEndian.Uint16(x.rbuf[2:]))
				msg := string(x.rbuf[4:n])
				if i := indexByte(x.rbuf[4:n], 0); i >= 0 {
					msg = msg[:i]
				}
				return &errStop{"aborted", "client sent error " + itoa(code) + ": " + msg, -1, ""}
			}
		}
	}
}

// recv reads the next packet of the transfer, waiting until deadline.
func (x *sender) recv(deadline time.Time) (int, error) {
	return x.conn.recv(x.rbuf[:], deadline, x.t.evicted)
}

// transferConn is a transfer's socket, connected to the client: a
// pollerConn, or a *blockingConn while few transfers run.
type transferConn interface {
	Write([]byte) (int, error)
	Close() error
	// SetDeadline(a time past) wakes a pending recv of an evicted
	// transfer (a blockingConn notices between waits instead).
	SetDeadline(time.Time) error
	// recv reads the next packet into b, waiting until deadline
	// (a timeout error after it) or until evicted says so.
	recv(b []byte, deadline time.Time, evicted func() bool) (int, error)
}

// pollerConn waits in the runtime's network poller.
type pollerConn struct {
	*net.UDPConn
	deadline time.Time // the read deadline set
}

func (c *pollerConn) recv(b []byte, deadline time.Time, _ func() bool) (int, error) {
	if !deadline.Equal(c.deadline) {
		c.SetReadDeadline(deadline)
		c.deadline = deadline
	}
	return c.Read(b)
}

func itoa(v int) string { return string(appendInt(nil, int64(v))) }

// netasciiReader converts to netascii (RFC 764): LF becomes CR LF, CR
// becomes CR NUL.
type netasciiReader struct {
	r       *bufio.Reader
	pending int // a byte owed after a CR, -1 none
	started bool
}

func (n *netasciiReader) Read(p []byte) (int, error) {
	if !n.started {
		n.pending, n.started = -1, true
	}
	i := 0
	for i < len(p) {
		if n.pending >= 0 {
			p[i] = byte(n.pending)
			n.pending = -1
			i++
			continue
		}
		c, err := n.r.ReadByte()
		if err != nil {
			if i > 0 && err == io.EOF {
				return i, nil
			}
			return i, err
		}
		switch c {
		case '\n':
			p[i], n.pending = '\r', '\n'
		case '\r':
			p[i], n.pending = '\r', 0
		default:
			p[i] = c
		}
		i++
	}
	return i, nil
}
