package cmd

import (
	"net/netip"

	"encoding/json"
	"errors"
	"fmt"
	"github.com/phoneload/phoneload/bundle/tftpmap"
	"io"
	"net"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"unicode"
	"unicode/utf8"

	"github.com/spf13/cobra"

	"github.com/phoneload/phoneload/bundle"
	"github.com/phoneload/phoneload/internal/atomicfile"
	"github.com/phoneload/phoneload/internal/cli"
	"github.com/phoneload/phoneload/internal/tftp"
)

// serveFlags are the flags of serve.
type serveFlags struct {
	mapFile   *string
	listen    string
	addrFile  string
	asJSON    bool
	logFormat string
	runAs     string
	opts      tftp.Options
}

// NewCmdServe returns `phoneload serve`.
func NewCmdServe() *cobra.Command {
	var f serveFlags
	cmd := &cobra.Command{
		Use:   "serve [--listen ADDR] [--user NAME] ROOT|BUNDLE",
		Short: "Serve a TFTP root or a bundle read-only over TFTP",
		Long: `serve answers TFTP read requests from a directory or straight out of a
bundle (zip or directory). A bundle is served as the root it becomes when
published: its SHA256SUMS, signatures and bundle.json are "File not found".
It negotiates blksize, tsize and timeout (RFC 2347/2348/2349), rolls block
numbers over so files past 32 MB go out even with 512-byte blocks, answers
"File not found" (error 1) for missing files, which is what a Cisco loader
needs to go on to the next file, and for paths that leave the root (..,
symbolic links out of it) and hidden files (the publish journal), refuses
every write request, and answers malformed requests (unknown modes, blksize
below 8) as tftpd-hpa does.

A hostile network cannot shut it: a source address holds at most
--max-per-source transfers still sending (a slot is free again as soon
as the last block is out, so a phone fetching its files one after
another is never refused), a transfer that gets no first ACK within
--first-ack is dropped, and when --max-transfers are held the most stalled
one makes room for a new request; only when every transfer is moving is a
request answered "Server busy".

Port 69: run it from the systemd socket unit (socket activation: it takes
the socket systemd passes in LISTEN_FDS and needs no privilege at all), or
start it as root with --user NAME (it binds, then drops to NAME), or give
the binary CAP_NET_BIND_SERVICE. See docs/service.md.

One line per request goes to stderr, after it ends (--log-format json for
JSON lines). Names from the network are quoted when they hold anything but
printable characters, so a request cannot forge a log line or reach the
terminal. Under journald (JOURNAL_STREAM set) lines carry no timestamp, and
a syslog priority prefix instead.

SIGINT or SIGTERM stops taking requests and waits for running transfers to
end.

Exit codes: 0 stopped by a signal, 1 failed, 2 usage.`,
		Example: `  phoneload serve /srv/tftp
  sudo phoneload serve --user tftp /srv/tftp
  phoneload serve --listen 127.0.0.1:6969 sip-8.12.zip
  phoneload serve --listen 127.0.0.1:0 --addr-file addr --log-format json lab-root`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runServe(cmd, &f, args)
		},
	}
	cmd.Flags().StringVar(&f.listen, "listen", ":69", "UDP `ADDR`ess to listen on (host:port; port 0 picks one); not with socket activation")
	cmd.Flags().StringVar(&f.addrFile, "addr-file", "", "write the address listened on to `FILE` once ready")
	cmd.Flags().StringVar(&f.logFormat, "log-format", "text", "log `FORMAT`: text (one line a request) or json (one object a line)")
	cmd.Flags().BoolVar(&f.asJSON, "json", false, "same as --log-format json")
	cmd.Flags().StringVar(&f.runAs, "user", "", "after binding, drop root privileges to user `NAME` (and its groups); Linux")
	cmd.Flags().IntVar(&f.opts.MaxTransfers, "max-transfers", tftp.DefaultMaxTransfers, "transfers held at once; when full, the most stalled one makes room")
	f.mapFile = addMapFileFlag(cmd.Flags())
	cmd.Flags().IntVar(&f.opts.MaxPerSource, "max-per-source", tftp.DefaultMaxPerSource, "transfers sending at once for one source address (one awaiting only its final ACK does not count)")
	cmd.Flags().DurationVar(&f.opts.FirstACK, "first-ack", tftp.DefaultFirstACK, "drop a transfer whose client sends no first ACK within this")
	cmd.Flags().DurationVar(&f.opts.Timeout, "timeout", tftp.DefaultTimeout, "retransmission timeout per packet, unless the client asks for its own (timeout option)")
	cmd.Flags().IntVar(&f.opts.Retries, "retries", tftp.DefaultRetries, "sends of a packet before a transfer is given up")
	cmd.Flags().IntVar(&f.opts.MaxBlockSize, "max-blksize", 0, "largest blksize granted, 8 to 65464 (default: what the interface MTU allows)")
	return cmd
}

func runServe(cmd *cobra.Command, f *serveFlags, args []string) error {
	if m := f.opts.MaxBlockSize; m != 0 && (m < 8 || m > tftp.MaxBlockSize) {
		return cli.Usage("--max-blksize %d: want 8 to %d (0: what the interface MTU allows)", m, tftp.MaxBlockSize)
	}
	if f.asJSON {
		f.logFormat = "json"
	}
	if f.logFormat != "text" && f.logFormat != "json" {
		return cli.Usage("--log-format %q: want text or json", f.logFormat)
	}
	if f.runAs != "" && !canDropPrivileges {
		return cli.Usage("--user works on Linux only: start serve as the user it should run as")
	}
	m, err := loadMapFile(*f.mapFile)
	if err != nil {
		return err
	}
	if m != nil {
		f.opts.Rewrite = func(name string, client netip.Addr) (string, error) {
			return m.Rewrite(name, tftpmap.Request{Addr: client})
		}
	}
	src, err := tftp.OpenSource(args[0])
	if err != nil {
		return err
	}
	defer src.Close()
	if isBundle(src) {
		src = bundleTree{src}
	}
	conn, activated, err := activatedConn()
	if err != nil {
		return err
	}
	if activated && cmd.Flags().Changed("listen") {
		conn.Close()
		return cli.Usage("--listen %s: the socket comes from systemd (socket activation); set the address in the .socket unit", f.listen)
	}
	if !activated {
		ua, err := net.ResolveUDPAddr("udp", f.listen)
		if err != nil {
			return cli.Usage("--listen %s: %v", f.listen, err)
		}
		conn, err = net.ListenUDP("udp", ua)
		if err != nil {
			return bindError(f.listen, ua, err)
		}
	}
	addr := conn.LocalAddr().String()
	if f.addrFile != "" {
		if err := atomicfile.WriteFile(f.addrFile, []byte(addr+"\n"), 0o644); err != nil {
			conn.Close()
			return err
		}
	}
	if f.runAs != "" {
		if err := dropPrivileges(f.runAs); err != nil {
			conn.Close()
			return err
		}
	}
	lg := &eventLog{w: cmd.ErrOrStderr(), json: f.logFormat == "json", journald: os.Getenv("JOURNAL_STREAM") != ""}
	f.opts.Log = lg.event
	srv := tftp.NewServer(src, f.opts)
	how := ""
	if activated {
		how = " (socket activation)"
	}
	if f.runAs != "" {
		how += " as user " + f.runAs
	}
	lg.note("%s: serving %s on %s%s, read-only", Prog, args[0], addr, how)
	ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	done := make(chan error, 1)
	go func() { done <- srv.Serve(conn) }()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
	}
	srv.Shutdown()
	<-done
	lg.note("%s: stopped", Prog)
	return nil
}

// bindError says what failed when the listening socket cannot be had: the
// address, and the cause in words (permission, in use, not an address
// here), with a hint that fits that cause and port.
func bindError(listen string, ua *net.UDPAddr, err error) error {
	cause := err.Error()
	var errno syscall.Errno
	if errors.As(err, &errno) {
		cause = errno.Error()
	}
	e := fmt.Errorf("cannot listen on UDP %s: %s", listen, cause)
	switch {
	case errors.Is(err, syscall.EACCES) && ua.Port == 69:
		return cli.Hint(e, "port 69 needs root (then --user NAME), CAP_NET_BIND_SERVICE or the systemd socket unit (docs/service.md); for a lab, --listen 127.0.0.1:6969")
	case errors.Is(err, syscall.EACCES) && ua.Port > 0 && ua.Port < 1024:
		return cli.Hint(e, "ports below 1024 need root (then --user NAME) or CAP_NET_BIND_SERVICE; or pick a port above 1023")
	case errors.Is(err, syscall.EACCES):
		return e
	case errors.Is(err, syscall.EADDRINUSE) && ua.Port == 69:
		return cli.Hint(e, "another TFTP server (tftpd-hpa, dnsmasq?) already listens on port 69: stop it, or give --listen another address")
	case errors.Is(err, syscall.EADDRINUSE):
		return cli.Hint(e, "another program already listens on %s: give --listen another address", listen)
	case errors.Is(err, syscall.EADDRNOTAVAIL):
		return cli.Hint(e, "%s is not an address of this machine", ua.IP)
	}
	return e
}

// eventLog writes the request log: text lines or JSON lines.
type eventLog struct {
	mu       sync.Mutex
	w        io.Writer
	json     bool
	journald bool // stderr goes to journald: it stamps the time itself
}

func (l *eventLog) event(e tftp.Event) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.json {
		// JSON lines: one compact object a line, for log shippers.
		b, _ := json.Marshal(e)
		fmt.Fprintf(l.w, "%s\n", b)
		return
	}
	io.WriteString(l.w, formatEvent(e, l.journald)+"\n")
}

// note writes a message that is not a request (start, stop); in JSON mode
// nothing, so that every line is one request.
func (l *eventLog) note(format string, args ...any) {
	if l.json {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.journald {
		io.WriteString(l.w, "<5>")
	}
	fmt.Fprintf(l.w, format+"\n", args...)
}

// formatEvent renders one text log line: TIME REMOTE OP FILE STATUS
// BYTES/SIZE bytes DURATIONms[: error]. For journald the time gives way to
// a syslog priority: <6> (info) when served or not found, <4> (warning)
// otherwise.
func formatEvent(e tftp.Event, journald bool) string {
	var b strings.Builder
	if journald {
		switch e.Status {
		case "ok", "not-found":
			b.WriteString("<6>")
		default:
			b.WriteString("<4>")
		}
	} else {
		b.WriteString(e.Time.Format(tftp.TextTime)) // microseconds: log puts requests back in order
		b.WriteByte(' ')
	}
	fmt.Fprintf(&b, "%s %s %s %s", e.Remote, e.Op, logQuote(e.File), e.Status)
	if e.Size >= 0 {
		fmt.Fprintf(&b, " %d/%d bytes", e.Bytes, e.Size)
	}
	fmt.Fprintf(&b, " %dms", e.DurationMS)
	if e.Error != "" {
		b.WriteString(": " + logText(e.Error))
	}
	return b.String()
}

// logQuote returns a name as is when it is plain printable text without
// spaces or quotes, else quoted as a Go string: a name from the network
// cannot hold a line break (a forged log line), a terminal escape, a
// bidirectional override or an invisible character, nor pass for several
// fields.
func logQuote(s string) string {
	if s == "" {
		return `""`
	}
	for _, r := range s {
		if r == utf8.RuneError || r == '"' || r == ' ' || !unicode.IsPrint(r) {
			return strconv.Quote(s)
		}
	}
	return s
}

// logText is logQuote for free text (an error detail), whose spaces are
// fine.
func logText(s string) string {
	for _, r := range s {
		if r == utf8.RuneError || (r != ' ' && !unicode.IsPrint(r)) {
			return strconv.Quote(s)
		}
	}
	return s
}

// isBundle reports whether src is a bundle (it has a SHA256SUMS) rather
// than a TFTP root.
func isBundle(src tftp.Source) bool {
	rc, _, err := src.Open(bundle.SumsName)
	if err != nil {
		return false
	}
	rc.Close()
	return true
}

// bundleTree serves a bundle as the TFTP root it becomes when published:
// without its own files (SHA256SUMS, signatures, bundle.json), which
// publish never puts into a root and no phone asks for.
type bundleTree struct{ tftp.Source }

func (b bundleTree) Open(name string) (io.ReadCloser, int64, error) {
	if bundle.IsBundleMeta(name) {
		return nil, 0, tftp.ErrNotFound
	}
	return b.Source.Open(name)
}
