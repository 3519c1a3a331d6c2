package drop

import (
	"bytes"
	"testing"
)

// askLog is a reader over b that records the size of every read asked of
// it.
type askLog struct {
	r    *bytes.Reader
	asks []int
}

func (a *askLog) Read(p []byte) (int, error) {
	a.asks = append(a.asks, len(p))
	return a.r.Read(p)
}

// TestReadChunkAsksPastEnd: a file that fits in a chunk is read with one
// byte to spare, so that a directory's reader learns its end from the
// short read (no read of its own for drain); what comes back is the
// declared bytes only, even when the file holds more.
func TestReadChunkAsksPastEnd(t *testing.T) {
	o := newOpener(OpenOptions{})
	for _, tc := range []struct {
		data string
		size int64
	}{
		{"hello", 5},
		{"hello, more", 5}, // grew since listed: drain finds the rest
		{"", 0},
	} {
		a := &askLog{r: bytes.NewReader([]byte(tc.data))}
		got, err := o.readChunk(a, tc.size)
		if err != nil {
			t.Fatalf("%q: readChunk: %v", tc.data, err)
		}
		if string(got) != tc.data[:tc.size] {
			t.Errorf("%q: readChunk = %q, want %q", tc.data, got, tc.data[:tc.size])
		}
		if tc.size > 0 && (len(a.asks) != 1 || a.asks[0] != int(tc.size)+1) {
			t.Errorf("%q: reads asked %v, want one of %d bytes", tc.data, a.asks, tc.size+1)
		}
		o.pool <- got[:cap(got)]
	}
	// Shorter than declared: an error, as before.
	if _, err := o.readChunk(bytes.NewReader([]byte("hi")), 5); err == nil {
		t.Error("readChunk of a 2-byte file declared 5: no error")
	}
}
