package cmd

import (
	"testing"
	"time"

	"github.com/phoneload/phoneload/internal/tftp"
)

// TestFormatEventQuotesNames: a network-supplied name cannot break a log
// line, reach the terminal or pass for other fields.
func TestFormatEventQuotesNames(t *testing.T) {
	at := time.Date(2026, 12, 4, 17, 0, 0, 0, time.UTC)
	for _, tc := range []struct{ name, want string }{
		{"SIPDefault.cnf", `SIPDefault.cnf`},
		{"sub/ring.raw", `sub/ring.raw`},
		{"", `""`},
		{"a\nb", `"a\nb"`},
		{"a\rb", `"a\rb"`},
		{"\x1b[2J", `"\x1b[2J"`},
		{"a\u009bb", `"a\u009bb"`},                   // C1 CSI
		{"evil\u202egpj.cnf", `"evil\u202egpj.cnf"`}, // bidi override
		{"zero\u200bwidth", `"zero\u200bwidth"`},     // format character
		{"line\u2028sep", `"line\u2028sep"`},         // line separator
		{"two words", `"two words"`},                 // one field
		{`say "hi"`, `"say \"hi\""`},                 // quotes
		{"bad\xffutf8", `"bad\xffutf8"`},             // invalid UTF-8
		{"Grüße.cnf", `Grüße.cnf`},                   // printable stays
	} {
		e := tftp.Event{Time: at, Remote: "127.0.0.1:1000", Op: "read", File: tc.name, Status: "not-found", Size: -1}
		want := "2026-12-04T17:00:00.000000Z 127.0.0.1:1000 read " + tc.want + " not-found 0ms"
		if got := formatEvent(e, false); got != want {
			t.Errorf("name %q:\n got %s\nwant %s", tc.name, got, want)
		}
	}
	// Journald: a priority instead of the time; error details quoted when
	// they hold controls (a client's error message is network text).
	e := tftp.Event{Time: at, Remote: "127.0.0.1:1000", Op: "read", File: "f", Status: "aborted", Size: 10, Bytes: 5, Error: "client sent error 0: \x1b[31mred"}
	if got, want := formatEvent(e, true), `<4>127.0.0.1:1000 read f aborted 5/10 bytes 0ms: "client sent error 0: \x1b[31mred"`; got != want {
		t.Errorf("journald line:\n got %s\nwant %s", got, want)
	}
}
