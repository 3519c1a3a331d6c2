package sign

import (
	"bufio"
	"bytes"
	"fmt"
	"strings"
	"time"

	"golang.org/x/crypto/ssh"
)

// MaxAllowedSignersSize bounds an allowed signers file.
const MaxAllowedSignersSize = 4 << 20

// AllowedSigner is one line of an allowed signers file in ssh-keygen's format
// (ssh-keygen(1), ALLOWED SIGNERS): principals, options, key.
type AllowedSigner struct {
	Principals  []string
	Key         ssh.PublicKey
	Namespaces  []string  // patterns, "!" negates; empty means any namespace
	ValidAfter  time.Time // zero when absent
	ValidBefore time.Time
	Line        int
}

// KeyID is the SHA256 fingerprint of the signer's key.
func (a AllowedSigner) KeyID() string { return ssh.FingerprintSHA256(a.Key) }

// Allows reports whether the line admits a signature in namespace at time t.
func (a AllowedSigner) Allows(namespace string, t time.Time) bool {
	if len(a.Namespaces) > 0 && !matchPatternList(a.Namespaces, namespace) {
		return false
	}
	if !a.ValidAfter.IsZero() && t.Before(a.ValidAfter) {
		return false
	}
	if !a.ValidBefore.IsZero() && !t.Before(a.ValidBefore) {
		return false
	}
	return true
}

// refusal says why Allows is false, for the line's user.
func (a AllowedSigner) refusal(namespace string, t time.Time) string {
	where := "allowed signers"
	if a.Line > 0 {
		where = fmt.Sprintf("allowed signers line %d", a.Line)
	}
	switch {
	case len(a.Namespaces) > 0 && !matchPatternList(a.Namespaces, namespace):
		return fmt.Sprintf("%s: namespaces=%q does not admit %q", where, strings.Join(a.Namespaces, ","), namespace)
	case !a.ValidAfter.IsZero() && t.Before(a.ValidAfter):
		return fmt.Sprintf("%s: valid only after %s", where, a.ValidAfter.UTC().Format(time.RFC3339))
	case !a.ValidBefore.IsZero() && !t.Before(a.ValidBefore):
		return fmt.Sprintf("%s: valid only before %s", where, a.ValidBefore.UTC().Format(time.RFC3339))
	}
	return where
}

// ParseAllowedSigners parses an allowed signers file. name is used in errors
// (name:line: msg). Lines with cert-authority are refused: bundle
// signatures are made with plain keys.
func ParseAllowedSigners(name string, data []byte) ([]AllowedSigner, error) {
	if len(data) > MaxAllowedSignersSize {
		return nil, fmt.Errorf("sign: %s: too large for an allowed signers file", name)
	}
	var out []AllowedSigner
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 64<<10), MaxAllowedSignersSize)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		a, err := parseAllowedSigner(line)
		if err != nil {
			return nil, fmt.Errorf("sign: %s:%d: %v", name, n, err)
		}
		a.Line = n
		out = append(out, a)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("sign: %s: %v", name, err)
	}
	return out, nil
}

func parseAllowedSigner(line string) (AllowedSigner, error) {
	var a AllowedSigner
	var principals, rest string
	if strings.HasPrefix(line, `"`) {
		end := strings.Index(line[1:], `"`)
		if end < 0 {
			return a, fmt.Errorf("unterminated quoted principals")
		}
		principals, rest = line[1:1+end], line[2+end:]
	} else {
		i := strings.IndexAny(line, " \t")
		if i < 0 {
			return a, fmt.Errorf("missing key")
		}
		principals, rest = line[:i], line[i:]
	}
	for _, p := range strings.Split(principals, ",") {
		if p = strings.TrimSpace(p); p != "" {
			a.Principals = append(a.Principals, p)
		}
	}
	if len(a.Principals) == 0 {
		return a, fmt.Errorf("no principals")
	}
	key, _, options, tail, err := ssh.ParseAuthorizedKey([]byte(strings.TrimSpace(rest)))
	if err != nil {
		return a, fmt.Errorf("bad key: %v", err)
	}
	if len(bytes.TrimSpace(tail)) != 0 {
		return a, fmt.Errorf("more than one key on the line")
	}
	a.Key = key
	for _, o := range options {
		name, val, hasVal := strings.Cut(o, "=")
		val = strings.Trim(val, `"`)
		switch strings.ToLower(name) {
		case "cert-authority":
			return a, fmt.Errorf("cert-authority lines are not supported")
		case "namespaces":
			if !hasVal {
				return a, fmt.Errorf("namespaces needs a value")
			}
			// Kept verbatim, as ssh-keygen does: no spaces trimmed.
			a.Namespaces = append(a.Namespaces, strings.Split(val, ",")...)
		case "valid-after", "valid-before":
			t, err := parseSSHTime(val)
			if err != nil {
				return a, fmt.Errorf("%s: %v", name, err)
			}
			if name == "valid-after" {
				a.ValidAfter = t
			} else {
				a.ValidBefore = t
			}
		default:
			return a, fmt.Errorf("unknown option %q", name)
		}
	}
	return a, nil
}

// parseSSHTime reads YYYYMMDD[HHMM[SS]][Z], local time unless Z.
func parseSSHTime(s string) (time.Time, error) {
	loc := time.Local
	if strings.HasSuffix(s, "Z") || strings.HasSuffix(s, "z") {
		loc, s = time.UTC, s[:len(s)-1]
	}
	for _, layout := range []string{"20060102150405", "200601021504", "20060102"} {
		if len(s) == len(layout) {
			return time.ParseInLocation(layout, s, loc)
		}
	}
	return time.Time{}, fmt.Errorf("bad time %q", s)
}

// matchPatternList is OpenSSH's match_pattern_list: s must match one of
// the patterns and none of the negated ones ("!pattern"), so that
// namespaces="*,!phoneload" excludes phoneload as it does for ssh-keygen.
func matchPatternList(patterns []string, s string) bool {
	positive := false
	for _, p := range patterns {
		if neg, ok := strings.CutPrefix(p, "!"); ok {
			if matchPattern(neg, s) {
				return false
			}
		} else if matchPattern(p, s) {
			positive = true
		}
	}
	return positive
}

// matchPattern is ssh's pattern match: * and ? wildcards.
func matchPattern(pattern, s string) bool {
	for len(pattern) > 0 {
		switch pattern[0] {
		case '*':
			for i := len(s); i >= 0; i-- {
				if matchPattern(pattern[1:], s[i:]) {
					return true
				}
			}
			return false
		case '?':
			if s == "" {
				return false
			}
			pattern, s = pattern[1:], s[1:]
		default:
			if s == "" || pattern[0] != s[0] {
				return false
			}
			pattern, s = pattern[1:], s[1:]
		}
	}
	return s == ""
}
