package check

import "testing"

func TestDevNameMatch(t *testing.T) {
	for _, name := range []string{
		"SEP000D28000001.cnf.xml", "sep000d28000001.CNF.XML", "SIP000D28000000.cnf",
		"CTLSEP000D28000001.tlv", "ITLSEP000D28000001.tlv", "MGC000D28000001.cnf",
		"SEP000D2800001.cnf.xml", "SEP000D280000011.cnf.xml", "SEP.cnf.xml", "SEP000D28000001.",
		"SEP000D28000001", "SEP000D28000001.cnf\n", "SEP000D28000001.c\nf", "SEPXYZ.cnf",
		"SEP000D28000001x.cnf", "SE", "", "XSEP000D28000001.cnf", "SEP000D28000001..",
		"SEP000D28000001.cnf.xml\u00e9", "\u017fEP000D28000001.cnf", "SIP000D28000001.cnf",
		"gk000d28000001", "GK000D28000001.txt", "ld000d28000001.TXT", "ata000d28000001.x",
		"ata000d2800000", "ata000d28000001x", "ata000d28000001.", "ld000d28000001.\n",
		"gk000d28000001.txt.bak", "\u212a000d28000001", "atA000D28000001", "g", "ld000d2800000g",
	} {
		checkDevNameMatch(t, name)
	}
}

func checkDevNameMatch(t *testing.T, name string) {
	t.Helper()
	var want [4]string
	wantOK := false
	if m := reDevUpper().FindStringSubmatch(name); m != nil {
		want, wantOK = [4]string{m[1], m[2], m[3]}, true
	}
	p, h, e, ok := matchDevUpper(name)
	if got := [4]string{p, h, e}; ok != wantOK || got != want {
		t.Errorf("matchDevUpper(%q) = %q %v, want %q %v", name, got, ok, want, wantOK)
	}
	want, wantOK = [4]string{}, false
	if m := reDevLower().FindStringSubmatch(name); m != nil {
		want, wantOK = [4]string{m[1], m[2], m[3]}, true
	}
	p, h, e, ok = matchDevLower(name)
	if got := [4]string{p, h, e}; ok != wantOK || got != want {
		t.Errorf("matchDevLower(%q) = %q %v, want %q %v", name, got, ok, want, wantOK)
	}
}

// FuzzDevNameMatch is differential: the hand matchers agree with the
// regexps on every name.
func FuzzDevNameMatch(f *testing.F) {
	for _, s := range []string{"SEP000D28000001.cnf.xml", "ctlsep000d28000001.tlv", "ld000d28000001.txt", "ATA000D28000001", "\u212a000d28000001"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, name string) {
		checkDevNameMatch(t, name)
	})
}
