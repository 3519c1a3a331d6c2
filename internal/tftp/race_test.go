//go:build race

package tftp

// raceEnabled makes the load tests lighter under the race detector (make
// race), which runs them 5-10 times slower; they assert the same.
const raceEnabled = true
