package tftp

import (
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"time"

	pin "github.com/pin/tftp/v3"
)

// DefaultMaxTransfers bounds the transfers a Server runs at once.
const DefaultMaxTransfers = 64

// Options configure a Server.
type Options struct {
	Timeout      time.Duration // retransmission timeout per packet; 0 means 5s
	Retries      int           // attempts per packet; 0 means 5
	MaxTransfers int           // concurrent transfers; 0 means DefaultMaxTransfers
	MaxBlockSize int           // largest blksize granted, 513 to MaxBlockSize (pin/tftp ignores other values); 0 means the interface MTU allows
	Log          func(Event)   // called once per request, after it ends (so not always in request order: Event.Time is when it came)
}

// Event is the log record of one request.
type Event struct {
	Time       time.Time `json:"time"`
	Remote     string    `json:"remote"`
	Op         string    `json:"op"`     // read or write
	File       string    `json:"file"`   // as requested
	Status     string    `json:"status"` // ok, not-found, denied, busy, refused, error
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
	src     Source
	opts    Options
	srv     *pin.Server
	sem     chan struct{}
	mu      sync.Mutex
	stopped bool
}

// NewServer returns a server for src. Write requests are always refused.
func NewServer(src Source, opts Options) *Server {
	if opts.Timeout <= 0 {
		opts.Timeout = 5 * time.Second
	}
	if opts.MaxTransfers <= 0 {
		opts.MaxTransfers = DefaultMaxTransfers
	}
	s := &Server{src: src, opts: opts, sem: make(chan struct{}, opts.MaxTransfers)}
	s.srv = pin.NewServer(s.read, s.write)
	s.srv.SetTimeout(opts.Timeout)
	if opts.Retries > 0 {
		s.srv.SetRetries(opts.Retries)
	}
	if opts.MaxBlockSize > 0 {
		s.srv.SetBlockSize(opts.MaxBlockSize)
	}
	return s
}

// Serve answers requests on conn until Shutdown.
func (s *Server) Serve(conn *net.UDPConn) error { return s.srv.Serve(conn) }

// Shutdown stops taking requests and waits for running transfers to end.
func (s *Server) Shutdown() {
	s.mu.Lock()
	s.stopped = true
	s.mu.Unlock()
	s.srv.Shutdown()
}

// The texts of the errors sent to clients. "File not found" is the exact
// wording of RFC 1350's error 1: phones' loaders go on hunting only on it.
var (
	errBusy    = errors.New("server busy, try again")
	errRefused = errors.New("write requests refused: read-only server")
	//lint:ignore ST1005 wire text of TFTP error 1 (RFC 1350), shown by clients
	errNotFound = errors.New("File not found")
	//lint:ignore ST1005 wire text of TFTP error 2 (RFC 1350), shown by clients
	errAccess = errors.New("Access violation")
)

func (s *Server) log(e Event) {
	if s.opts.Log != nil {
		s.opts.Log(e)
	}
}

func (s *Server) read(filename string, rf io.ReaderFrom) error {
	ev := Event{Time: time.Now().UTC(), Op: "read", File: filename, Size: -1}
	ot, _ := rf.(pin.OutgoingTransfer)
	if ot != nil {
		a := ot.RemoteAddr()
		ev.Remote = a.String()
	}
	defer func() {
		ev.DurationMS = time.Since(ev.Time).Milliseconds()
		s.log(ev)
	}()
	fail := func(status string, err error) error {
		ev.Status, ev.Error = status, err.Error()
		return err
	}
	// Bounded concurrency: wait up to one timeout for a slot. A client
	// retransmits its request meanwhile; past that, it gets an error.
	select {
	case s.sem <- struct{}{}:
		defer func() { <-s.sem }()
	case <-time.After(s.opts.Timeout):
		return fail("busy", errBusy)
	}
	name, err := CleanName(filename)
	if err != nil {
		return fail("denied", errAccess)
	}
	r, size, err := s.src.Open(name)
	switch {
	case errors.Is(err, ErrNotFound):
		return fail("not-found", errNotFound)
	case errors.Is(err, ErrDenied):
		return fail("denied", errAccess)
	case err != nil:
		return fail("error", err)
	}
	defer r.Close()
	ev.Size = size
	if ot != nil {
		ot.SetSize(size)
	}
	n, err := rf.ReadFrom(r)
	ev.Bytes = n
	if err != nil {
		ev.Status, ev.Error = "error", err.Error()
		return nil // pin/tftp has already told the client
	}
	ev.Status = "ok"
	return nil
}

func (s *Server) write(filename string, wt io.WriterTo) error {
	ev := Event{Time: time.Now().UTC(), Op: "write", File: filename, Status: "refused", Size: -1, Error: errRefused.Error()}
	if it, ok := wt.(pin.IncomingTransfer); ok {
		a := it.RemoteAddr()
		ev.Remote = a.String()
	}
	s.log(ev)
	return errRefused
}
