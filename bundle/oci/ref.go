package oci

import (
	"errors"
	"fmt"
	"net"
	"regexp"
	"strings"
	"sync"

	"oras.land/oras-go/v2/registry"
)

// Reference schemes.
const (
	SchemeRegistry = "oci://"      // oci://HOST[:PORT]/REPO:TAG
	SchemeLayout   = "oci-layout:" // oci-layout:DIR:TAG, an OCI image layout directory
)

// Ref is where a bundle is stored: a repository of an OCI registry, or an
// OCI image-layout directory (a USB stick for an air-gapped site), with a
// tag or a manifest digest.
type Ref struct {
	Registry   string // host[:port]; empty for a layout
	Repository string // path in the registry
	Dir        string // layout directory; empty for a registry
	Tag        string // the tag, or empty when Digest is set
	Digest     string // sha256:<hex> of the manifest, when pinned
}

// IsRef reports whether s names a registry or layout reference rather than
// a file (it starts with oci:// or oci-layout:).
func IsRef(s string) bool {
	return strings.HasPrefix(s, SchemeRegistry) || strings.HasPrefix(s, SchemeLayout)
}

// IsLayout reports whether r is an OCI image-layout directory.
func (r Ref) IsLayout() bool { return r.Dir != "" }

// Reference is the tag or the digest.
func (r Ref) Reference() string {
	if r.Digest != "" {
		return r.Digest
	}
	return r.Tag
}

func (r Ref) String() string {
	sep := ":"
	if r.Digest != "" {
		sep = "@"
	}
	if r.IsLayout() {
		return SchemeLayout + r.Dir + sep + r.Reference()
	}
	return SchemeRegistry + r.Registry + "/" + r.Repository + sep + r.Reference()
}

var (
	// Compiled on first use, not at start-up: every phoneload command
	// links this package, few parse references (issue 16: inspect's
	// fixed cost; hostRE alone took most of this package's 12 ms init).
	tagRE    = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$`) })
	digestRE = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^sha256:[0-9a-f]{64}$`) })
	hostRE   = sync.OnceValue(func() *regexp.Regexp {
		return regexp.MustCompile(`^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9]([A-Za-z0-9.-]{0,251}[A-Za-z0-9])?)(:[0-9]{1,5})?$`)
	})
)

// ErrRef is wrapped by every ParseRef error.
var ErrRef = errors.New("oci: bad reference")

// ParseRef parses oci://HOST[:PORT]/REPO:TAG, oci://HOST[:PORT]/REPO@sha256:HEX,
// oci-layout:DIR:TAG and oci-layout:DIR@sha256:HEX. A tag or digest is
// required: a release is named, never "latest" by default.
func ParseRef(s string) (Ref, error) {
	bad := func(format string, args ...any) (Ref, error) {
		return Ref{}, fmt.Errorf("%w: %q: %s", ErrRef, s, fmt.Sprintf(format, args...))
	}
	var r Ref
	var rest string
	switch {
	case strings.HasPrefix(s, SchemeRegistry):
		rest = s[len(SchemeRegistry):]
	case strings.HasPrefix(s, SchemeLayout):
		rest = s[len(SchemeLayout):]
		r.Dir = "-" // marks a layout while parsing
	default:
		return bad("want oci://HOST/REPO:TAG or oci-layout:DIR:TAG")
	}
	if strings.ContainsAny(rest, "\x00\r\n\t ") {
		return bad("contains a space or control character")
	}
	// The reference: after '@' a digest, else after the last ':' that
	// follows the last '/', a tag.
	if i := strings.LastIndexByte(rest, '@'); i >= 0 {
		r.Digest = rest[i+1:]
		rest = rest[:i]
		if !digestRE().MatchString(r.Digest) {
			return bad("digest must be sha256: and 64 lowercase hex digits")
		}
	} else {
		i := strings.LastIndexByte(rest, ':')
		if i < 0 || strings.Contains(rest[i+1:], "/") {
			return bad("no tag: add :TAG (or @sha256:DIGEST)")
		}
		r.Tag = rest[i+1:]
		rest = rest[:i]
		if !tagRE().MatchString(r.Tag) {
			return bad("tag %q: letters, digits, '_', '.' and '-', at most 128, not starting with '.' or '-'", r.Tag)
		}
	}
	if r.Dir != "" {
		if rest == "" {
			return bad("no directory")
		}
		r.Dir = rest
		return r, nil
	}
	host, repo, ok := strings.Cut(rest, "/")
	if !ok || host == "" || repo == "" {
		return bad("want oci://HOST[:PORT]/REPO:TAG")
	}
	r.Registry, r.Repository = host, repo
	ref := registry.Reference{Registry: host, Repository: repo, Reference: r.Reference()}
	if err := ref.ValidateRegistry(); err != nil || !hostRE().MatchString(host) {
		return bad("registry %q is not HOST[:PORT]", host)
	}
	if err := ref.ValidateRepository(); err != nil {
		return bad("repository %q: lowercase letters, digits, and '.', '_', '-' or '/' between them", repo)
	}
	return r, nil
}

// IsLoopback reports whether the registry host is the local machine
// (localhost, 127.0.0.0/8, ::1): the only place --plain-http may go.
func (r Ref) IsLoopback() bool {
	host := r.Registry
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	host = strings.TrimSuffix(strings.TrimPrefix(host, "["), "]")
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
