package cfgfmt

import (
	"errors"
	"fmt"
	"strings"
)

// Severity says whether a Diagnostic stops the output.
type Severity string

// Severities. Only errors stop a profile from being written (except the
// Recovered ones the original also lets through); notes tell the
// user about something the tool did on purpose (encrypting with EncryptKey).
const (
	SeverityError   Severity = "error"
	SeverityWarning Severity = "warning"
	SeverityNote    Severity = "note"
)

// Diagnostic is one message about a text profile, with its position. Message
// keeps the original tool's wording where the spec gives it ("unknown
// attribute at line 12"), because scripts grep for it; Detail adds what the
// original never said (which name, which limit).
type Diagnostic struct {
	File     string   `json:"file"`
	Line     int      `json:"line"`
	Severity Severity `json:"severity"`
	Message  string   `json:"message"`
	Detail   string   `json:"detail,omitempty"`
	// Recovered marks an error that does not stop the output: Cisco's
	// cfgfmt prints it ("error: invalid tone specification") and still
	// writes the file and exits 0, and a drop-in must do the same.
	Recovered bool `json:"recovered,omitempty"`
}

// String formats d as "file:line: severity: message (detail)".
func (d Diagnostic) String() string {
	var b strings.Builder
	b.WriteString(d.File)
	if d.Line > 0 {
		fmt.Fprintf(&b, ":%d", d.Line)
	}
	fmt.Fprintf(&b, ": %s: %s", d.Severity, d.Message)
	if d.Detail != "" {
		fmt.Fprintf(&b, " (%s)", d.Detail)
	}
	return b.String()
}

// Errors is the error Compile returns: every error-severity Diagnostic.
type Errors []Diagnostic

func (e Errors) Error() string {
	lines := make([]string, len(e))
	for i, d := range e {
		lines[i] = d.String()
	}
	return strings.Join(lines, "\n")
}

// Errors of Decode. Their text is the original tool's wording, since scripts
// grep for it; context follows in parentheses.
var (
	// ErrUnknownInput: the input is neither a text profile nor, after any
	// decryption, a binary one.
	ErrUnknownInput = errors.New("unknown or encrypted input file")
	// ErrCorrupted: the binary profile's header, length or checksum is wrong.
	ErrCorrupted = errors.New("corrupted profile")
)

// SizeError reports an input too short (or too long) to be a profile.
type SizeError struct{ N int }

func (e *SizeError) Error() string { return fmt.Sprintf("bad input size %d", e.N) }

// CorruptError says what is wrong with a binary profile and where. It
// matches ErrCorrupted with errors.Is.
type CorruptError struct {
	Offset int
	Reason string
}

func (e *CorruptError) Error() string {
	return fmt.Sprintf("%v (%s at offset %#x)", ErrCorrupted, e.Reason, e.Offset)
}

// Is makes errors.Is(err, ErrCorrupted) true.
func (e *CorruptError) Is(target error) bool { return target == ErrCorrupted }

func corrupt(off int, format string, args ...any) error {
	return &CorruptError{Offset: off, Reason: fmt.Sprintf(format, args...)}
}
