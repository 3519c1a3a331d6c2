package oci

import (
	"errors"
	"testing"
)

func TestParseRef(t *testing.T) {
	dg := "sha256:" + "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
	ok := []struct {
		in   string
		want Ref
	}{
		{"oci://registry.example/phones/lab:r1", Ref{Registry: "registry.example", Repository: "phones/lab", Tag: "r1"}},
		{"oci://127.0.0.1:5000/lab:8.12-2", Ref{Registry: "127.0.0.1:5000", Repository: "lab", Tag: "8.12-2"}},
		{"oci://[::1]:5000/a/b/c:T_1", Ref{Registry: "[::1]:5000", Repository: "a/b/c", Tag: "T_1"}},
		{"oci://localhost/lab@" + dg, Ref{Registry: "localhost", Repository: "lab", Digest: dg}},
		{"oci-layout:/media/usb/phones:r1", Ref{Dir: "/media/usb/phones", Tag: "r1"}},
		{"oci-layout:rel:dir:r1", Ref{Dir: "rel:dir", Tag: "r1"}},
		{"oci-layout:usb@" + dg, Ref{Dir: "usb", Digest: dg}},
	}
	for _, c := range ok {
		got, err := ParseRef(c.in)
		if err != nil {
			t.Errorf("%s: %v", c.in, err)
			continue
		}
		if got != c.want {
			t.Errorf("%s: got %+v, want %+v", c.in, got, c.want)
		}
		if got.String() != c.in {
			t.Errorf("%s: String() = %s", c.in, got.String())
		}
	}
	bad := []string{
		"", "registry.example/lab:r1", "oci://", "oci://host", "oci://host/lab", "oci://host/lab:",
		"oci://host/Lab:r1", "oci:///lab:r1", "oci://host/lab:.r1", "oci://host/lab:-r1",
		"oci://host/lab@sha256:abc", "oci://host/lab@md5:" + "00", "oci://us er@host/lab:r1",
		"oci://host/lab:r1\n", "oci-layout::r1", "oci-layout:/usb", "oci-layout:/usb:tag/x",
		"oci://host:port:1/lab:r1", "oci://host/lab//x:r1", "oci://host/lab:" + string(make([]byte, 129)),
	}
	for _, in := range bad {
		if r, err := ParseRef(in); !errors.Is(err, ErrRef) {
			t.Errorf("%q: got %+v, %v; want ErrRef", in, r, err)
		}
	}
}

func TestIsLoopback(t *testing.T) {
	for in, want := range map[string]bool{
		"oci://localhost:5000/a:t": true, "oci://127.0.0.1/a:t": true, "oci://127.9.9.9:1/a:t": true,
		"oci://[::1]:5000/a:t": true, "oci://10.0.0.1/a:t": false, "oci://registry.example/a:t": false,
		"oci://localhost.example/a:t": false, "oci://0.0.0.0/a:t": false,
	} {
		if got := mustRef(t, in).IsLoopback(); got != want {
			t.Errorf("%s: IsLoopback %v", in, got)
		}
	}
}

// FuzzParseRef: whatever parses prints back to itself and parses again
// to the same reference; a layout never has a registry and vice versa.
func FuzzParseRef(f *testing.F) {
	for _, s := range []string{"oci://registry.example/phones/lab:r1", "oci://[::1]:5000/a/b:T", "oci-layout:/usb:r1",
		"oci-layout:a:b@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", "oci://h/x@sha256:00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		r, err := ParseRef(s)
		if err != nil {
			if !errors.Is(err, ErrRef) {
				t.Fatalf("%q: error %v does not wrap ErrRef", s, err)
			}
			return
		}
		if (r.Dir == "") == (r.Registry == "") || (r.Tag == "") == (r.Digest == "") {
			t.Fatalf("%q: inconsistent %+v", s, r)
		}
		if r.String() != s {
			t.Fatalf("%q: String() = %q", s, r.String())
		}
		r2, err := ParseRef(r.String())
		if err != nil || r2 != r {
			t.Fatalf("%q: reparse %+v, %v", s, r2, err)
		}
	})
}
