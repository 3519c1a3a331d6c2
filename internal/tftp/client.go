package tftp

import (
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"time"

	pin "github.com/pin/tftp/v3"
)

// RemoteError is an ERROR packet from the server.
type RemoteError struct {
	Code    int
	Message string
}

func (e *RemoteError) Error() string {
	return fmt.Sprintf("tftp: server error %d: %s", e.Code, e.Message)
}

// NotFound reports whether the server answered "File not found" (code 1),
// the only answer on which a Cisco loader goes on to the next file.
func (e *RemoteError) NotFound() bool { return e.Code == 1 }

// ErrTooLarge is returned by Fetch when the file exceeds the limit.
var ErrTooLarge = errors.New("tftp: file larger than the limit")

// ClientOptions configure a Client.
type ClientOptions struct {
	Timeout   time.Duration // per packet; 0 means 2s
	Retries   int           // 0 means 5
	BlockSize int           // blksize to ask for, MinClientBlockSize to MaxBlockSize; 0 asks for none (512, as a phone's loader)
}

// Block sizes a Client may ask for. RFC 2348 allows down to 8, but pin/tftp's
// receiver refuses a grant below 512 and keeps its 512-byte buffer: a
// server that grants the small size would then end the transfer at the
// first (short) block, and the file would look truncated.
const (
	MinClientBlockSize = 512
	MaxBlockSize       = 65464 // RFC 2348
)

// ErrNoAnswer is returned by Fetch when the server never answered the
// request: nothing listening, a firewall, or a server that ignores
// requests it will not serve. It is a timeout (its Timeout method
// returns true), as net errors are.
var ErrNoAnswer error = timeoutError("tftp: no answer")

type timeoutError string

func (e timeoutError) Error() string { return string(e) }
func (timeoutError) Timeout() bool   { return true }

// Client fetches files from one TFTP server.
type Client struct {
	c    *pin.Client
	addr string
	opts ClientOptions
}

// NewClient returns a client for the server at host:port.
func NewClient(addr string, opts ClientOptions) (*Client, error) {
	if opts.BlockSize != 0 && (opts.BlockSize < MinClientBlockSize || opts.BlockSize > MaxBlockSize) {
		return nil, fmt.Errorf("tftp: block size %d outside %d-%d", opts.BlockSize, MinClientBlockSize, MaxBlockSize)
	}
	c, err := pin.NewClient(addr)
	if err != nil {
		return nil, fmt.Errorf("tftp: %w", err)
	}
	if opts.Timeout <= 0 {
		opts.Timeout = 2 * time.Second
	}
	if opts.Retries <= 0 {
		opts.Retries = 5
	}
	c.SetTimeout(opts.Timeout)
	c.SetRetries(opts.Retries)
	if opts.BlockSize > 0 {
		c.SetBlockSize(opts.BlockSize)
	}
	return &Client{c: c, addr: addr, opts: opts}, nil
}

// Fetch downloads name into w, at most max bytes (ErrTooLarge past that).
// A server ERROR packet comes back as a *RemoteError.
func (c *Client) Fetch(name string, w io.Writer, max int64) (int64, error) {
	wt, err := c.c.Receive(name, "octet")
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		// pin/tftp's error names only our own socket.
		return 0, fmt.Errorf("%w from %s to the request for %s (%d tries, %s timeout each)", ErrNoAnswer, c.addr, name, c.opts.Retries, c.opts.Timeout)
	}
	if err != nil {
		return 0, remoteErr(err)
	}
	lw := &limitWriter{w: w, n: max}
	n, err := wt.WriteTo(lw)
	if lw.over {
		return n, ErrTooLarge
	}
	if err != nil {
		return n, remoteErr(err)
	}
	return n, nil
}

// remoteErr recognises the "code: N, message: M" errors pin/tftp makes of
// ERROR packets.
func remoteErr(err error) error {
	msg := err.Error()
	i := strings.Index(msg, "code: ")
	if i < 0 {
		return fmt.Errorf("tftp: %w", err)
	}
	rest := msg[i+len("code: "):]
	num, text, ok := strings.Cut(rest, ", message: ")
	code, cerr := strconv.Atoi(num)
	if !ok || cerr != nil {
		return fmt.Errorf("tftp: %w", err)
	}
	return &RemoteError{Code: code, Message: strings.TrimRight(text, "\x00")}
}

type limitWriter struct {
	w    io.Writer
	n    int64
	over bool
}

func (l *limitWriter) Write(p []byte) (int, error) {
	if int64(len(p)) > l.n {
		l.over = true
		return 0, ErrTooLarge
	}
	l.n -= int64(len(p))
	return l.w.Write(p)
}
