package cfgfmt

import (
	"iter"
	"strings"
)

// lines yields the lines of text with their numbers (from 1), without line
// ends. A line ends at LF, CRLF or a lone CR: a profile or table saved with
// classic Mac OS line ends would otherwise be a single line, and a profile
// whose one line starts with #txt compiles to an empty profile without a
// word. The scan is linear: each byte is looked at a bounded number of times.
func lines(text string) iter.Seq2[int, string] {
	return func(yield func(int, string) bool) {
		n := 0
		for len(text) > 0 {
			var raw string
			raw, text, _ = strings.Cut(text, "\n")
			for {
				i := strings.IndexByte(raw, '\r')
				if i < 0 {
					break
				}
				if i == len(raw)-1 { // CRLF, or a CR ending the text
					raw = raw[:i]
					break
				}
				n++
				if !yield(n, raw[:i]) {
					return
				}
				raw = raw[i+1:]
			}
			n++
			if !yield(n, raw) {
				return
			}
		}
	}
}
