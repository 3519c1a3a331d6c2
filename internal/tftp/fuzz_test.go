package tftp

import (
	"path"
	"strings"
	"testing"
)

// FuzzCleanName: a name CleanName accepts never leaves the root, never
// names a hidden file, and is already clean.
func FuzzCleanName(f *testing.F) {
	for _, s := range []string{"SIPDefault.cnf", "/a/b", "../x", "a/../../b", ".phoneload/state.json", `a\b`, "a//b", "a/./b"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, name string) {
		n, err := CleanName(name)
		if err != nil {
			return
		}
		if n != path.Clean(n) || path.IsAbs(n) || strings.HasPrefix(n, "..") || strings.Contains(n, "/.") || strings.HasPrefix(n, ".") {
			t.Fatalf("CleanName(%q) = %q", name, n)
		}
	})
}

// FuzzParseRequest: any request body parses without panicking; an
// accepted one has a known mode, a blksize of 0 or 8 to 65464, a timeout
// of 0 or 1 to 255, tsize only in octet mode, and options acknowledged
// once each.
func FuzzParseRequest(f *testing.F) {
	for _, s := range []string{"f\x00octet\x00", "f\x00netascii\x00tsize\x000\x00", "f\x00OCTET\x00blksize\x001468\x00timeout\x001\x00", "f\x00mail\x00", "f\x00octet\x00blksize\x00-1\x00", "noterm", "f\x00octet\x00blksize\x0099999999999999999999999\x00blksize\x008\x00"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		r, code, msg := parseRequest(b)
		if code != 0 || msg != "" {
			if msg == "" {
				t.Fatalf("refused with code %d and no message", code)
			}
			return
		}
		if r.mode != "octet" && r.mode != "netascii" {
			t.Fatalf("mode %q accepted", r.mode)
		}
		if r.blksize != 0 && (r.blksize < 8 || r.blksize > MaxBlockSize) {
			t.Fatalf("blksize %d accepted", r.blksize)
		}
		if r.timeout != 0 && (r.timeout < 1 || r.timeout > 255) {
			t.Fatalf("timeout %d accepted", r.timeout)
		}
		if r.tsize && r.mode != "octet" {
			t.Fatal("tsize in netascii accepted")
		}
		seen := map[string]bool{}
		for _, o := range r.optOrder {
			if seen[o] {
				t.Fatalf("option %s acknowledged twice", o)
			}
			seen[o] = true
		}
	})
}
