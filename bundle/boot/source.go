package boot

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"
	"time"

	"github.com/phoneload/phoneload/internal/tftp"
)

// Status is what the TFTP server answered to one request.
type Status string

// The answers a phone can get.
const (
	Found    Status = "found"     // the file came
	NotFound Status = "not-found" // ERROR 1 "File not found": the loader goes on hunting
	Denied   Status = "denied"    // any other TFTP error (access violation…): the hunt stops
	NoAnswer Status = "no-answer" // the server never answered
)

// MaxKeep is how much of a fetched file a Reply keeps: every configuration,
// manifest and profile whole, and of an image the signed header and the
// loader id at payload offset 0x120.
const MaxKeep = 1 << 20

// Reply is the answer to one request.
type Reply struct {
	Status  Status
	Size    int64  // bytes transferred (Found)
	Data    []byte // the first MaxKeep bytes
	Message string // the server's error message, for Denied and NoAnswer
}

// Source answers a phone's TFTP requests: a directory, a bundle or drop
// zip, or a live TFTP server.
type Source interface {
	Fetch(name string) Reply
	Close() error
}

// OpenLocal opens a TFTP root directory, or a bundle (zip or directory)
// served as the root it becomes when published, without its SHA256SUMS,
// signatures and bundle.json, as `phoneload serve` serves it.
//
// A file that is not world-readable is answered as tftpd-hpa running as
// nobody answers it: "Access violation", which stops a loader's hunt
// (docs/check.md, tftp-permission).
func OpenLocal(path string) (Source, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("boot: %w", err)
	}
	ls := &localSource{}
	if fi.IsDir() {
		r, err := os.OpenRoot(path)
		if err != nil {
			return nil, fmt.Errorf("boot: %w", err)
		}
		ls.root = r
	}
	src, err := tftp.OpenSource(path)
	if err != nil {
		ls.Close()
		return nil, fmt.Errorf("boot: %s: %w", path, err)
	}
	ls.src = src
	if rc, _, err := src.Open(sumsName); err == nil {
		rc.Close()
		ls.bundle = true
	}
	return ls, nil
}

type localSource struct {
	root   *os.Root // directories: for permission bits
	src    tftp.Source
	bundle bool
}

func (l *localSource) Fetch(name string) Reply {
	clean, err := tftp.CleanName(name)
	if err != nil {
		return Reply{Status: Denied, Message: "Access violation"}
	}
	if l.bundle && IsBundleMeta(clean) {
		return Reply{Status: NotFound, Message: "File not found"}
	}
	if l.root != nil {
		fi, err := l.root.Stat(clean)
		if err == nil && fi.Mode().IsRegular() && fi.Mode().Perm()&0o004 == 0 {
			return Reply{Status: Denied, Message: "Access violation"}
		}
	}
	rc, _, err := l.src.Open(clean)
	if errors.Is(err, tftp.ErrNotFound) || errors.Is(err, fs.ErrNotExist) {
		return Reply{Status: NotFound, Message: "File not found"}
	}
	if err != nil {
		return Reply{Status: Denied, Message: "Access violation"}
	}
	defer rc.Close()
	h := &headWriter{}
	n, err := io.Copy(h, rc)
	if err != nil {
		return Reply{Status: Denied, Message: err.Error()}
	}
	return Reply{Status: Found, Size: n, Data: h.b}
}

func (l *localSource) Close() error {
	var err error
	if l.src != nil {
		err = l.src.Close()
	}
	if l.root != nil {
		l.root.Close()
	}
	return err
}

// DialOptions tune Dial.
type DialOptions struct {
	Client tftp.ClientOptions
	// Gap is a pause after each transfer, as a phone takes to read what
	// it got: servers that log a transfer when it ends (dnsmasq, phoneload
	// serve) then log requests in the order they came.
	Gap time.Duration
}

// Dial returns a Source that asks a live TFTP server at host:port, with
// 512-byte blocks as a phone's loader does.
func Dial(addr string, o DialOptions) (Source, error) {
	c, err := tftp.NewClient(addr, o.Client)
	if err != nil {
		return nil, fmt.Errorf("boot: %w", err)
	}
	return &remoteSource{c: c, gap: o.Gap}, nil
}

type remoteSource struct {
	c   *tftp.Client
	gap time.Duration
}

func (r *remoteSource) Fetch(name string) Reply {
	if r.gap > 0 {
		defer time.Sleep(r.gap)
	}
	h := &headWriter{}
	n, err := r.c.Fetch(name, h, 1<<40)
	if err == nil {
		return Reply{Status: Found, Size: n, Data: h.b}
	}
	var re *tftp.RemoteError
	if errors.As(err, &re) {
		if re.NotFound() {
			return Reply{Status: NotFound, Message: re.Message}
		}
		return Reply{Status: Denied, Message: re.Message}
	}
	if errors.Is(err, tftp.ErrNoAnswer) {
		return Reply{Status: NoAnswer, Message: err.Error()}
	}
	return Reply{Status: Denied, Message: err.Error()}
}

func (r *remoteSource) Close() error { return nil }

// ParseTarget splits a tftp://HOST[:PORT] argument; ok is false for
// anything else (a path).
func ParseTarget(s string) (addr string, ok bool) {
	rest, ok := strings.CutPrefix(s, "tftp://")
	if !ok {
		return "", false
	}
	rest = strings.TrimSuffix(rest, "/")
	if rest == "" {
		return "", true
	}
	if strings.HasPrefix(rest, "[") {
		if strings.HasSuffix(rest, "]") {
			return rest + ":69", true
		}
		return rest, true
	}
	if !strings.Contains(rest, ":") {
		return rest + ":69", true
	}
	return rest, true
}

// headWriter keeps the first MaxKeep bytes written to it.
type headWriter struct{ b []byte }

func (h *headWriter) Write(p []byte) (int, error) {
	if room := MaxKeep - len(h.b); room > 0 {
		h.b = append(h.b, p[:min(room, len(p))]...)
	}
	return len(p), nil
}
