//go:build unix

package main

import (
	"bytes"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/phoneload/phoneload/internal/testtool"
	"github.com/phoneload/phoneload/internal/tftp"
)

// TestSystemdUnitsVerify runs `systemd-analyze verify` on
// packaging/systemd (with ExecStart pointing at this build): no error, no
// warning.
func TestSystemdUnitsVerify(t *testing.T) {
	sa := testtool.Need(t, "systemd-analyze")
	dir := t.TempDir()
	bin := phoneloadBin(t)
	for _, name := range []string{"phoneload-serve.service", "phoneload-serve.socket"} {
		b, err := os.ReadFile(filepath.Join("..", "..", "packaging", "systemd", name))
		if err != nil {
			t.Fatal(err)
		}
		if name == "phoneload-serve.service" {
			if !bytes.Contains(b, []byte("ExecStart=/usr/bin/phoneload serve ")) {
				t.Fatalf("%s: ExecStart is not /usr/bin/phoneload serve", name)
			}
			b = bytes.ReplaceAll(b, []byte("/usr/bin/phoneload"), []byte(bin))
		}
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	out, err := exec.Command(sa, "verify", filepath.Join(dir, "phoneload-serve.service"), filepath.Join(dir, "phoneload-serve.socket")).CombinedOutput()
	if err != nil || len(bytes.TrimSpace(out)) != 0 {
		t.Fatalf("systemd-analyze verify: %v\n%s", err, out)
	}
}

// serveRoot is a root readable by anyone, down from /.
func serveRoot(t *testing.T) string {
	root := filepath.Join(t.TempDir(), "root")
	os.Mkdir(root, 0o755)
	// Only the test's own directories: never the system's temp directory
	// itself, which must keep its sticky, world-writable mode.
	tmp := filepath.Clean(os.TempDir())
	for d := filepath.Dir(root); strings.HasPrefix(d, tmp+string(filepath.Separator)); d = filepath.Dir(d) {
		os.Chmod(d, 0o755)
	}
	os.WriteFile(filepath.Join(root, "SIPDefault.cnf"), []byte("image_version: P0S3-8-12-00\n"), 0o644)
	os.WriteFile(filepath.Join(root, "private.cnf"), []byte("secret\n"), 0o600)
	return root
}

type serveProc struct {
	cmd    *exec.Cmd
	stderr *syncBuffer
	addr   string
}

func (p *serveProc) stop(t *testing.T) string {
	p.cmd.Process.Signal(os.Interrupt)
	if err := p.cmd.Wait(); err != nil {
		t.Errorf("serve: %v\n%s", err, p.stderr.String())
	}
	return p.stderr.String()
}

// startServeCmd runs c (a serve command with --addr-file addrFile) and
// waits for the address.
func startServeCmd(t *testing.T, c *exec.Cmd, addrFile string) *serveProc {
	t.Helper()
	var stderr syncBuffer
	c.Stderr = &stderr
	if err := c.Start(); err != nil {
		t.Fatal(err)
	}
	p := &serveProc{cmd: c, stderr: &stderr}
	t.Cleanup(func() { c.Process.Kill() })
	for deadline := time.Now().Add(10 * time.Second); ; {
		if b, err := os.ReadFile(addrFile); err == nil && len(b) > 0 {
			p.addr = strings.TrimSpace(string(b))
			return p
		}
		if time.Now().After(deadline) {
			t.Fatalf("serve did not start:\n%s", stderr.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func get(t *testing.T, addr, name string) (string, error) {
	c, err := tftp.NewClient(addr, tftp.ClientOptions{Timeout: time.Second, Retries: 2})
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	_, err = c.Fetch(name, &b, 1<<20)
	return b.String(), err
}

// TestServeSocketActivation hands serve a UDP socket as systemd does
// (descriptor 3, LISTEN_PID, LISTEN_FDS) and fetches a file through it.
func TestServeSocketActivation(t *testing.T) {
	root := serveRoot(t)
	l, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	f, err := l.File()
	l.Close()
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	addrFile := filepath.Join(t.TempDir(), "addr")
	// LISTEN_PID must be serve's own pid: the shell's, kept across exec.
	c := exec.Command("/bin/sh", "-c", `LISTEN_PID=$$ LISTEN_FDS=1 exec "$0" "$@"`, phoneloadBin(t), "serve", "--addr-file", addrFile, root)
	c.ExtraFiles = []*os.File{f}
	p := startServeCmd(t, c, addrFile)
	if got, err := get(t, p.addr, "SIPDefault.cnf"); err != nil || got != "image_version: P0S3-8-12-00\n" {
		t.Errorf("fetch through the activated socket: %q, %v", got, err)
	}
	if log := p.stop(t); !strings.Contains(log, "(socket activation)") {
		t.Errorf("log does not say socket activation:\n%s", log)
	}

	// --listen with an activated socket is a usage error.
	c = exec.Command("/bin/sh", "-c", `LISTEN_PID=$$ LISTEN_FDS=1 exec "$0" "$@"`, phoneloadBin(t), "serve", "--listen", "127.0.0.1:0", root)
	c.ExtraFiles = []*os.File{f}
	out, err := c.CombinedOutput()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 2 || !strings.Contains(string(out), "set the address in the .socket unit") {
		t.Errorf("--listen with socket activation: %v\n%s", err, out)
	}
}

// TestServeUser: started as root with --user nobody, serve binds, then runs
// as nobody: its uids and gids are nobody's, and a file only root can read
// is not served.
func TestServeUser(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root")
	}
	root := serveRoot(t)
	addrFile := filepath.Join(t.TempDir(), "addr")
	os.Chmod(filepath.Dir(addrFile), 0o755)
	p := startServeCmd(t, exec.Command(phoneloadBin(t), "serve", "--listen", "127.0.0.1:0", "--addr-file", addrFile, "--user", "nobody", root), addrFile)
	if got, err := get(t, p.addr, "SIPDefault.cnf"); err != nil || got != "image_version: P0S3-8-12-00\n" {
		t.Errorf("fetch as nobody: %q, %v", got, err)
	}
	if _, err := get(t, p.addr, "private.cnf"); err == nil {
		t.Errorf("a file only root can read was served")
	}
	status, err := os.ReadFile("/proc/" + strconv.Itoa(p.cmd.Process.Pid) + "/status")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Uid:\t65534\t65534\t65534\t65534", "Gid:\t65534\t65534\t65534\t65534", "Groups:\t65534"} {
		if !strings.Contains(string(status), want) {
			t.Errorf("serve --user nobody: %q not in /proc status:\n%s", want, status)
		}
	}
	if log := p.stop(t); !strings.Contains(log, "as user nobody") {
		t.Errorf("log:\n%s", log)
	}
	// An unknown user stops serve before it serves anything.
	out, err := exec.Command(phoneloadBin(t), "serve", "--listen", "127.0.0.1:0", "--user", "no-such-user-x", root).CombinedOutput()
	if err == nil || !strings.Contains(string(out), "--user no-such-user-x: user: unknown user no-such-user-x") {
		t.Errorf("--user with an unknown user: %v\n%s", err, out)
	}
}

// TestServeLogForJournaldAndNames: under journald (JOURNAL_STREAM) every
// line starts with a syslog priority and no timestamp; hostile names
// (line breaks, terminal escapes, C1 controls, bidi overrides) come out
// quoted, one request one line.
func TestServeLogForJournaldAndNames(t *testing.T) {
	root := serveRoot(t)
	addrFile := filepath.Join(t.TempDir(), "addr")
	c := exec.Command(phoneloadBin(t), "serve", "--listen", "127.0.0.1:0", "--addr-file", addrFile, root)
	c.Env = append(os.Environ(), "JOURNAL_STREAM=8:12345")
	p := startServeCmd(t, c, addrFile)
	get(t, p.addr, "SIPDefault.cnf")
	hostile := []string{
		"x.cnf\n2026-12-04T17:00:00Z 10.0.0.1:69 read SIPDefault.cnf ok 1/1 bytes 0ms",
		"\x1b]0;pwned\x07\x1b[2J",
		"a\u009bb",
		"evil\u202egpj.cnf",
		"two words.cnf",
	}
	for _, name := range hostile {
		get(t, p.addr, name)
	}
	log := p.stop(t)
	lines := strings.Split(strings.TrimSuffix(log, "\n"), "\n")
	if want := 2 + 1 + len(hostile); len(lines) != want {
		t.Errorf("%d log lines, want %d (start, %d requests, stop):\n%s", len(lines), want, 1+len(hostile), log)
	}
	prio := regexp.MustCompile(`^<[0-7]>`)
	stamp := regexp.MustCompile(`^<[0-7]>\d{4}-\d\d-\d\dT`)
	for _, l := range lines {
		if stamp.MatchString(l) {
			t.Errorf("timestamp under journald: %q", l)
		}
		if !prio.MatchString(l) {
			t.Errorf("line without a syslog priority: %q", l)
		}
		if strings.Contains(l, "\x1b") || strings.Contains(l, "\u009b") || strings.Contains(l, "\u202e") || strings.Contains(l, "\r") {
			t.Errorf("raw control in log line %q", l)
		}
	}
	for _, name := range hostile {
		if !strings.Contains(log, " read "+strconv.Quote(name)+" not-found") {
			t.Errorf("name %q not logged quoted:\n%s", name, log)
		}
	}
}
