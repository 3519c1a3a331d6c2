package cisco

import (
	"path"
	"testing"
)

// checkIdentifyFast fails t when Identify's per-phone shortcut gives
// another kind than the general rules would.
func checkIdentifyFast(t *testing.T, name string, head []byte) {
	t.Helper()
	if got, want := Identify(name, head), identify(name, path.Base(name), head); got != want {
		t.Errorf("Identify(%q) = %q, the general rules say %q", name, got, want)
	}
}

func TestIdentifyFast(t *testing.T) {
	for _, name := range []string{
		"SEP000D28000001.cnf.xml", "sep000d28000001.CNF.XML", "SIP000D28000000.cnf", "sip000d28000000.CNF",
		"dir/SEP000D28000001.cnf.xml", "SEPBA5E00000000.cnf.xml", "SIP000D28000000.cnf.xml",
		"SEP000D2800000.cnf.xml", "SEP000D28000001.cnf", "SIP000D28000000.cnf.bak", "SEPOLD000000.cnf.xml",
		"MGC000D28000001.cnf", "XMLDefault.cnf.xml", "SIPDefault.cnf",
	} {
		checkIdentifyFast(t, name, nil)
	}
}

// FuzzIdentifyFast is differential: the per-phone shortcut of Identify
// agrees with the general rules on every name.
func FuzzIdentifyFast(f *testing.F) {
	for _, s := range []string{"SEP000D28000001.cnf.xml", "sip000d28000000.CNF", "a/SIP000D28000000.cnf.xml"} {
		f.Add(s, []byte("<device/>"))
	}
	f.Fuzz(func(t *testing.T, name string, head []byte) {
		checkIdentifyFast(t, name, head)
	})
}
