// Command storm plays a boot storm against a TFTP server on loopback, with
// optional stalling clients, and prints one result line (or JSON). Used by
// scripts/bench-storm.sh.
//
//	go run ./internal/tftp/tftpload/storm -server 127.0.0.1:6969 -phones 500 SIPDefault.cnf P0S3-8-12-00.sb2
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"net/netip"
	"os"
	"time"

	"github.com/phoneload/phoneload/internal/tftp/tftpload"
)

func main() {
	server := flag.String("server", "", "server host:port (loopback only)")
	phones := flag.Int("phones", 500, "phones booting at once")
	stallOne := flag.Int("stall-one", 0, "stalled requests from one address (127.0.0.2), before the phones start")
	stallMany := flag.Int("stall-many", 0, "stalled requests from as many addresses (127.2.x.y), before the phones start")
	stallRate := flag.Int("stall-rate", 0, "stalled requests a second from new addresses (127.3.x.y) while the phones boot")
	timeout := flag.Duration("timeout", time.Second, "phone's timeout per packet")
	attempts := flag.Int("attempts", 5, "phone's attempts per file")
	blksize := flag.Int("blksize", 0, "blksize phones ask for (0: none, as a phone's loader)")
	asJSON := flag.Bool("json", false, "print JSON")
	flag.Parse()
	files := flag.Args()
	if *server == "" || len(files) == 0 {
		fmt.Fprintln(os.Stderr, "usage: storm -server ADDR [flags] FILE...")
		os.Exit(2)
	}
	var st tftpload.Staller
	defer st.Close()
	stall := files[len(files)-1]
	for i := 0; i < *stallOne; i++ {
		if err := st.Request(netip.MustParseAddr("127.0.0.2"), *server, stall); err != nil {
			fmt.Fprintln(os.Stderr, "storm:", err)
			os.Exit(1)
		}
	}
	for i := 0; i < *stallMany; i++ {
		st.Request(netip.AddrFrom4([4]byte{127, 2, byte(i >> 8), byte(i)}), *server, stall)
	}
	stop := make(chan struct{})
	if *stallRate > 0 {
		go func() {
			tick := time.NewTicker(time.Second / time.Duration(*stallRate))
			defer tick.Stop()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				case <-tick.C:
				}
				st.Request(netip.AddrFrom4([4]byte{127, 3, byte(i >> 8), byte(i)}), *server, stall)
			}
		}()
	}
	res := tftpload.Storm{
		Server:   *server,
		Phones:   *phones,
		Files:    files,
		Client:   tftpload.Client{Timeout: *timeout, Retries: 5, Blksize: *blksize},
		Attempts: *attempts,
	}.Run()
	close(stop)
	if *asJSON {
		json.NewEncoder(os.Stdout).Encode(res)
		return
	}
	fmt.Printf("served %d/%d  p50 %.2fs  p99 %.2fs  max %.2fs  wall %.2fs", res.Served, res.Phones, res.P50.Seconds(), res.P99.Seconds(), res.Max.Seconds(), res.Wall.Seconds())
	if len(res.Failures) > 0 {
		fmt.Printf("  failures %v", res.Failures)
	}
	fmt.Println()
}
