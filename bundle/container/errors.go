package container

import (
	"errors"
	"strings"

	"github.com/phoneload/phoneload/internal/quote"
)

// Errors a container is refused with. Walk and Unpack wrap them in an
// *EntryError naming the container and the entry; test with errors.Is.
var (
	ErrUnsafePath    = errors.New("bundle: unsafe path")               // absolute, "..", backslash, control characters, …
	ErrLink          = errors.New("bundle: link not allowed")          // symbolic or hard link
	ErrSpecial       = errors.New("bundle: not a regular file")        // device, fifo, socket
	ErrDuplicate     = errors.New("bundle: duplicate name")            // the same name twice, or a file that is also a directory
	ErrCaseCollision = errors.New("bundle: names differ only in case") // collide on case-insensitive filesystems and TFTP servers
	ErrEncrypted     = errors.New("bundle: encrypted entry")
	ErrTooLarge      = errors.New("bundle: too large")         // over a Limits field, or longer than declared
	ErrTooMany       = errors.New("bundle: too many files")    // over Limits.MaxFiles
	ErrTruncated     = errors.New("bundle: truncated")         // shorter than declared
	ErrChecksum      = errors.New("bundle: checksum mismatch") // CRC-32 of the data differs from the archive's
	ErrFormat        = errors.New("bundle: not a valid container")
	ErrUnsupported   = errors.New("bundle: unsupported") // compression method, tar entry type
	ErrChanged       = errors.New("bundle: file changed while reading")
)

// EntryError is an error about one entry of a container (Entry empty: about
// the container as a whole).
type EntryError struct {
	Path   string // the container, as given to Walk
	Entry  string // the entry's name as stored (may be unsafe: print it quoted if needed)
	Err    error  // one of the Err* sentinels
	Detail string // what exactly, for people
}

func (e *EntryError) Error() string {
	var b strings.Builder
	b.WriteString("bundle: ")
	b.WriteString(e.Path)
	b.WriteString(": ")
	if e.Entry != "" {
		b.WriteString(quote.Name(e.Entry))
		b.WriteString(": ")
	}
	b.WriteString(strings.TrimPrefix(e.Err.Error(), "bundle: "))
	if e.Detail != "" {
		b.WriteString(": ")
		b.WriteString(e.Detail)
	}
	return b.String()
}

func (e *EntryError) Unwrap() error { return e.Err }
