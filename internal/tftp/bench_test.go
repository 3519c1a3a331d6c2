package tftp

import (
	"io"
	"os"
	"path/filepath"
	"strconv"
	"testing"
)

// BenchmarkServe downloads a 4 MB file over loopback with 512-byte blocks
// (a phone's loader) and with 1428-byte blocks.
func BenchmarkServe(b *testing.B) {
	root := b.TempDir()
	os.WriteFile(filepath.Join(root, "img.sb2"), make([]byte, 4<<20), 0o644)
	src, _ := OpenSource(root)
	addr, _ := startServer(b, src, Options{})
	for _, bs := range []int{0, 1428} {
		b.Run("blksize="+strconv.Itoa(bs), func(b *testing.B) {
			c, _ := NewClient(addr, ClientOptions{BlockSize: bs})
			b.SetBytes(4 << 20)
			for i := 0; i < b.N; i++ {
				if _, err := c.Fetch("img.sb2", io.Discard, 8<<20); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
