package servertest

import (
	"fmt"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// TestExitedAtStart: a server that exits before it answers is reported by
// waitReady, and the retry path can still wait for it (once it waited
// forever: the one value of the exit channel had been taken by waitReady).
func TestExitedAtStart(t *testing.T) {
	c := exec.Command("sh", "-c", "exit 3")
	if err := c.Start(); err != nil {
		t.Skip(err)
	}
	p := waitFor(c)
	addr := fmt.Sprintf("127.0.0.1:%d", freeUDPPort(t))
	err := waitReady(addr, p)
	if err == nil || !strings.Contains(err.Error(), "exited") && !strings.Contains(err.Error(), "never answered") {
		t.Fatalf("waitReady: %v", err)
	}
	for range 2 {
		select {
		case <-p.done:
		case <-time.After(5 * time.Second):
			t.Fatal("waiting for a server that has exited does not return")
		}
	}
	if p.err == nil || !strings.Contains(p.err.Error(), "exit status 3") {
		t.Fatalf("exit error %v", p.err)
	}
	terminate(c, p) // returns at once
}
