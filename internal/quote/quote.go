// Package quote renders names that came from untrusted input (archives, TFTP
// roots, the network) so that printing them cannot rewrite a terminal or
// forge a log line.
package quote

import "strconv"

// Name quotes a name that holds control characters or invalid UTF-8, so
// that an error message cannot rewrite the user's terminal.
func Name(s string) string {
	for _, r := range s {
		if r < 0x20 || r == 0x7f || r == '\uFFFD' {
			return strconv.Quote(s)
		}
	}
	return s
}
