// Package quote renders names that came from untrusted input (archives, TFTP
// roots, the network) so that printing them cannot rewrite a terminal or
// forge a log line, and finds the characters a file name must not hold.
package quote

import (
	"fmt"
	"strconv"
	"unicode"
	"unicode/utf8"
)

// Name quotes a name that holds a control, format or separator character
// (see Hidden) or invalid UTF-8, so that an error message cannot rewrite
// the user's terminal, reorder what it shows or forge a line.
func Name(s string) string {
	if !utf8.ValidString(s) {
		return strconv.Quote(s)
	}
	for _, r := range s {
		if r == utf8.RuneError || isHidden(r) {
			return strconv.Quote(s)
		}
	}
	return s
}

// isHidden reports the runes no file name may hold: Unicode control (Cc:
// C0, DEL and C1, such as U+009B, a terminal's CSI), format (Cf: the
// bidirectional overrides such as U+202E, zero-width characters, the BOM
// U+FEFF) and line and paragraph separators (Zl U+2028, Zp U+2029).
func isHidden(r rune) bool {
	return unicode.In(r, unicode.Cc, unicode.Cf, unicode.Zl, unicode.Zp)
}

// Hidden reports why s cannot be a file name because of a character that
// is invisible, reorders the text around it or breaks a line (see isHidden),
// or "" when it holds none: "control character U+009B", "format character
// U+202E", "line separator U+2028", "paragraph separator U+2029".
func Hidden(s string) string {
	for _, r := range s {
		if !isHidden(r) {
			continue
		}
		class := "control"
		switch {
		case unicode.Is(unicode.Cf, r):
			class = "format"
		case unicode.Is(unicode.Zl, r):
			class = "line separator"
		case unicode.Is(unicode.Zp, r):
			class = "paragraph separator"
		}
		if class == "control" || class == "format" {
			class += " character"
		}
		return fmt.Sprintf("%s U+%04X", class, r)
	}
	return ""
}
