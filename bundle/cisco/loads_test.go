package cisco

import (
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/phoneload/phoneload/internal/fixture"
	"github.com/phoneload/phoneload/sign"
)

func TestParseLoads(t *testing.T) {
	tests := []struct {
		name     string
		in       string
		want     *Loads
		problems []Problem
	}{
		{"7940", "P003-8-12-00.sbn\nP0S3-8-12-00.sb2\nLA_VERSION=PAS30830\n", &Loads{
			Parts:     []LoadsPart{{Name: "P003-8-12-00.sbn", Line: 1}, {Name: "P0S3-8-12-00.sb2", Line: 2}},
			LAVersion: "PAS30830",
			Settings:  []ConfigEntry{{Name: "LA_VERSION", Value: "PAS30830", Line: 3}},
		}, nil},
		{"79x1", "# SIP41.8-5-4S\r\n# generated\r\njar41sip.8-5-4TH1-6.sbn \r\napps41.8-5-4TH1-6.sbn\r\n\r\ndsp41.8-5-4TH1-6.sbn \r\n", &Loads{
			Parts: []LoadsPart{
				{Name: "jar41sip.8-5-4TH1-6.sbn", Line: 3, TrailingSpace: true},
				{Name: "apps41.8-5-4TH1-6.sbn", Line: 4},
				{Name: "dsp41.8-5-4TH1-6.sbn", Line: 6, TrailingSpace: true},
			},
			CRLF: true, Comments: 2,
		}, nil},
		{"mixed", "a.sbn\r\nb.sbn\nLA_VERSION=SHORT\nLA_VERSION=PAS30830\n", &Loads{
			Parts:     []LoadsPart{{Name: "a.sbn", Line: 1}, {Name: "b.sbn", Line: 2}},
			LAVersion: "PAS30830",
			Settings:  []ConfigEntry{{Name: "LA_VERSION", Value: "SHORT", Line: 3}, {Name: "LA_VERSION", Value: "PAS30830", Line: 4}},
		}, []Problem{
			{Line: 3, Msg: `LA_VERSION "SHORT" is not 8 characters like the id in the loader image`},
			{Line: 4, Msg: "LA_VERSION given twice"},
			{Msg: "mixed line endings: 1 CRLF and 3 LF"},
		}},
		{"space inside", " a b.sbn\n", &Loads{Parts: []LoadsPart{{Name: "a b.sbn", Line: 1}}}, []Problem{
			{Line: 1, Msg: `part name "a b.sbn" contains white space`},
			{Line: 1, Msg: `part name "a b.sbn" starts with white space`},
		}},
		{"empty", "# only a comment\n", &Loads{Comments: 1}, []Problem{{Msg: "names no parts"}}},
		{"binary", "ab\x00cd", &Loads{}, []Problem{{Offset: 2, Msg: "binary data (NUL byte) at 0x2"}}},
		{"bad utf8", "\xff\xfe\nok.sbn\n", &Loads{Parts: []LoadsPart{{Name: "ok.sbn", Line: 2}}}, []Problem{{Line: 1, Msg: "not valid UTF-8"}}},
	}
	for _, tt := range tests {
		got, ps := ParseLoads([]byte(tt.in))
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("%s: ParseLoads (-want +got):\n%s", tt.name, diff)
		}
		if diff := cmp.Diff(tt.problems, ps); diff != "" {
			t.Errorf("%s: problems (-want +got):\n%s", tt.name, diff)
		}
	}
}

func TestTextLimits(t *testing.T) {
	big := make([]byte, MaxTextSize+1)
	for i := range big {
		big[i] = 'a'
	}
	_, ps := ParseLoads(big)
	if len(ps) != 1 || ps[0].Msg != "1048577 bytes, over the 1048576 bytes a text file may have" {
		t.Errorf("oversize: problems %v", ps)
	}
	long := make([]byte, MaxLineLength+1)
	for i := range long {
		long[i] = 'a'
	}
	_, ps = ParseSIPConfig(append(long, "\nx: 1\n"...))
	if len(ps) != 1 || ps[0] != (Problem{Line: 1, Msg: "line longer than 8192 bytes"}) {
		t.Errorf("long line: problems %v", ps)
	}
	many := []byte{}
	for range MaxProblems + 10 {
		many = append(many, "junk\n"...)
	}
	_, ps = ParseSIPConfig(many)
	if len(ps) != MaxProblems+1 || ps[MaxProblems].Msg != "too many problems; the rest are not listed" {
		t.Errorf("many problems: %d, last %v", len(ps), ps[len(ps)-1])
	}
}

// fuzzParser runs a parser on arbitrary bytes: it must not panic and must
// keep its problem list within MaxProblems. Seeds: the given ones, and every
// small file of the generated drops (the body, for signed files).
func fuzzParser(f *testing.F, seeds []string, parse func([]byte) []Problem) {
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	for _, b := range fixtureSeeds(f) {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		ps := parse(b)
		if len(ps) > MaxProblems+1 {
			t.Fatalf("%d problems, over the limit", len(ps))
		}
	})
}

// fixtureSeeds returns the content of every file under 64 KiB of every
// generated drop family, signed files without their header.
func fixtureSeeds(f *testing.F) [][]byte {
	var out [][]byte
	for _, file := range fixture.FamilyFiles(f) {
		b := file.Data
		if len(b) > 64<<10 {
			continue
		}
		if h, err := sign.ParseHeader(b); err == nil {
			b = b[h.Length:]
		}
		out = append(out, b)
	}
	return out
}

func FuzzParseLoads(f *testing.F) {
	fuzzParser(f, []string{"P003-8-12-00.sbn\nP0S3-8-12-00.sb2\nLA_VERSION=PAS30830\n", "# c\r\njar41sip.8-5-4TH1-6.sbn \r\n"},
		func(b []byte) []Problem { _, ps := ParseLoads(b); return ps })
}

func ExampleParseLoads() {
	l, problems := ParseLoads([]byte("P003-8-12-00.sbn\nP0S3-8-12-00.sb2\nLA_VERSION=PAS30830\n"))
	for _, p := range l.Parts {
		fmt.Println(p.Line, p.Name)
	}
	fmt.Println(l.LAVersion, len(problems))
	// Output:
	// 1 P003-8-12-00.sbn
	// 2 P0S3-8-12-00.sb2
	// PAS30830 0
}
