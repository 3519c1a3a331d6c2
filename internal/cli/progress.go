package cli

import (
	"fmt"
	"io"
	"sync"
	"time"
)

// Progress draws a one-line progress bar on a terminal and nothing anywhere
// else. It is safe for concurrent use.
type Progress struct {
	mu      sync.Mutex
	w       io.Writer
	on      bool
	label   string
	total   int64
	done    int64
	last    time.Time
	drawn   bool
	minStep time.Duration
}

// NewProgress returns a bar writing to w when w is a terminal; otherwise a
// bar that draws nothing. total is in bytes (0 if unknown).
func NewProgress(w io.Writer, label string, total int64) *Progress {
	return &Progress{w: w, on: IsTerminal(w), label: label, total: total, minStep: 100 * time.Millisecond}
}

// Add records n more bytes done.
func (p *Progress) Add(n int64) {
	if p == nil || !p.on {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.done += n
	if time.Since(p.last) < p.minStep {
		return
	}
	p.last = time.Now()
	p.draw()
}

func (p *Progress) draw() {
	const width = 30
	if p.total > 0 {
		frac := float64(p.done) / float64(p.total)
		if frac > 1 {
			frac = 1
		}
		n := int(frac * width)
		bar := make([]byte, width)
		for i := range bar {
			if i < n {
				bar[i] = '='
			} else {
				bar[i] = ' '
			}
		}
		fmt.Fprintf(p.w, "\r%s [%s] %3.0f%% %s", p.label, bar, frac*100, HumanBytes(p.done))
	} else {
		fmt.Fprintf(p.w, "\r%s %s", p.label, HumanBytes(p.done))
	}
	p.drawn = true
}

// Done clears the bar.
func (p *Progress) Done() {
	if p == nil || !p.on {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.drawn {
		fmt.Fprint(p.w, "\r\033[K")
	}
}

// HumanBytes formats a byte count for people: 1.5 MiB.
func HumanBytes(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTPE"[exp])
}
