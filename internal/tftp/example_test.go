package tftp_test

import (
	"bytes"
	"fmt"
	"net"
	"os"
	"path/filepath"

	"github.com/phoneload/phoneload/internal/tftp"
)

func Example() {
	root, _ := os.MkdirTemp("", "tftp")
	defer os.RemoveAll(root)
	os.WriteFile(filepath.Join(root, "OS79XX.TXT"), []byte("P0S3-8-12-00\n"), 0o644)

	src, _ := tftp.OpenSource(root)
	defer src.Close()
	srv := tftp.NewServer(src, tftp.Options{})
	conn, _ := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	go srv.Serve(conn)
	defer srv.Shutdown()

	c, _ := tftp.NewClient(conn.LocalAddr().String(), tftp.ClientOptions{})
	var buf bytes.Buffer
	c.Fetch("OS79XX.TXT", &buf, 1<<20)
	fmt.Print(buf.String())
	_, err := c.Fetch("SIP001122334455.cnf", &buf, 1<<20)
	fmt.Println(err)
	// Output:
	// P0S3-8-12-00
	// tftp: server error 1: File not found
}
