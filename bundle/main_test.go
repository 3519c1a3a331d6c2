package bundle

import (
	"os"
	"testing"
)

// TestMain runs every test of the package with SHA256SUMS read outside
// the Go heap however small it is (offHeap), so that a name that
// outlives Verify while still pointing into the released mapping faults
// here rather than go unnoticed.
func TestMain(m *testing.M) {
	offHeapMin = 1
	os.Exit(m.Run())
}
