package tftp

import (
	"errors"
	"net/netip"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
)

// TestServeRewrite: Options.Rewrite (serve --map-file) is applied to the
// requested name before the root is looked at; a rewrite error refuses
// the request; the client address reaches the rewrite.
func TestServeRewrite(t *testing.T) {
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "firmware", "7941"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "firmware", "7941", "SIP41.9-4-2SR1S.loads"), []byte("manifest"), 0o644); err != nil {
		t.Fatal(err)
	}
	src, err := OpenSource(dir)
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var clients []netip.Addr
	addr, events := startServer(t, src, Options{Rewrite: func(name string, client netip.Addr) (string, error) {
		mu.Lock()
		clients = append(clients, client)
		mu.Unlock()
		if strings.Contains(name, "..") {
			return "", errors.New("denied by an 'a' rule")
		}
		if strings.HasPrefix(name, "SIP41.") {
			return "firmware/7941/" + name, nil
		}
		return name, nil
	}})
	b, err := fetch(t, addr, "SIP41.9-4-2SR1S.loads", 0)
	if err != nil || string(b) != "manifest" {
		t.Fatalf("rewritten name: %q, %v", b, err)
	}
	if _, err := fetch(t, addr, "x/../SIP41.9-4-2SR1S.loads", 0); err == nil {
		t.Error("a refused rewrite served a file")
	}
	if _, err := fetch(t, addr, "SIP42.9-4-2SR1S.loads", 0); err == nil {
		t.Error("a name the rules leave alone was served from nowhere")
	}
	var statuses []string
	for _, e := range waitEvents(events, 3) {
		statuses = append(statuses, e.Status)
	}
	sort.Strings(statuses) // each transfer logs when it ends
	if strings.Join(statuses, " ") != "denied not-found ok" {
		t.Errorf("log statuses %v", statuses)
	}
	mu.Lock()
	defer mu.Unlock()
	for _, c := range clients {
		if c != netip.MustParseAddr("127.0.0.1") {
			t.Errorf("rewrite saw client %v", c)
		}
	}
}
