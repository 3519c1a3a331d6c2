package cli

import (
	"bytes"
	"os"
	"strings"
	"sync"
	"testing"
)

func TestSpinnerOnlyOnTerminal(t *testing.T) {
	var buf bytes.Buffer
	s := NewSpinner(&buf, "unlocking k.key")
	if s != nil {
		t.Fatal("spinner on a buffer")
	}
	s.Stop() // nil-safe
	f, err := os.CreateTemp(t.TempDir(), "f")
	if err != nil {
		t.Fatal(err)
	}
	if s := NewSpinner(f, "x"); s != nil {
		t.Error("spinner on a regular file")
	}
	if buf.Len() != 0 {
		t.Errorf("wrote %q", buf.String())
	}
}

func TestSpinnerDrawsAndClears(t *testing.T) {
	var buf syncBuf
	s := startSpinner(&buf, "unlocking k.key", 1)
	for !strings.Contains(buf.String(), "unlocking k.key") {
	}
	s.Stop()
	s.Stop()
	if out := buf.String(); !strings.HasSuffix(out, "\r\033[K") {
		t.Errorf("line not cleared: %q", out)
	}
}

type syncBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuf) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuf) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
