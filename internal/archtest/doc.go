// Package archtest holds the test that keeps the import graph to the arrows
// docs/architecture.md allows: every package imports only those listed for
// it, so imports point down and no library reaches into cmd/.
package archtest
