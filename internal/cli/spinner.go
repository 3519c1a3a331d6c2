package cli

import (
	"fmt"
	"io"
	"sync"
	"time"
)

// Spinner shows that something slow is under way (a key being unlocked)
// on a terminal, and nothing anywhere else: never in a pipe, a log or a
// test.
type Spinner struct {
	w    io.Writer
	stop chan struct{}
	done sync.WaitGroup
	once sync.Once
}

// NewSpinner starts a spinner with label on w when w is a terminal; on
// anything else it returns nil, which Stop accepts.
func NewSpinner(w io.Writer, label string) *Spinner {
	if !IsTerminal(w) {
		return nil
	}
	return startSpinner(w, label, 100*time.Millisecond)
}

func startSpinner(w io.Writer, label string, every time.Duration) *Spinner {
	s := &Spinner{w: w, stop: make(chan struct{})}
	s.done.Add(1)
	go func() {
		defer s.done.Done()
		frames := `|/-\`
		t := time.NewTicker(every)
		defer t.Stop()
		for i := 0; ; i++ {
			fmt.Fprintf(w, "\r%s %c", label, frames[i%len(frames)])
			select {
			case <-s.stop:
				fmt.Fprint(w, "\r\033[K")
				return
			case <-t.C:
			}
		}
	}()
	return s
}

// Stop clears the spinner's line. It is safe on a nil Spinner and more
// than once.
func (s *Spinner) Stop() {
	if s == nil {
		return
	}
	s.once.Do(func() {
		close(s.stop)
		s.done.Wait()
	})
}
