package tftp

import (
	"archive/zip"
	"bytes"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	pin "github.com/pin/tftp/v3"

	"github.com/phoneload/phoneload/internal/testtool"
)

// startServer serves src on a loopback port; the function returned gives
// the log events so far.
func startServer(t testing.TB, src Source, opts Options) (string, func() []Event) {
	t.Helper()
	var mu sync.Mutex
	var events []Event
	opts.Log = func(e Event) { mu.Lock(); events = append(events, e); mu.Unlock() }
	s := NewServer(src, opts)
	conn, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- s.Serve(conn) }()
	t.Cleanup(func() {
		s.Shutdown()
		<-done
		src.Close()
	})
	return conn.LocalAddr().String(), func() []Event {
		mu.Lock()
		defer mu.Unlock()
		return append([]Event(nil), events...)
	}
}

// waitEvents returns the log once it holds n events, or what it holds after
// two seconds. A transfer logs when it ends, which for a read is after the
// server sees the last ACK: the client may be done before the log is.
func waitEvents(events func() []Event, n int) []Event {
	deadline := time.Now().Add(2 * time.Second)
	for {
		ev := events()
		if len(ev) >= n || time.Now().After(deadline) {
			return ev
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// waitFiles returns the log once every named file has an event in it, or
// what it holds after two seconds. Events are logged as transfers end, not
// in the order they began: a read that finished first for the client may
// log after the refusals that followed it.
func waitFiles(events func() []Event, names ...string) []Event {
	deadline := time.Now().Add(2 * time.Second)
	for {
		ev := events()
		seen := map[string]bool{}
		for _, e := range ev {
			seen[e.File] = true
		}
		all := true
		for _, n := range names {
			all = all && seen[n]
		}
		if all || time.Now().After(deadline) {
			return ev
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func fetch(t testing.TB, addr, name string, blksize int) ([]byte, error) {
	t.Helper()
	c, err := NewClient(addr, ClientOptions{BlockSize: blksize, Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	_, err = c.Fetch(name, &buf, 1<<30)
	return buf.Bytes(), err
}

func testRoot(t testing.TB) string {
	dir := t.TempDir()
	root := filepath.Join(dir, "root")
	os.MkdirAll(filepath.Join(root, "sub"), 0o755)
	os.MkdirAll(filepath.Join(root, ".phoneload"), 0o755)
	os.WriteFile(filepath.Join(root, "SIPDefault.cnf"), []byte("image_version: P0S3-8-12-00\n"), 0o644)
	os.WriteFile(filepath.Join(root, "sub", "ring.raw"), bytes.Repeat([]byte{0x7f}, 5000), 0o644)
	os.WriteFile(filepath.Join(root, ".phoneload", "state.json"), []byte("{}"), 0o644)
	os.WriteFile(filepath.Join(dir, "secret"), []byte("outside"), 0o644)
	os.Symlink(filepath.Join(dir, "secret"), filepath.Join(root, "escape"))
	os.Symlink("SIPDefault.cnf", filepath.Join(root, "inside-link"))
	return root
}

func TestServeDirectory(t *testing.T) {
	root := testRoot(t)
	src, err := OpenSource(root)
	if err != nil {
		t.Fatal(err)
	}
	addr, events := startServer(t, src, Options{})
	for _, tc := range []struct {
		name    string
		want    string // content, or "" for an error
		blksize int
		code    int
	}{
		{name: "SIPDefault.cnf", want: "image_version: P0S3-8-12-00\n"},
		{name: "/SIPDefault.cnf", want: "image_version: P0S3-8-12-00\n"},
		{name: "inside-link", want: "image_version: P0S3-8-12-00\n"},
		{name: "sub/ring.raw", want: strings.Repeat("\x7f", 5000), blksize: 1428},
		{name: "missing.cnf", code: 1},
		{name: "../secret", code: 1},
		{name: "sub/../../secret", code: 1},
		{name: "escape", code: 1},
		{name: ".phoneload/state.json", code: 1},
		{name: "sub", code: 1},
		{name: `sub\ring.raw`, code: 1},
	} {
		got, err := fetch(t, addr, tc.name, tc.blksize)
		if tc.code != 0 {
			var re *RemoteError
			if !errors.As(err, &re) || re.Code != tc.code {
				t.Errorf("%s: err %v, want server error code %d", tc.name, err, tc.code)
			}
			continue
		}
		if err != nil || string(got) != tc.want {
			t.Errorf("%s: %d bytes, err %v", tc.name, len(got), err)
		}
	}
	// Missing files are answered with exactly "File not found".
	_, err = fetch(t, addr, "SIP001122334455.cnf", 0)
	var re *RemoteError
	if !errors.As(err, &re) || !re.NotFound() || re.Message != "File not found" {
		t.Errorf("missing file: %v", err)
	}
	// Writes are refused, and nothing is written.
	c, _ := pin.NewClient(addr)
	c.SetTimeout(time.Second)
	if rf, err := c.Send("new.cnf", "octet"); err == nil {
		if _, err := rf.ReadFrom(strings.NewReader("x")); err == nil {
			t.Errorf("write request accepted")
		}
	}
	if _, err := os.Stat(filepath.Join(root, "new.cnf")); err == nil {
		t.Errorf("write request created a file")
	}
	wants := map[string]string{"SIPDefault.cnf": "ok", "missing.cnf": "not-found", "../secret": "denied", "escape": "denied", ".phoneload/state.json": "denied", "new.cnf": "refused"}
	var names []string
	for name := range wants {
		names = append(names, name)
	}
	statuses := map[string]string{}
	for _, e := range waitFiles(events, names...) {
		statuses[e.File] = e.Status
	}
	for name, want := range wants {
		if statuses[name] != want {
			t.Errorf("log status of %s = %q, want %q", name, statuses[name], want)
		}
	}
}

func TestServeZip(t *testing.T) {
	dir := t.TempDir()
	zp := filepath.Join(dir, "b.zip")
	f, _ := os.Create(zp)
	zw := zip.NewWriter(f)
	for name, data := range map[string]string{"SIPDefault.cnf": "image_version: X\n", "P0S3-8-12-00.sb2": strings.Repeat("img", 10000)} {
		w, _ := zw.Create(name)
		io.WriteString(w, data)
	}
	zw.Close()
	f.Close()
	src, err := OpenSource(zp)
	if err != nil {
		t.Fatal(err)
	}
	addr, _ := startServer(t, src, Options{})
	got, err := fetch(t, addr, "P0S3-8-12-00.sb2", 0)
	if err != nil || string(got) != strings.Repeat("img", 10000) {
		t.Fatalf("zip entry: %d bytes, %v", len(got), err)
	}
	if _, err := fetch(t, addr, "nope", 0); err == nil {
		t.Fatal("missing zip entry served")
	}
	// Unsafe entries make the zip unservable.
	bad := filepath.Join(dir, "bad.zip")
	f, _ = os.Create(bad)
	zw = zip.NewWriter(f)
	w, _ := zw.Create("../evil")
	io.WriteString(w, "x")
	zw.Close()
	f.Close()
	if _, err := OpenSource(bad); err == nil || !strings.Contains(err.Error(), "unsafe entry") {
		t.Fatalf("zip with ../evil: %v", err)
	}
}

// bigSize is past what 512-byte blocks with 16-bit block numbers reach
// without rolling over (33,553,919 bytes).
const bigSize = 33_553_919 + 70_000

func bigFile(t testing.TB) (string, [32]byte) {
	root := t.TempDir()
	b := make([]byte, bigSize)
	for i := range b {
		b[i] = byte(i*7 + i>>16)
	}
	os.WriteFile(filepath.Join(root, "big.sbn"), b, 0o644)
	return root, sha256.Sum256(b)
}

// TestServeBeyond32MB fetches a file past the 16-bit block-number limit
// with 512-byte blocks: the block number rolls over and every byte arrives.
func TestServeBeyond32MB(t *testing.T) {
	if testing.Short() || raceEnabled {
		t.Skip("34 MB over 512-byte blocks (not a concurrency test: skipped under -race too)")
	}
	root, want := bigFile(t)
	src, _ := OpenSource(root)
	// Client and server share this process: a long pause of it (a loaded
	// machine, the 16 MB -> 32 MB growth of the client's buffer) must not
	// outlast the server's retransmissions.
	addr, _ := startServer(t, src, Options{Timeout: 5 * time.Second})
	got, err := fetch(t, addr, "big.sbn", 0)
	if err != nil || sha256.Sum256(got) != want {
		t.Fatalf("big.sbn over 512-byte blocks: %d bytes (want %d), %v", len(got), bigSize, err)
	}
	// And with curl, a client that is not ours.
	testtool.Need(t, "curl")
	out := filepath.Join(t.TempDir(), "big")
	cmd := exec.Command("curl", "-sS", "--tftp-no-options", "-o", out, "tftp://"+addr+"/big.sbn")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("curl: %v\n%s", err, b)
	}
	b, _ := os.ReadFile(out)
	if sha256.Sum256(b) != want {
		t.Fatalf("curl got %d bytes, want %d intact", len(b), bigSize)
	}
}

// rrq sends a read request with the given options from a fresh socket and
// returns the first packet the server answers with.
func rrq(t *testing.T, addr, name string, opts ...string) []byte {
	t.Helper()
	// Not a connected socket: the server answers from a new port (its TID).
	c, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	to, err := net.ResolveUDPAddr("udp", addr)
	if err != nil {
		t.Fatal(err)
	}
	p := append([]byte{0, 1}, name+"\x00octet\x00"...)
	for _, o := range opts {
		p = append(append(p, o...), 0)
	}
	if _, err := c.WriteTo(p, to); err != nil {
		t.Fatal(err)
	}
	c.SetReadDeadline(time.Now().Add(2 * time.Second))
	buf := make([]byte, 2048)
	n, from, err := c.ReadFrom(buf)
	if err != nil {
		t.Fatalf("RRQ %s %q: %v", name, opts, err)
	}
	// Tell the server to stop, so that it does not retransmit until its
	// timeout while the test shuts it down.
	c.WriteTo([]byte("\x00\x05\x00\x00done\x00"), from)
	return buf[:n]
}

// TestServeOptions pins what docs/tftp.md says about the RFC 2347 options:
// blksize, tsize and timeout are acknowledged in the order asked; unknown
// options are left out of the OACK; a request with no option we take gets
// DATA block 1 at once.
func TestServeOptions(t *testing.T) {
	src, err := OpenSource(testRoot(t))
	if err != nil {
		t.Fatal(err)
	}
	addr, _ := startServer(t, src, Options{})
	oack := func(p []byte) map[string]string {
		if len(p) < 2 || p[1] != 6 {
			t.Fatalf("answer %q, want an OACK", p)
		}
		m := map[string]string{}
		f := strings.Split(strings.TrimSuffix(string(p[2:]), "\x00"), "\x00")
		for i := 0; i+1 < len(f); i += 2 {
			m[strings.ToLower(f[i])] = f[i+1]
		}
		return m
	}
	got := oack(rrq(t, addr, "SIPDefault.cnf", "blksize", "1024", "tsize", "0", "timeout", "1", "windowsize", "4"))
	if diff := cmp.Diff(map[string]string{"blksize": "1024", "tsize": "28", "timeout": "1"}, got); diff != "" {
		t.Errorf("OACK for blksize, tsize, timeout, windowsize (-want +got):\n%s", diff)
	}
	if p := rrq(t, addr, "SIPDefault.cnf", "windowsize", "4"); len(p) < 4 || p[1] != 3 || p[3] != 1 {
		t.Errorf("answer to RRQ with windowsize only: %q, want DATA block 1", p)
	}
}

// TestFetchNoAnswer: a server that never answers is named in the error,
// not our own socket.
func TestFetchNoAnswer(t *testing.T) {
	silent, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer silent.Close()
	addr := silent.LocalAddr().String()
	c, err := NewClient(addr, ClientOptions{Timeout: 50 * time.Millisecond, Retries: 2})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Fetch("SIPDefault.cnf", io.Discard, 1<<20)
	want := "tftp: no answer from " + addr + " to the request for SIPDefault.cnf (2 tries, 50ms timeout each)"
	if !errors.Is(err, ErrNoAnswer) || err.Error() != want {
		t.Fatalf("Fetch from a silent server: %v, want %q", err, want)
	}
}

// TestServeZipHugeEntry: an entry declaring more than MaxZipFileSize (here
// past what an int64 holds, which made the tsize sent negative) refuses the
// archive at start, naming the entry.
func TestServeZipHugeEntry(t *testing.T) {
	p := filepath.Join(t.TempDir(), "b.zip")
	f, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	zw := zip.NewWriter(f)
	w, err := zw.CreateRaw(&zip.FileHeader{Name: "SIPDefault.cnf", Method: zip.Store, UncompressedSize64: 1<<63 + 5, CompressedSize64: 3})
	if err != nil {
		t.Fatal(err)
	}
	w.Write([]byte("abc"))
	zw.Close()
	f.Close()
	src, err := OpenSource(p)
	if err == nil {
		_, n, _ := src.Open("SIPDefault.cnf")
		src.Close()
		t.Fatalf("OpenSource accepted an entry declaring 2^63+5 bytes (size %d)", n)
	}
	if want := "SIPDefault.cnf: declared size 9223372036854775813 larger than 1099511627776"; !strings.Contains(err.Error(), want) {
		t.Fatalf("OpenSource: %v, want %q", err, want)
	}
}

// TestOpenSourceMissing: the error names the package and the path.
func TestOpenSourceMissing(t *testing.T) {
	p := filepath.Join(t.TempDir(), "nope")
	_, err := OpenSource(p)
	if want := "tftp: stat " + p + ": no such file or directory"; err == nil || err.Error() != want || !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("OpenSource(missing): %v, want %q", err, want)
	}
}

// TestClientBlockSizeRange: a block size pin/tftp's receiver cannot take
// is refused up front, not turned into a silently truncated file.
func TestClientBlockSizeRange(t *testing.T) {
	for _, n := range []int{8, 100, 511, 65465} {
		if _, err := NewClient("127.0.0.1:69", ClientOptions{BlockSize: n}); err == nil || !strings.Contains(err.Error(), "outside 512-65464") {
			t.Errorf("NewClient with BlockSize %d: %v, want refused", n, err)
		}
	}
	for _, n := range []int{0, 512, 1428, 65464} {
		if _, err := NewClient("127.0.0.1:69", ClientOptions{BlockSize: n}); err != nil {
			t.Errorf("NewClient with BlockSize %d: %v", n, err)
		}
	}
}

// TestNoAnswerIsTimeout: callers that know nothing of this package (probe)
// recognise ErrNoAnswer as a timeout.
func TestNoAnswerIsTimeout(t *testing.T) {
	var to interface{ Timeout() bool }
	err := fmt.Errorf("%w from x", ErrNoAnswer)
	if !errors.As(err, &to) || !to.Timeout() || !errors.Is(err, ErrNoAnswer) {
		t.Fatalf("%v: not a timeout", err)
	}
}
