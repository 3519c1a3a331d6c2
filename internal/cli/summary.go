package cli

import (
	"fmt"
	"strings"
)

// Verbosity is how much human output a command prints: Quiet prints
// nothing on stdout (the exit code and stderr say it all), Normal
// summarises long lists (counts and the first few names), Verbose lists
// every line. --json output never depends on it.
type Verbosity int

// The verbosities, set by --quiet and --verbose.
const (
	Quiet Verbosity = iota - 1
	Normal
	Verbose
)

// Shown is how many names a summary lists before "… and N more".
const Shown = 3

// GroupAbove is how many like lines a command prints one by one before it
// folds them into one summary line (Normal verbosity).
const GroupAbove = 5

// LongList is how many lines a per-file report (probe's one phone hunt)
// prints one by one, however alike: past it, like lines fold.
const LongList = 50

// Limit is how many names to list at this verbosity: Shown, or every one
// (0) when Verbose.
func (v Verbosity) Limit() int {
	if v == Verbose {
		return 0
	}
	return Shown
}

// Folds reports whether n like lines are folded into one at this verbosity.
func (v Verbosity) Folds(n int) bool { return v != Verbose && n > GroupAbove }

// FoldsIn reports whether n like lines of a report of total lines fold
// into one: only past cli.LongList lines in all (a release's plan or one
// phone's hunt stays whole), and then as Folds.
func (v Verbosity) FoldsIn(total, n int) bool { return total > LongList && v.Folds(n) }

// Names summarises a list for fleet-scale output:
//
//	"312 phones: SEP001122334455, SEP001122334466, SEP001122334477, … and 309 more"
//
// noun is singular ("phone"; "file"); its plural adds "s". limit caps the
// names listed; 0 lists them all.
func Names(names []string, noun string, limit int) string {
	head := Count(len(names), noun)
	if len(names) == 0 {
		return head
	}
	if limit <= 0 || len(names) <= limit {
		return head + ": " + strings.Join(names, ", ")
	}
	return fmt.Sprintf("%s: %s, … and %d more", head, strings.Join(names[:limit], ", "), len(names)-limit)
}

// Count writes "1 phone", "2 phones".
func Count(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
