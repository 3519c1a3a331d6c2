// Package servertest starts real TFTP servers for tests, on loopback, with
// their logs captured: tftpd-hpa (whose log goes to syslog: it runs in a
// private mount namespace whose /dev/log is a socket the test reads, so
// nothing outside the test is touched) and dnsmasq (--log-facility=FILE).
// Missing tools, or not being root, skip the test locally and fail it in
// CI (internal/testtool).
package servertest

import (
	"bytes"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/phoneload/phoneload/internal/testtool"
	"github.com/phoneload/phoneload/internal/tftp"
)

// Server is a running TFTP server.
type Server struct {
	Addr string // host:port
	// Log returns the server's log lines written since it became ready
	// (the readiness probe is left out).
	Log  func() []string
	Stop func()
}

const probeName = "servertest-ready-probe"

// waitReady asks for a missing file until the server answers.
func waitReady(addr string, exited *proc) error {
	cl, err := tftp.NewClient(addr, tftp.ClientOptions{Timeout: 200 * time.Millisecond, Retries: 1})
	if err != nil {
		return err
	}
	for i := 0; i < 25; i++ {
		_, err := cl.Fetch(probeName, &bytes.Buffer{}, 10)
		var re *tftp.RemoteError
		if errors.As(err, &re) {
			return nil
		}
		select {
		case <-exited.done:
			return fmt.Errorf("exited: %v", exited.err)
		default:
		}
	}
	return fmt.Errorf("never answered on %s", addr)
}

// terminate stops a server: SIGTERM, then SIGKILL if it has not exited
// within 3 seconds (a loaded machine, a transfer still running).
func terminate(c *exec.Cmd, exited *proc) {
	c.Process.Signal(syscall.SIGTERM)
	select {
	case <-exited.done:
	case <-time.After(3 * time.Second):
		c.Process.Kill()
		<-exited.done
	}
}

// proc is a started server process: done is closed once Wait returned
// err. A closed channel can be waited on any number of times (a receive
// from a one-value channel in waitReady once left the retry path
// waiting forever for a server that had already exited).
type proc struct {
	done chan struct{}
	err  error
}

func waitFor(c *exec.Cmd) *proc {
	p := &proc{done: make(chan struct{})}
	go func() { p.err = c.Wait(); close(p.done) }()
	return p
}

func freeUDPPort(t testing.TB) int {
	c, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	return c.LocalAddr().(*net.UDPAddr).Port
}

// dropProbe removes the lines of the readiness probe.
func dropProbe(lines []string) []string {
	out := lines[:0:0]
	for _, l := range lines {
		if !strings.Contains(l, probeName) && !strings.Contains(l, "sending NAK") {
			out = append(out, l)
		}
	}
	return out
}

// StartHPA runs `in.tftpd -L -v… -s ROOT -a 127.0.0.1:PORT` as it runs on
// a real server (dropping to its own user, so a file that is not
// world-readable is refused), with verbosity v (1 = -v: RRQ lines; 3 =
// -vvv: NAKs too). Its syslog lines are captured.
func StartHPA(t testing.TB, root string, v int) *Server {
	t.Helper()
	return StartHPAWith(t, root, v)
}

// StartHPAWith is StartHPA with more in.tftpd options (--map-file FILE …).
func StartHPAWith(t testing.TB, root string, v int, extra ...string) *Server {
	t.Helper()
	bin := testtool.Need(t, "in.tftpd")
	unshare := testtool.Need(t, "unshare")
	if os.Geteuid() != 0 {
		testtool.Missing(t, "capturing tftpd-hpa's syslog needs root (a private mount namespace)")
	}
	dir, err := os.MkdirTemp("", "sl")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	sock := filepath.Join(dir, "log")
	conn, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: sock, Net: "unixgram"})
	if err != nil {
		t.Fatal(err)
	}
	os.Chmod(sock, 0o666)
	var mu sync.Mutex
	var lines []string
	go func() {
		buf := make([]byte, 8192)
		for {
			n, err := conn.Read(buf)
			if err != nil {
				return
			}
			mu.Lock()
			lines = append(lines, strings.TrimRight(string(buf[:n]), "\n"))
			mu.Unlock()
		}
	}()
	flags := "-" + strings.Repeat("v", v)
	for attempt := 0; attempt < 5; attempt++ {
		addr := fmt.Sprintf("127.0.0.1:%d", freeUDPPort(t))
		// /dev of the private namespace is a fresh tmpfs whose log is the
		// test's socket.
		quoted := ""
		for _, e := range extra {
			quoted += " '" + strings.ReplaceAll(e, "'", `'\''`) + "'"
		}
		script := fmt.Sprintf("mount -t tmpfs tmpfs /dev && ln -s %s /dev/log && exec %s -L %s%s -s %s -a %s", sock, bin, flags, quoted, root, addr)
		c := exec.Command(unshare, "-m", "sh", "-c", script)
		var stderr bytes.Buffer
		c.Stderr = &stderr
		// Children the server forks per request inherit stderr: Wait
		// must not wait for them.
		c.WaitDelay = 2 * time.Second
		if err := c.Start(); err != nil {
			t.Fatal(err)
		}
		exited := waitFor(c)
		if err := waitReady(addr, exited); err != nil {
			c.Process.Kill()
			<-exited.done
			if attempt == 4 {
				t.Fatalf("in.tftpd: %v: %s", err, stderr.String())
			}
			continue
		}
		// Let the probe's own lines arrive, then forget them.
		time.Sleep(100 * time.Millisecond)
		mu.Lock()
		lines = dropProbe(lines)
		mu.Unlock()
		stopped := false
		stop := func() {
			if !stopped {
				stopped = true
				terminate(c, exited)
				time.Sleep(50 * time.Millisecond)
				conn.Close()
			}
		}
		t.Cleanup(stop)
		return &Server{Addr: addr, Stop: stop, Log: func() []string {
			time.Sleep(100 * time.Millisecond) // syslog datagrams in flight
			mu.Lock()
			defer mu.Unlock()
			return append([]string(nil), lines...)
		}}
	}
	return nil
}

// StartDnsmasq runs dnsmasq's TFTP server alone (no DNS, no DHCP) on a
// loopback address of its own (127.x.y.z, port 69: dnsmasq has no TFTP
// port option, and a private address keeps it clear of anything else on
// port 69), logging to a file.
func StartDnsmasq(t testing.TB, root string) *Server {
	t.Helper()
	bin := testtool.Need(t, "dnsmasq")
	if os.Geteuid() != 0 {
		testtool.Missing(t, "dnsmasq's TFTP server listens on port 69: needs root")
	}
	dir := t.TempDir()
	logf := filepath.Join(dir, "dnsmasq.log")
	for attempt := 0; attempt < 5; attempt++ {
		ip := fmt.Sprintf("127.%d.%d.%d", 1+rand.IntN(250), 1+rand.IntN(250), 2+rand.IntN(250))
		c := exec.Command(bin, "--no-daemon", "--conf-file=/dev/null", "--port=0", "--enable-tftp", "--tftp-root="+root,
			"--bind-interfaces", "--listen-address="+ip, "--log-facility="+logf, "--pid-file="+filepath.Join(dir, "pid"))
		var stderr bytes.Buffer
		c.Stderr = &stderr
		// Children the server forks per request inherit stderr: Wait
		// must not wait for them.
		c.WaitDelay = 2 * time.Second
		if err := c.Start(); err != nil {
			t.Fatal(err)
		}
		exited := waitFor(c)
		addr := ip + ":69"
		if err := waitReady(addr, exited); err != nil {
			c.Process.Kill()
			<-exited.done
			if attempt == 4 {
				t.Fatalf("dnsmasq: %v: %s", err, stderr.String())
			}
			continue
		}
		stopped := false
		stop := func() {
			if !stopped {
				stopped = true
				terminate(c, exited)
			}
		}
		t.Cleanup(stop)
		read := func() []string {
			b, _ := os.ReadFile(logf)
			return dropProbe(strings.Split(strings.TrimRight(string(b), "\n"), "\n"))
		}
		return &Server{Addr: addr, Stop: stop, Log: func() []string {
			time.Sleep(100 * time.Millisecond)
			return read()
		}}
	}
	return nil
}
