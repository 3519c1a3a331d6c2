// Package cli holds the conventions every phoneload command shares: exit
// codes, how errors and hints reach stderr, JSON output and terminal
// detection. It prints only to the writers it is given.
package cli

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"golang.org/x/term"
)

// Exit codes, the same for every command. Commands document which they use.
const (
	ExitOK        = 0 // success
	ExitFailure   = 1 // the command ran and found errors, or an operation failed
	ExitUsage     = 2 // bad flags or arguments
	ExitSignature = 3 // a signature is missing, bad or made by an untrusted key
	ExitContent   = 4 // signed content does not match the files (modified, missing, extra)
	ExitPolicy    = 5 // signatures and content are fine, but policy refuses (expired, sequence)
)

// Error carries an exit code and an optional hint with an error.
type Error struct {
	Code int
	Err  error
	Hint string
	// ShowUsage marks a mistake on the command line (Usage): Report prints
	// UsageText, the command's own usage and examples, after it.
	ShowUsage bool
	UsageText string
}

func (e *Error) Error() string {
	if e.Err == nil {
		return fmt.Sprintf("exit status %d", e.Code)
	}
	return e.Err.Error()
}

func (e *Error) Unwrap() error { return e.Err }

// Exit wraps err with an exit code. A nil err with a non-zero code means the
// command already reported everything and only the status is left to set.
func Exit(code int, err error) error { return &Error{Code: code, Err: err} }

// Usage returns a usage error (exit 2) with a formatted message.
func Usage(format string, args ...any) error {
	return &Error{Code: ExitUsage, Err: fmt.Errorf(format, args...), ShowUsage: true}
}

// IsUsage reports whether err is a mistake on the command line: a Usage
// error, or a flag or argument error from cobra.
func IsUsage(err error) bool {
	if err == nil {
		return false
	}
	var e *Error
	if errors.As(err, &e) {
		return e.ShowUsage
	}
	return isCobraUsage(err.Error())
}

// WithUsage attaches text, a command's usage and examples, to a usage
// error (IsUsage); other errors are returned as they are.
func WithUsage(err error, text string) error {
	if !IsUsage(err) {
		return err
	}
	var e *Error
	if errors.As(err, &e) {
		c := *e
		c.UsageText = text
		return &c
	}
	return &Error{Code: ExitUsage, Err: err, ShowUsage: true, UsageText: text}
}

// internalPrefixes are the module's package names that library errors
// start with ("bundle: …", "sign: …"): useful in a Go program, noise to
// an operator. Message removes them.
var internalPrefixes = []string{
	"atomicfile", "boot", "bundle", "cfgfmt", "cfgfmtcli", "check", "cisco",
	"container", "drop", "fixture", "oci", "plan", "probe", "publish",
	"quote", "sign", "tftp", "tftpload", "tftplog",
}

// Message is err's text for people: without the internal package prefixes
// a library error carries, at its start or after another message part
// (": ", "; ", a new line).
func Message(err error) string {
	return StripPrefixes(err.Error())
}

// StripPrefixes removes internal package prefixes ("bundle: ") from msg
// where a message part starts: at the start, after ": ", "; " or "\n".
// One package prefix goes per part ("bundle: bundle: x" loses both, being
// one prefix said twice), so that a user's own file named like a package
// ("oci: drop: not empty", for a directory drop) keeps its name.
func StripPrefixes(msg string) string {
	var b strings.Builder
	start := true
	for i := 0; i < len(msg); {
		if start {
			if p := prefixAt(msg[i:]); p != "" {
				for strings.HasPrefix(msg[i:], p) {
					i += len(p)
				}
				start = false
				continue
			}
		}
		c := msg[i]
		b.WriteByte(c)
		i++
		start = c == '\n' || (c == ' ' && i >= 2 && (msg[i-2] == ':' || msg[i-2] == ';'))
	}
	return b.String()
}

// prefixAt returns the package prefix ("bundle: ") s starts with, or "".
func prefixAt(s string) string {
	for _, p := range internalPrefixes {
		if strings.HasPrefix(s, p) && strings.HasPrefix(s[len(p):], ": ") {
			return p + ": "
		}
	}
	return ""
}

// suggestion turns cobra's several-line "unknown command" error with its
// "Did you mean this?" list into one line and a hint.
func suggestion(msg string) (string, string, bool) {
	head, list, ok := strings.Cut(msg, "\n\nDid you mean this?\n")
	if !ok {
		return msg, "", false
	}
	var names []string
	for _, l := range strings.Split(list, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			names = append(names, l)
		}
	}
	if len(names) == 0 {
		return head, "", true
	}
	return head, "did you mean " + strings.Join(names, " or ") + "?", true
}

// Hint attaches a hint, printed after the error as "phoneload: hint: …".
func Hint(err error, format string, args ...any) error {
	if err == nil {
		return nil
	}
	var e *Error
	if errors.As(err, &e) {
		c := *e
		c.Hint = fmt.Sprintf(format, args...)
		return &c
	}
	return &Error{Code: ExitFailure, Err: err, Hint: fmt.Sprintf(format, args...)}
}

// Report prints err to w in the house format and returns the exit code.
// prog is the program name ("phoneload").
func Report(w io.Writer, prog string, err error) int {
	if err == nil {
		return ExitOK
	}
	code := ExitFailure
	hint := ""
	var e *Error
	explicit := errors.As(err, &e)
	if explicit {
		code = e.Code
		hint = e.Hint
		if e.Err == nil {
			return code
		}
	}
	msg := Message(err)
	usage := ""
	if explicit {
		usage = e.UsageText
	}
	if isCobraUsage(msg) && (!explicit || e.ShowUsage) {
		if !explicit {
			code = ExitUsage
		}
		if m, h, ok := suggestion(msg); ok {
			msg = m
			if h != "" && hint == "" {
				hint = h
			}
		}
		if hint == "" && usage == "" {
			hint = fmt.Sprintf("run '%s --help' for usage", prog)
		}
	}
	// An error list (errors.Join: every bad line of a fleet file) gets
	// one prefixed line per error, so each reads like any other message.
	for _, line := range strings.Split(strings.TrimRight(msg, "\n"), "\n") {
		fmt.Fprintf(w, "%s: error: %s\n", prog, line)
	}
	if usage != "" {
		fmt.Fprint(w, strings.TrimRight(usage, "\n")+"\n")
	}
	if hint != "" {
		fmt.Fprintf(w, "%s: hint: %s\n", prog, StripPrefixes(hint))
	}
	return code
}

// isCobraUsage recognises the flag and argument errors cobra returns, which
// are usage errors (exit 2), not failures. It matches the start of the
// message only: an I/O error that merely mentions "invalid argument"
// (EINVAL) is a failure, not a usage mistake.
func isCobraUsage(msg string) bool {
	for _, p := range []string{
		"unknown flag", "unknown shorthand flag", "unknown command",
		"flag needs an argument", "invalid argument", "accepts ", "requires at least",
		"requires at most", "requires exactly", "required flag", "if any flags in the group",
		"bad flag syntax", "none of the others can be",
	} {
		if strings.HasPrefix(msg, p) {
			return true
		}
	}
	return false
}

// Warn prints "prog: warning: …" to w.
func Warn(w io.Writer, prog, format string, args ...any) {
	fmt.Fprintf(w, "%s: warning: %s\n", prog, StripPrefixes(fmt.Sprintf(format, args...)))
}

// Note prints "prog: hint: …" to w.
func Note(w io.Writer, prog, format string, args ...any) {
	fmt.Fprintf(w, "%s: hint: %s\n", prog, StripPrefixes(fmt.Sprintf(format, args...)))
}

// WriteJSON writes v as indented JSON followed by a newline. Every --json
// output goes through here so that the format is the same everywhere.
func WriteJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}

// IsTerminal reports whether w is a terminal. Progress bars are drawn only then.
func IsTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	return term.IsTerminal(int(f.Fd()))
}
