package cmd

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/phoneload/phoneload/bundle/publish"
	"github.com/phoneload/phoneload/internal/cli"
)

// TestWriteHistoryFolds: a long history shows its newest cli.LongList
// publishes and the current one however old; --verbose shows every one; a
// long canary lists its first MACs.
func TestWriteHistoryFolds(t *testing.T) {
	t0 := time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC)
	var log []publish.Entry
	for i := range 80 {
		log = append(log, publish.Entry{ID: fmt.Sprintf("id%02d", i), Time: t0.Add(time.Duration(i) * time.Hour),
			Bundle: fmt.Sprintf("b%02d.zip", i), Signers: []string{}, Changes: i})
	}
	log[3].Current = true
	for i := range 10 {
		log[79].Canary = append(log[79].Canary, fmt.Sprintf("00112233445%d", i))
	}

	var b bytes.Buffer
	writeHistory(&b, log, cli.Normal)
	out := b.String()
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	if want := "29 older publishes not shown (--verbose lists every one)"; lines[0] != want {
		t.Errorf("first line %q, want %q", lines[0], want)
	}
	// The count line, the header, the current publish and the newest 50.
	if len(lines) != 1+1+1+cli.LongList {
		t.Errorf("%d lines, want %d:\n%s", len(lines), 3+cli.LongList, out)
	}
	if !strings.Contains(lines[2], "*") || !strings.Contains(lines[2], "id03") {
		t.Errorf("the current publish is not kept: %q", lines[2])
	}
	for _, gone := range []string{"id00", "id29"} {
		if strings.Contains(out, gone) {
			t.Errorf("%s shown; it is older than the newest %d", gone, cli.LongList)
		}
	}
	if !strings.Contains(out, "canary 001122334450,001122334451,001122334452,… (10 phones)") {
		t.Errorf("long canary not folded:\n%s", out)
	}

	b.Reset()
	writeHistory(&b, log, cli.Verbose)
	out = b.String()
	if n := strings.Count(out, "\n"); n != 81 {
		t.Errorf("--verbose: %d lines, want 81 (header + 80)", n)
	}
	if !strings.Contains(out, "canary 001122334450,001122334451,001122334452,001122334453,001122334454,001122334455,001122334456,001122334457,001122334458,001122334459") {
		t.Errorf("--verbose: canary not listed whole:\n%s", out)
	}

	b.Reset()
	writeHistory(&b, log[:5], cli.Normal)
	if strings.Contains(b.String(), "older") || strings.Count(b.String(), "\n") != 6 {
		t.Errorf("a short history is folded:\n%s", b.String())
	}
}
