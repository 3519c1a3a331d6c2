package testtool

import "testing"

func TestNeedFindsShell(t *testing.T) {
	if p := Need(t, "sh"); p == "" {
		t.Fatal("sh not found")
	}
}

func TestMissingFailsInCI(t *testing.T) {
	t.Setenv("CI", "true")
	ft := &fakeT{TB: t}
	func() {
		defer func() { recover() }()
		Missing(ft, "x")
	}()
	if !ft.failed {
		t.Error("Missing did not fail with CI set")
	}
	t.Setenv("CI", "")
	ft = &fakeT{TB: t}
	func() {
		defer func() { recover() }()
		Missing(ft, "x")
	}()
	if !ft.skipped || ft.failed {
		t.Errorf("Missing without CI: skipped=%v failed=%v, want a skip", ft.skipped, ft.failed)
	}
}

// fakeT records Fatalf and Skip without ending the real test.
type fakeT struct {
	testing.TB
	failed, skipped bool
}

func (f *fakeT) Helper()               {}
func (f *fakeT) Fatalf(string, ...any) { f.failed = true; panic("fatal") }
func (f *fakeT) Skip(...any)           { f.skipped = true; panic("skip") }
