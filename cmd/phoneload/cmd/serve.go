package cmd

import (
	"encoding/json"
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"sync"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/phoneload/phoneload/bundle"
	"github.com/phoneload/phoneload/internal/atomicfile"
	"github.com/phoneload/phoneload/internal/cli"
	"github.com/phoneload/phoneload/internal/tftp"
)

// NewCmdServe returns `phoneload serve`.
func NewCmdServe() *cobra.Command {
	var (
		listen   string
		addrFile string
		asJSON   bool
		opts     tftp.Options
	)
	cmd := &cobra.Command{
		Use:   "serve [--listen ADDR] ROOT|BUNDLE",
		Short: "Serve a TFTP root or a bundle read-only over TFTP, for labs and tests",
		Long: `serve answers TFTP read requests from a directory or straight out of a
bundle (zip or directory). A bundle is served as the root it becomes when
published: its SHA256SUMS, signatures and bundle.json are "File not found".
It negotiates blksize and tsize (RFC 2347/2348/2349), rolls block
numbers over so files past 32 MB go out even with 512-byte blocks, answers
"File not found" (error 1) for missing files, which is what a Cisco loader
needs to go on to the next file, refuses paths that leave the root (.., symbolic
links out of it) and hidden files (the publish journal), refuses every write
request, and runs at most --max-transfers transfers at once.

The timeout option (RFC 2349) is not acknowledged: the TFTP library
(pin/tftp v3.2.0) leaves every option but blksize and tsize out of its OACK,
as RFC 2347 allows, so a client that asks for it keeps its own timeout. The
server's retransmission timeout is --timeout, for every client.

One line per request goes to stderr (--json for JSON lines). SIGINT or SIGTERM
stops taking requests and waits for running transfers to end.

Exit codes: 0 stopped by a signal, 1 failed, 2 usage.`,
		Example: `  phoneload serve /srv/tftp
  phoneload serve --listen 127.0.0.1:6969 sip-8.12.zip
  phoneload serve --listen 127.0.0.1:0 --addr-file addr --json lab-root`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if m := opts.MaxBlockSize; m != 0 && (m <= 512 || m > tftp.MaxBlockSize) {
				// pin/tftp ignores a cap it cannot apply, which would
				// grant up to the MTU instead; it cannot cap at 512.
				return cli.Usage("--max-blksize %d: want 513 to %d (0: what the interface MTU allows)", m, tftp.MaxBlockSize)
			}
			src, err := tftp.OpenSource(args[0])
			if err != nil {
				return err
			}
			defer src.Close()
			if isBundle(src) {
				src = bundleTree{src}
			}
			ua, err := net.ResolveUDPAddr("udp", listen)
			if err != nil {
				return cli.Usage("--listen %s: %v", listen, err)
			}
			conn, err := net.ListenUDP("udp", ua)
			if err != nil {
				return cli.Hint(err, "port 69 needs root (or CAP_NET_BIND_SERVICE); try --listen 127.0.0.1:6969")
			}
			errw := cmd.ErrOrStderr()
			var mu sync.Mutex
			opts.Log = func(e tftp.Event) {
				mu.Lock()
				defer mu.Unlock()
				logEvent(errw, e, asJSON)
			}
			srv := tftp.NewServer(src, opts)
			addr := conn.LocalAddr().String()
			if addrFile != "" {
				if err := atomicfile.WriteFile(addrFile, []byte(addr+"\n"), 0o644); err != nil {
					conn.Close()
					return err
				}
			}
			if !asJSON {
				fmt.Fprintf(errw, "%s: serving %s on %s (read-only)\n", Prog, args[0], addr)
			}
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
			if !asJSON {
				fmt.Fprintf(errw, "%s: stopped\n", Prog)
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&listen, "listen", ":69", "UDP `ADDR`ess to listen on (host:port; port 0 picks one)")
	cmd.Flags().StringVar(&addrFile, "addr-file", "", "write the address listened on to `FILE` once ready")
	cmd.Flags().BoolVar(&asJSON, "json", false, "log one JSON object per request")
	cmd.Flags().IntVar(&opts.MaxTransfers, "max-transfers", tftp.DefaultMaxTransfers, "transfers served at once")
	cmd.Flags().DurationVar(&opts.Timeout, "timeout", 5*time.Second, "retransmission timeout per packet (the client's timeout option is not honoured)")
	cmd.Flags().IntVar(&opts.Retries, "retries", 5, "attempts per packet")
	cmd.Flags().IntVar(&opts.MaxBlockSize, "max-blksize", 0, "largest blksize granted, 513 to 65464 (default: what the interface MTU allows)")
	return cmd
}

func logEvent(w io.Writer, e tftp.Event, asJSON bool) {
	if asJSON {
		// JSON lines: one compact object a line, for log shippers.
		b, _ := json.Marshal(e)
		fmt.Fprintf(w, "%s\n", b)
		return
	}
	fmt.Fprintln(w, e.Text())
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
