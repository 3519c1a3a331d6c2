//go:build unix

package main

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/rand"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"aead.dev/minisign"

	"github.com/phoneload/phoneload/cmd/phoneload/cmd"
	"github.com/phoneload/phoneload/internal/fixture"
	"github.com/phoneload/phoneload/internal/testtool"
	"github.com/phoneload/phoneload/internal/tftp"
)

// tftpServer is a TFTP server on a loopback port serving root.
type tftpServer struct {
	addr string
	stop func()
}

// startTftpdHPA runs tftpd-hpa on root: `in.tftpd --foreground --address
// 127.0.0.1:PORT --secure ROOT`, as CI and a developer both can.
func startTftpdHPA(t *testing.T, root string) tftpServer {
	t.Helper()
	bin := testtool.Need(t, "in.tftpd")
	if os.Geteuid() != 0 {
		testtool.Missing(t, "in.tftpd --secure needs root (chroot)")
	}
	var lastErr error
	for attempt := 0; attempt < 5; attempt++ {
		port := freeUDPPort(t)
		addr := fmt.Sprintf("127.0.0.1:%d", port)
		c := exec.Command(bin, "--foreground", "--address", addr, "--secure", "--user", "root", root)
		var stderr bytes.Buffer
		c.Stderr = &stderr
		if err := c.Start(); err != nil {
			t.Fatal(err)
		}
		exited := make(chan error, 1)
		go func() { exited <- c.Wait() }()
		// Ready once it answers: a missing file gets "File not found".
		cl, _ := tftp.NewClient(addr, tftp.ClientOptions{Timeout: 200 * time.Millisecond, Retries: 1})
		for i := 0; i < 25; i++ {
			_, err := cl.Fetch("phoneload-probe-ready", &bytes.Buffer{}, 10)
			var re *tftp.RemoteError
			if asRemote(err, &re) {
				return tftpServer{addr: addr, stop: func() { c.Process.Signal(syscall.SIGTERM); <-exited }}
			}
			select {
			case err := <-exited:
				lastErr = fmt.Errorf("in.tftpd exited: %v: %s", err, stderr.String())
				i = 25
			default:
			}
		}
		c.Process.Kill()
		<-exited
		if lastErr == nil {
			lastErr = fmt.Errorf("in.tftpd on %s never answered: %s", addr, stderr.String())
		}
	}
	t.Fatal(lastErr)
	return tftpServer{}
}

func asRemote(err error, re **tftp.RemoteError) bool {
	if err == nil {
		return false
	}
	r, ok := err.(*tftp.RemoteError)
	*re = r
	return ok
}

func freeUDPPort(t *testing.T) int {
	c, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	return c.LocalAddr().(*net.UDPAddr).Port
}

// phoneloadBin is this test binary under the name phoneload, which
// testscript.Main runs as the command.
func phoneloadBin(t *testing.T) string {
	dir := t.TempDir()
	p := filepath.Join(dir, "phoneload")
	if err := os.Symlink(os.Args[0], p); err != nil {
		t.Fatal(err)
	}
	return p
}

// startServe runs `phoneload serve` on root in a child process and stops it
// with SIGINT (checking it stops gracefully).
func startServe(t *testing.T, root string) tftpServer {
	t.Helper()
	addrFile := filepath.Join(t.TempDir(), "addr")
	c := exec.Command(phoneloadBin(t), "serve", "--listen", "127.0.0.1:0", "--addr-file", addrFile, root)
	var stderr syncBuffer
	c.Stderr = &stderr
	if err := c.Start(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		b, err := os.ReadFile(addrFile)
		if err == nil && len(b) > 0 {
			return tftpServer{addr: strings.TrimSpace(string(b)), stop: func() {
				c.Process.Signal(os.Interrupt)
				if err := c.Wait(); err != nil {
					t.Errorf("phoneload serve after SIGINT: %v\n%s", err, stderr.String())
				}
				if !strings.Contains(stderr.String(), "phoneload: stopped") {
					t.Errorf("phoneload serve did not stop gracefully:\n%s", stderr.String())
				}
			}}
		}
		if time.Now().After(deadline) {
			c.Process.Kill()
			t.Fatalf("phoneload serve did not start:\n%s", stderr.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

type e2eEnv struct {
	dir, pub string
	key      minisign.PrivateKey
}

func newE2E(t *testing.T) *e2eEnv {
	dir := t.TempDir()
	os.Chmod(dir, 0o755)
	pub, key, err := minisign.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	pb, _ := pub.MarshalText()
	pubPath := filepath.Join(dir, "key.pub")
	os.WriteFile(pubPath, append(pb, '\n'), 0o644)
	return &e2eEnv{dir: dir, pub: pubPath, key: key}
}

func (e *e2eEnv) bundle(t *testing.T, name string, files map[string][]byte) string {
	p := filepath.Join(e.dir, name)
	if err := writeSignedBundle(p, files, e.key, false, false); err != nil {
		t.Fatal(err)
	}
	return p
}

func (e *e2eEnv) root(t *testing.T) string {
	p := filepath.Join(e.dir, "root")
	if err := os.Mkdir(p, 0o755); err != nil {
		t.Fatal(err)
	}
	return p
}

func run(t *testing.T, args ...string) (string, string, int) {
	t.Helper()
	var out, errb bytes.Buffer
	code := cmd.Run(args, strings.NewReader(""), &out, &errb)
	return out.String(), errb.String(), code
}

var servers = []struct {
	name  string
	start func(*testing.T, string) tftpServer
}{
	{"tftpd-hpa", startTftpdHPA},
	{"phoneload-serve", startServe},
}

// TestEndToEnd publishes a signed bundle into a root served by a real TFTP
// server (tftpd-hpa, then phoneload serve), downloads every file with curl
// and with tftp-hpa, and runs probe; everything must match the bundle.
func TestEndToEnd(t *testing.T) {
	for _, srv := range servers {
		t.Run(srv.name, func(t *testing.T) {
			e := newE2E(t)
			files := release("8-12-00")
			b := e.bundle(t, "b", files)
			root := e.root(t)
			s := srv.start(t, root)
			defer s.stop()

			if _, stderr, code := run(t, "publish", "--pub", e.pub, b, root); code != 0 {
				t.Fatalf("publish: exit %d\n%s", code, stderr)
			}
			curl := testtool.Need(t, "curl")
			tftpHPA := testtool.Need(t, "tftp")
			host, port, _ := net.SplitHostPort(s.addr)
			var names []string
			for name := range files {
				names = append(names, name)
			}
			sort.Strings(names)
			out := t.TempDir()
			for _, name := range names {
				cp := filepath.Join(out, "curl-"+name)
				if b, err := exec.Command(curl, "-sS", "-o", cp, "tftp://"+s.addr+"/"+name).CombinedOutput(); err != nil {
					t.Errorf("curl %s: %v\n%s", name, err, b)
				} else if got, _ := os.ReadFile(cp); !bytes.Equal(got, files[name]) {
					t.Errorf("curl %s: %d bytes differ from the bundle's %d", name, len(got), len(files[name]))
				}
				hp := filepath.Join(out, "hpa-"+name)
				c := exec.Command(tftpHPA, host, port, "-m", "binary", "-c", "get", name, hp)
				if b, err := c.CombinedOutput(); err != nil || len(bytes.TrimSpace(b)) > 0 {
					t.Errorf("tftp-hpa get %s: %v\n%s", name, err, b)
				} else if got, _ := os.ReadFile(hp); !bytes.Equal(got, files[name]) {
					t.Errorf("tftp-hpa %s: %d bytes differ from the bundle's %d", name, len(got), len(files[name]))
				}
			}
			// A missing file is "File not found" (error 1), which curl
			// reports as exit 68.
			c := exec.Command(curl, "-sS", "-o", filepath.Join(out, "x"), "tftp://"+s.addr+"/SIP0011223344FF.cnf")
			if err := c.Run(); err == nil || c.ProcessState.ExitCode() != 68 {
				t.Errorf("curl of a missing file: %v, want exit 68 (TFTP file not found)", err)
			}
			stdout, stderr, code := run(t, "probe", "--pub", e.pub, "--all", "--mac", "001122334455", "--model", "7940", "--bundle", b, "tftp://"+s.addr)
			if code != 0 {
				t.Fatalf("probe: exit %d\n%s%s", code, stdout, stderr)
			}
			for _, name := range names {
				if !strings.Contains(stdout, "ok") || !regexpLine(stdout, "ok", name) {
					t.Errorf("probe did not report %s ok:\n%s", name, stdout)
				}
			}
		})
	}
}

func regexpLine(out, status, name string) bool {
	for _, l := range strings.Split(out, "\n") {
		f := strings.Fields(l)
		if len(f) >= 2 && f[0] == status && f[1] == name {
			return true
		}
	}
	return false
}

// TestReaderDuringPublish downloads every file over TFTP in a loop while
// publishes alternate between two releases: no download may ever be torn,
// or a mix of the two.
func TestReaderDuringPublish(t *testing.T) {
	for _, srv := range servers {
		t.Run(srv.name, func(t *testing.T) {
			e := newE2E(t)
			oldF, newF := release("8-11-00"), release("8-12-00")
			// Same names in both releases, different content: a torn or
			// mixed download would show.
			for name, data := range release("8-12-00") {
				if _, ok := oldF[name]; !ok {
					oldF[name] = append([]byte("old "), data...)
				}
			}
			for name, data := range oldF {
				if _, ok := newF[name]; !ok {
					newF[name] = append([]byte("new "), data...)
				}
			}
			oldB, newB := e.bundle(t, "old", oldF), e.bundle(t, "new", newF)
			root := e.root(t)
			s := srv.start(t, root)
			defer s.stop()
			if _, stderr, code := run(t, "publish", "--pub", e.pub, oldB, root); code != 0 {
				t.Fatalf("publish: %s", stderr)
			}
			var names []string
			for name := range oldF {
				names = append(names, name)
			}
			sort.Strings(names)

			ctx, cancel := context.WithCancel(context.Background())
			var wg sync.WaitGroup
			var downloads, bad atomic.Int64
			var firstBad atomic.Value
			for r := 0; r < 2; r++ {
				wg.Add(1)
				go func(r int) {
					defer wg.Done()
					c, _ := tftp.NewClient(s.addr, tftp.ClientOptions{Timeout: 2 * time.Second})
					for i := r; ctx.Err() == nil; i++ {
						name := names[i%len(names)]
						var buf bytes.Buffer
						if _, err := c.Fetch(name, &buf, 1<<20); err != nil {
							bad.Add(1)
							firstBad.CompareAndSwap(nil, fmt.Sprintf("%s: %v", name, err))
							continue
						}
						downloads.Add(1)
						if got := buf.Bytes(); !bytes.Equal(got, oldF[name]) && !bytes.Equal(got, newF[name]) {
							bad.Add(1)
							firstBad.CompareAndSwap(nil, fmt.Sprintf("%s: %d bytes, neither release", name, len(got)))
						}
					}
				}(r)
			}
			// Count-based, not timed: publish until the readers have made
			// 50 downloads across at least 6 publishes, however slow the
			// machine; the cap only stops a reader that never gets through.
			const wantDownloads, wantPublishes, maxPublishes = 50, 6, 500
			publishes := 0
			for (downloads.Load() < wantDownloads || publishes < wantPublishes) && publishes < maxPublishes {
				b := newB
				if publishes%2 == 1 {
					b = oldB
				}
				if _, stderr, code := run(t, "publish", "--pub", e.pub, b, root); code != 0 {
					t.Errorf("publish %d: %s", publishes, stderr)
					break
				}
				publishes++
			}
			cancel()
			wg.Wait()
			t.Logf("%d publishes, %d downloads", publishes, downloads.Load())
			if bad.Load() > 0 {
				t.Fatalf("%d bad downloads; first: %v", bad.Load(), firstBad.Load())
			}
			if downloads.Load() < wantDownloads {
				t.Fatalf("only %d downloads during %d publishes", downloads.Load(), publishes)
			}
		})
	}
}

// TestPublishLockedCLI holds the publish lock the way a running publish
// does (flock on STATE/lock) and checks that a second publish
// and a rollback are refused with a clear message, changing nothing.
func TestPublishLockedCLI(t *testing.T) {
	e := newE2E(t)
	b := e.bundle(t, "b", release("8-12-00"))
	root := e.root(t)
	sd := filepath.Join(filepath.Dir(root), ".phoneload-"+filepath.Base(root))
	os.Mkdir(sd, 0o700)
	f, err := os.OpenFile(filepath.Join(sd, "lock"), os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		t.Fatal(err)
	}
	f.WriteString("pid 4242 on lab\n")
	_, stderr, code := run(t, "publish", "--pub", e.pub, b, root)
	if code != 1 || !strings.Contains(stderr, "another publish or rollback is running on this root: "+root+" (pid 4242 on lab holds "+filepath.Join(sd, "lock")+")") ||
		!strings.Contains(stderr, "phoneload: hint: wait for the other publish") {
		t.Fatalf("publish under a held lock: exit %d\n%s", code, stderr)
	}
	if _, err := os.Stat(filepath.Join(root, "SIPDefault.cnf")); err == nil {
		t.Fatal("a refused publish wrote into the root")
	}
	syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
	if _, stderr, code := run(t, "publish", "--pub", e.pub, b, root); code != 0 {
		t.Fatalf("publish once the lock is free: %s", stderr)
	}
}

// TestServeBundleZip serves a bundle zip straight out of the archive and
// probes it: every file of the bundle comes back intact.
func TestServeBundleZip(t *testing.T) {
	e := newE2E(t)
	files := release("8-12-00")
	b := e.bundle(t, "b", files)
	zp := filepath.Join(e.dir, "b.zip")
	zf, err := os.Create(zp)
	if err != nil {
		t.Fatal(err)
	}
	zw := zip.NewWriter(zf)
	ents, _ := os.ReadDir(b)
	for _, ent := range ents {
		data, _ := os.ReadFile(filepath.Join(b, ent.Name()))
		w, _ := zw.Create(ent.Name())
		w.Write(data)
	}
	zw.Close()
	zf.Close()
	s := startServe(t, zp)
	defer s.stop()
	stdout, stderr, code := run(t, "probe", "--pub", e.pub, "--all", "--bundle", zp, "tftp://"+s.addr)
	if code != 0 {
		t.Fatalf("probe of a served zip: exit %d\n%s%s", code, stdout, stderr)
	}
	for name := range files {
		if !regexpLine(stdout, "ok", name) {
			t.Errorf("%s not ok:\n%s", name, stdout)
		}
	}
}

// TestProbeFixtureFamilies publishes realistic drops of every family
// (internal/fixture: signed headers, CRLF 79x1 manifests with comments and
// trailing spaces, 7912 profiles) and probes each as its phone model: the
// boot sequence must reach the load and every part, all intact.
func TestProbeFixtureFamilies(t *testing.T) {
	for _, tc := range []struct {
		family fixture.Family
		model  string
		want   []string // must be fetched during the boot phase, ok
	}{
		{fixture.SIP7940, "7940", []string{"P0S3-8-12-00.loads", "P003-8-12-00.sbn", "P0S3-8-12-00.sb2", "SIPDefault.cnf", "Chirp1.raw", "dialplan.xml"}},
		{fixture.SCCP7940, "7960", []string{"P00308010200.loads", "P00308010200.sbn", "XMLDefault.cnf.xml"}},
		{fixture.SIP79x1, "7941", []string{"SIP41.9-4-2SR1S.loads", "jar41sip.9-4-2TH1-1.sbn", "dsp41.9-4-2TH1-1.sbn"}},
		{fixture.SIP7912, "7912", []string{"CP7912080001SIP060412A.sbin"}},
	} {
		t.Run(string(tc.family), func(t *testing.T) {
			e := newE2E(t)
			drop := filepath.Join(e.dir, "drop")
			if err := fixture.WriteDir(drop, tc.family, fixture.Options{}); err != nil {
				t.Fatal(err)
			}
			files := map[string][]byte{}
			ents, _ := os.ReadDir(drop)
			for _, ent := range ents {
				files[ent.Name()], _ = os.ReadFile(filepath.Join(drop, ent.Name()))
			}
			b := e.bundle(t, "b", files)
			root := e.root(t)
			if _, stderr, code := run(t, "publish", "--pub", e.pub, b, root); code != 0 {
				t.Fatalf("publish: %s", stderr)
			}
			s := startServe(t, root)
			defer s.stop()
			stdout, stderr, code := run(t, "probe", "--pub", e.pub, "--model", tc.model, "--bundle", b, "tftp://"+s.addr)
			if code != 0 {
				t.Fatalf("probe: exit %d\n%s%s", code, stdout, stderr)
			}
			for _, name := range tc.want {
				if !regexpLine(stdout, "ok", name) {
					t.Errorf("boot sequence did not fetch %s intact:\n%s", name, stdout)
				}
			}
		})
	}
}

// TestJournalNotServed publishes twice into a root that tftpd-hpa serves
// (--secure, as Debian runs it) and asks it for the journal every way a
// client could name it: none is served, while the published files are.
// Before the state directory moved beside the root, .phoneload/state.json
// and the history (replaced per-phone files, SIP passwords) were served.
func TestJournalNotServed(t *testing.T) {
	e := newE2E(t)
	root := e.root(t)
	r1, r2 := release("8-11-00"), release("8-12-00")
	for i, r := range []map[string][]byte{r1, r2} {
		b := e.bundle(t, fmt.Sprintf("b%d", i), r)
		if _, stderr, code := run(t, "publish", "--pub", e.pub, b, root); code != 0 {
			t.Fatalf("publish: %s", stderr)
		}
	}
	sd := filepath.Join(filepath.Dir(root), ".phoneload-"+filepath.Base(root))
	if fi, err := os.Stat(sd); err != nil || fi.Mode().Perm() != 0o700 {
		t.Fatalf("state directory %s: %v %v, want mode 0700", sd, fi, err)
	}
	if _, err := os.Lstat(filepath.Join(root, ".phoneload")); err == nil {
		t.Fatal("publish left a journal in the root")
	}
	srv := startTftpdHPA(t, root)
	defer srv.stop()
	cl, err := tftp.NewClient(srv.addr, tftp.ClientOptions{Timeout: time.Second, Retries: 2})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cl.Fetch("SIPDefault.cnf", &bytes.Buffer{}, 1<<20); err != nil {
		t.Fatalf("tftpd-hpa does not serve the published SIPDefault.cnf: %v", err)
	}
	base := filepath.Base(sd)
	names := []string{
		".phoneload/state.json", ".phoneload/lock", "state.json",
		"../" + base + "/state.json", "/../" + base + "/state.json",
		sd + "/state.json", "../" + base + "/lock",
	}
	hist, _ := os.ReadDir(filepath.Join(sd, "history"))
	for _, h := range hist {
		names = append(names, "../"+base+"/history/"+h.Name()+"/journal.json")
	}
	for _, n := range names {
		var b bytes.Buffer
		if _, err := cl.Fetch(n, &b, 1<<20); err == nil {
			t.Errorf("tftpd-hpa served %q (%d bytes): the journal is reachable", n, b.Len())
		}
	}
}
