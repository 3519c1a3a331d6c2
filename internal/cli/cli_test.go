package cli

import (
	"bytes"
	"errors"
	"testing"
)

func TestReport(t *testing.T) {
	tests := []struct {
		name     string
		err      error
		wantCode int
		wantOut  string
	}{
		{"nil", nil, 0, ""},
		{"plain", errors.New("boom"), 1, "phoneload: error: boom\n"},
		{"usage", Usage("need two arguments"), 2, "phoneload: error: need two arguments\n"},
		{"cobra flag", errors.New("unknown flag: --nope"), 2, "phoneload: error: unknown flag: --nope\nphoneload: hint: run 'phoneload --help' for usage\n"},
		{"hint", Hint(Exit(3, errors.New("bad signature")), "check --pub"), 3, "phoneload: error: bad signature\nphoneload: hint: check --pub\n"},
		{"silent", Exit(4, nil), 4, ""},
		{"explicit code wins", Exit(1, errors.New("accepts no such thing")), 1, "phoneload: error: accepts no such thing\n"},
		{"EINVAL is a failure", errors.New("write out: invalid argument"), 1, "phoneload: error: write out: invalid argument\n"},
		{"cobra args", errors.New("accepts 2 arg(s), received 1"), 2, "phoneload: error: accepts 2 arg(s), received 1\nphoneload: hint: run 'phoneload --help' for usage\n"},
		{"list", errors.Join(errors.New("fleet.csv:3: bad MAC"), errors.New("fleet.csv:5: unknown model")), 1,
			"phoneload: error: fleet.csv:3: bad MAC\nphoneload: error: fleet.csv:5: unknown model\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			code := Report(&buf, "phoneload", tt.err)
			if code != tt.wantCode {
				t.Errorf("code = %d, want %d", code, tt.wantCode)
			}
			if got := buf.String(); got != tt.wantOut {
				t.Errorf("output = %q, want %q", got, tt.wantOut)
			}
		})
	}
}

func TestHumanBytes(t *testing.T) {
	for n, want := range map[int64]string{0: "0 B", 1023: "1023 B", 1024: "1.0 KiB", 1536: "1.5 KiB", 1 << 30: "1.0 GiB"} {
		if got := HumanBytes(n); got != want {
			t.Errorf("HumanBytes(%d) = %q, want %q", n, got, want)
		}
	}
}

func TestNames(t *testing.T) {
	many := []string{"a", "b", "c", "d", "e"}
	for _, tc := range []struct {
		names []string
		limit int
		want  string
	}{
		{nil, 3, "0 phones"},
		{[]string{"a"}, 3, "1 phone: a"},
		{many[:3], 3, "3 phones: a, b, c"},
		{many, 3, "5 phones: a, b, c, … and 2 more"},
		{many, 0, "5 phones: a, b, c, d, e"},
	} {
		if got := Names(tc.names, "phone", tc.limit); got != tc.want {
			t.Errorf("Names(%q, %d) = %q, want %q", tc.names, tc.limit, got, tc.want)
		}
	}
	if Normal.Folds(GroupAbove) || !Normal.Folds(GroupAbove+1) || Verbose.Folds(1000) {
		t.Error("Folds: Normal folds past GroupAbove lines, Verbose never")
	}
}

func TestFoldsIn(t *testing.T) {
	for _, tc := range []struct {
		v        Verbosity
		total, n int
		want     bool
	}{
		{Normal, LongList, LongList, false},       // a short report stays whole
		{Normal, LongList + 1, GroupAbove, false}, // few alike lines stay
		{Normal, LongList + 1, GroupAbove + 1, true},
		{Verbose, 3000, 3000, false},
		{Quiet, 3000, 3000, true}, // nothing is printed anyway
	} {
		if got := tc.v.FoldsIn(tc.total, tc.n); got != tc.want {
			t.Errorf("%d.FoldsIn(%d, %d) = %v", tc.v, tc.total, tc.n, got)
		}
	}
}

// TestNoInternalPrefixes: no user message names an internal package, for
// every prefix, wherever a message part starts; other text is untouched.
func TestNoInternalPrefixes(t *testing.T) {
	for _, p := range internalPrefixes {
		user := "drop" // a user's directory with a package's name
		if p == user {
			user = "plan"
		}
		for _, tc := range []struct{ in, want string }{
			{p + ": x.zip: bad", "x.zip: bad"},
			{"enc.key: " + p + ": wrong passphrase", "enc.key: wrong passphrase"},
			{"a; " + p + ": b", "a; b"},
			{p + ": " + p + ": twice", "twice"},
			{p + ": " + user + ": not empty", user + ": not empty"},
			{"line1\n" + p + ": line2", "line1\nline2"},
			{"open " + p + ": no such file", "open " + p + ": no such file"},
			{"dir/" + p + ": kept", "dir/" + p + ": kept"},
			{p + "s: kept", p + "s: kept"},
		} {
			if got := StripPrefixes(tc.in); got != tc.want {
				t.Errorf("StripPrefixes(%q) = %q, want %q", tc.in, got, tc.want)
			}
		}
		var buf bytes.Buffer
		Report(&buf, "phoneload", Hint(errors.New(p+": boom"), "%s: try again", p))
		if got, want := buf.String(), "phoneload: error: boom\nphoneload: hint: try again\n"; got != want {
			t.Errorf("Report: %q, want %q", got, want)
		}
	}
}

func TestReportUsageAndSuggestion(t *testing.T) {
	var buf bytes.Buffer
	code := Report(&buf, "phoneload", errors.New("unknown command \"pakc\" for \"phoneload\"\n\nDid you mean this?\n\tpack\n\tpush\n"))
	want := "phoneload: error: unknown command \"pakc\" for \"phoneload\"\nphoneload: hint: did you mean pack or push?\n"
	if code != ExitUsage || buf.String() != want {
		t.Errorf("exit %d, %q; want %q", code, buf.String(), want)
	}
	buf.Reset()
	err := WithUsage(Usage("pack needs -o OUT"), "Usage:\n  phoneload pack -o OUT SRC\n")
	code = Report(&buf, "phoneload", Hint(err, "run 'phoneload pack --help' for every flag"))
	want = "phoneload: error: pack needs -o OUT\nUsage:\n  phoneload pack -o OUT SRC\nphoneload: hint: run 'phoneload pack --help' for every flag\n"
	if code != ExitUsage || buf.String() != want {
		t.Errorf("exit %d, %q; want %q", code, buf.String(), want)
	}
	// A failure is not a usage error: no usage text.
	if e := WithUsage(errors.New("disk full"), "Usage: x"); IsUsage(e) || e.Error() != "disk full" {
		t.Errorf("WithUsage on a failure: %v", e)
	}
}

func TestWarnNoteNoPrefixes(t *testing.T) {
	var buf bytes.Buffer
	Warn(&buf, "phoneload", "%v", errors.New("sign: allowed_signers:3: cert-authority ignored"))
	Note(&buf, "phoneload", "bundle: %s", "try again")
	want := "phoneload: warning: allowed_signers:3: cert-authority ignored\nphoneload: hint: try again\n"
	if buf.String() != want {
		t.Errorf("%q, want %q", buf.String(), want)
	}
}
