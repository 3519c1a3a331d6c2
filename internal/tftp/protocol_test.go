package tftp

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/phoneload/phoneload/internal/testtool"
)

// answer sends one raw request from a fresh socket and returns the first
// packet back, rendered: "ERROR 4 Unknown mode", "OACK blksize=8",
// "DATA 1 hello\r\n", or "none".
func answer(t *testing.T, addr string, req []byte) string {
	t.Helper()
	c, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	to, _ := net.ResolveUDPAddr("udp", addr)
	c.WriteTo(req, to)
	c.SetReadDeadline(time.Now().Add(time.Second))
	buf := make([]byte, 70000)
	n, from, err := c.ReadFrom(buf)
	if err != nil {
		return "none"
	}
	c.WriteTo([]byte("\x00\x05\x00\x00done\x00"), from)
	p := buf[:n]
	switch p[1] {
	case 3:
		return fmt.Sprintf("DATA %d %q", int(p[2])<<8|int(p[3]), p[4:])
	case 5:
		return fmt.Sprintf("ERROR %d %s", int(p[2])<<8|int(p[3]), strings.TrimRight(string(p[4:]), "\x00"))
	case 6:
		return "OACK " + strings.ReplaceAll(strings.TrimRight(string(p[2:]), "\x00"), "\x00", "=")
	}
	return fmt.Sprintf("%q", p)
}

func rawRRQ(name, mode string, opts ...string) []byte {
	p := append([]byte{0, 1}, name+"\x00"+mode+"\x00"...)
	for _, o := range opts {
		p = append(append(p, o...), 0)
	}
	return p
}

// protocolCases are requests whose answers tftpd-hpa and serve share
// (the wire texts are tftpd-hpa's, word for word).
var protocolCases = []struct {
	name string
	req  []byte
	want string
}{
	{"octet", rawRRQ("f.txt", "octet"), `DATA 1 "hello\n"`},
	{"netascii converts line ends", rawRRQ("f.txt", "NETASCII"), `DATA 1 "hello\r\n"`},
	{"unknown mode", rawRRQ("f.txt", "foo"), "ERROR 4 Unknown mode"},
	{"mail mode", rawRRQ("f.txt", "mail"), "ERROR 4 Unknown mode"},
	{"blksize 8", rawRRQ("f.txt", "octet", "blksize", "8"), "OACK blksize=8"},
	{"blksize below 8", rawRRQ("f.txt", "octet", "blksize", "4"), "ERROR 8 Unsupported option(s) requested"},
	{"blksize 0", rawRRQ("f.txt", "octet", "blksize", "0"), "ERROR 8 Unsupported option(s) requested"},
	{"blksize not a number is ignored", rawRRQ("f.txt", "octet", "blksize", "abc"), `DATA 1 "hello\n"`},
	{"blksize past 65464 gets the largest", rawRRQ("f.txt", "octet", "blksize", "70000"), "OACK blksize=65464"},
	{"tsize in netascii", rawRRQ("f.txt", "netascii", "tsize", "0"), "ERROR 8 Unsupported option(s) requested"},
	{"tsize", rawRRQ("f.txt", "octet", "tsize", "0"), "OACK tsize=6"},
	{"timeout 0", rawRRQ("f.txt", "octet", "timeout", "0"), "ERROR 8 Unsupported option(s) requested"},
	{"timeout 300", rawRRQ("f.txt", "octet", "timeout", "300"), "ERROR 8 Unsupported option(s) requested"},
	{"missing file", rawRRQ("nope", "octet"), "ERROR 1 File not found"},
	{"leaves the root", rawRRQ("../etc/passwd", "octet"), "ERROR 1 File not found"},
	{"not NUL-terminated", []byte("\x00\x01f.txt\x00octet"), "ERROR 4"},
	{"opcode 9", []byte("\x00\x09xx"), "none"},
	{"ACK to port 69", []byte("\x00\x04\x00\x01"), "none"},
}

func protocolRoot(t *testing.T) string {
	root := t.TempDir()
	os.Chmod(root, 0o755)
	if err := os.WriteFile(filepath.Join(root, "f.txt"), []byte("hello\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	return root
}

// TestServeProtocol: unknown modes, bad blksize, tsize and timeout values,
// malformed requests get tftpd-hpa's answers.
func TestServeProtocol(t *testing.T) {
	src, err := OpenSource(protocolRoot(t))
	if err != nil {
		t.Fatal(err)
	}
	addr, _ := startServer(t, src, Options{})
	for _, tc := range protocolCases {
		got := answer(t, addr, tc.req)
		if !strings.HasPrefix(got, tc.want) {
			t.Errorf("%s: answer %s, want %s", tc.name, got, tc.want)
		}
	}
}

// TestServeProtocolLikeTftpdHPA sends the same requests to tftpd-hpa and
// checks it answers as protocolCases say: the table is tftpd-hpa's
// behaviour, not our guess at it.
func TestServeProtocolLikeTftpdHPA(t *testing.T) {
	bin := testtool.Need(t, "in.tftpd")
	if os.Geteuid() != 0 {
		testtool.Missing(t, "in.tftpd --secure needs root (chroot)")
	}
	root := protocolRoot(t)
	l, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	addr := l.LocalAddr().String()
	l.Close()
	c := exec.Command(bin, "--foreground", "--address", addr, "--secure", "--user", "root", root)
	if err := c.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { c.Process.Signal(syscall.SIGTERM); c.Wait() }()
	for i := 0; i < 50 && answer(t, addr, rawRRQ("nope", "octet")) == "none"; i++ {
	}
	for _, tc := range protocolCases {
		got := answer(t, addr, tc.req)
		if !strings.HasPrefix(got, tc.want) {
			t.Errorf("tftpd-hpa, %s: answer %s, want %s", tc.name, got, tc.want)
		}
	}
}

// failingSource fails the way a disk or a socket does, with text that
// must stay in the log.
type failingSource struct{ openErr, readErr error }

func (f failingSource) Open(name string) (io.ReadCloser, int64, error) {
	if f.openErr != nil {
		return nil, 0, f.openErr
	}
	return io.NopCloser(io.MultiReader(bytes.NewReader(make([]byte, 1024)), errReader{f.readErr})), 4096, nil
}
func (failingSource) Close() error { return nil }

type errReader struct{ err error }

func (e errReader) Read([]byte) (int, error) { return 0, e.err }

// TestServeNoInternalErrorText: a failing open or read tells the client
// "Read error" (code 0), never the error text; the log has the detail.
func TestServeNoInternalErrorText(t *testing.T) {
	secret := errors.New("open /srv/secret-path/f.txt: input/output error")
	for _, src := range []failingSource{{openErr: secret}, {readErr: secret}} {
		addr, events := startServer(t, src, Options{})
		_, err := fetch(t, addr, "f.txt", 0)
		var re *RemoteError
		if !errors.As(err, &re) || re.Code != 0 || re.Message != "Read error" {
			t.Errorf("client got %v, want server error 0: Read error", err)
		}
		ev := waitEvents(events, 1)
		if len(ev) != 1 || ev[0].Status != "error" || !strings.Contains(ev[0].Error, "secret-path") {
			t.Errorf("log %+v, want the detail", ev)
		}
	}
}

// TestServeTimeoutOption: the client's timeout (RFC 2349) is the
// retransmission timeout of its transfer.
func TestServeTimeoutOption(t *testing.T) {
	src, err := OpenSource(protocolRoot(t))
	if err != nil {
		t.Fatal(err)
	}
	addr, _ := startServer(t, src, Options{Timeout: 50 * time.Millisecond, FirstACK: 10 * time.Second})
	c, _ := net.ListenPacket("udp", "127.0.0.1:0")
	defer c.Close()
	to, _ := net.ResolveUDPAddr("udp", addr)
	c.WriteTo(rawRRQ("f.txt", "octet", "timeout", "1"), to)
	buf := make([]byte, 100)
	c.SetReadDeadline(time.Now().Add(2 * time.Second))
	c.ReadFrom(buf) // the OACK
	t0 := time.Now()
	if _, _, err := c.ReadFrom(buf); err != nil { // its retransmission
		t.Fatal(err)
	}
	if d := time.Since(t0); d < 800*time.Millisecond {
		t.Errorf("OACK sent again after %v, want the 1 s asked for (server default 50 ms)", d)
	}
}

// TestServeDuplicateACK: a duplicated ACK is not answered by a resend
// (the Sorcerer's Apprentice bug, RFC 1123 4.2.3.1), which would double
// every block from then on.
func TestServeDuplicateACK(t *testing.T) {
	root := protocolRoot(t)
	os.WriteFile(filepath.Join(root, "three.bin"), bytes.Repeat([]byte{1}, 3*512+10), 0o644)
	src, err := OpenSource(root)
	if err != nil {
		t.Fatal(err)
	}
	addr, _ := startServer(t, src, Options{Timeout: 2 * time.Second})
	c, _ := net.ListenPacket("udp", "127.0.0.1:0")
	defer c.Close()
	to, _ := net.ResolveUDPAddr("udp", addr)
	c.WriteTo(rawRRQ("three.bin", "octet"), to)
	buf := make([]byte, 600)
	read := func() (int, net.Addr, error) {
		c.SetReadDeadline(time.Now().Add(300 * time.Millisecond))
		return c.ReadFrom(buf)
	}
	n, peer, err := read()
	if err != nil || n != 516 || buf[3] != 1 {
		t.Fatalf("first answer: %d bytes %q, %v", n, buf[:min(n, 4)], err)
	}
	c.WriteTo([]byte{0, 4, 0, 1}, peer)
	c.WriteTo([]byte{0, 4, 0, 1}, peer)
	if n, _, err := read(); err != nil || buf[3] != 2 {
		t.Fatalf("after ACK 1: %d bytes, %v", n, err)
	}
	if n, _, err := read(); err == nil {
		t.Fatalf("a second packet (%q) after a duplicated ACK 1", buf[:min(n, 4)])
	}
}

// TestServeIPv6AndDualStack: on [::1] and on a dual-stack wildcard socket
// (v4 clients arrive v4-mapped), transfers answer from the address asked
// and negotiate blksize from the loopback MTU.
func TestServeIPv6AndDualStack(t *testing.T) {
	root := protocolRoot(t)
	want := bytes.Repeat([]byte("0123456789"), 5000)
	os.WriteFile(filepath.Join(root, "img.bin"), want, 0o644)
	for _, tc := range []struct{ listen, dial string }{
		{"[::1]:0", "[::1]"},
		{"[::]:0", "127.0.0.1"},
		{"[::]:0", "[::1]"},
	} {
		l, err := net.ListenUDP("udp", mustUDPAddr(t, tc.listen))
		if err != nil {
			t.Skipf("no IPv6 here: %v", err)
		}
		src, err := OpenSource(root)
		if err != nil {
			t.Fatal(err)
		}
		s := NewServer(src, Options{})
		done := make(chan error, 1)
		go func() { done <- s.Serve(l) }()
		port := l.LocalAddr().(*net.UDPAddr).Port
		addr := fmt.Sprintf("%s:%d", tc.dial, port)
		for _, bs := range []int{0, 1468, 8192} {
			got, err := fetch(t, addr, "img.bin", bs)
			if err != nil || !bytes.Equal(got, want) {
				t.Errorf("listen %s, fetch from %s, blksize %d: %d bytes, %v", tc.listen, addr, bs, len(got), err)
			}
		}
		s.Shutdown()
		<-done
		src.Close()
	}
}

func mustUDPAddr(t *testing.T, s string) *net.UDPAddr {
	a, err := net.ResolveUDPAddr("udp", s)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// TestServeNetascii: line ends become CR LF and a lone CR becomes CR NUL
// (RFC 764) across block boundaries.
func TestServeNetascii(t *testing.T) {
	root := protocolRoot(t)
	var in, want bytes.Buffer
	for i := 0; i < 400; i++ {
		fmt.Fprintf(&in, "line %d\r\n\n", i) // CR, LF, LF
		fmt.Fprintf(&want, "line %d\r\x00\r\n\r\n", i)
	}
	os.WriteFile(filepath.Join(root, "text.cnf"), in.Bytes(), 0o644)
	src, err := OpenSource(root)
	if err != nil {
		t.Fatal(err)
	}
	addr, _ := startServer(t, src, Options{})
	to, _ := net.ResolveUDPAddr("udp", addr)
	c, _ := net.ListenPacket("udp", "127.0.0.1:0")
	defer c.Close()
	c.WriteTo(rawRRQ("text.cnf", "netascii"), to)
	var got bytes.Buffer
	buf := make([]byte, 600)
	for blk := 1; ; blk++ {
		c.SetReadDeadline(time.Now().Add(2 * time.Second))
		n, from, err := c.ReadFrom(buf)
		if err != nil || n < 4 || buf[1] != 3 || int(buf[2])<<8|int(buf[3]) != blk {
			t.Fatalf("block %d: %q, %v", blk, buf[:min(n, 8)], err)
		}
		got.Write(buf[4:n])
		c.WriteTo([]byte{0, 4, buf[2], buf[3]}, from)
		if n-4 < 512 {
			break
		}
	}
	if !bytes.Equal(got.Bytes(), want.Bytes()) {
		t.Fatalf("netascii: got %d bytes, want %d", got.Len(), want.Len())
	}
}
