package cisco

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParseOS79XX(t *testing.T) {
	tests := []struct {
		in       string
		want     *OS79XX
		problems []Problem
	}{
		{"P003-8-12-00\n", &OS79XX{Name: "P003-8-12-00", Lines: 1}, nil},
		{"P003-8-12-00", &OS79XX{Name: "P003-8-12-00", Lines: 1}, nil},
		{"P003-8-12-00\r\n", &OS79XX{Name: "P003-8-12-00", Lines: 1, CRLF: true}, nil},
		{"P003-8-12-00 \n", &OS79XX{Name: "P003-8-12-00", Lines: 1, TrailingSpace: true},
			[]Problem{{Line: 1, Msg: `white space around "P003-8-12-00": the file must hold only the image name`}}},
		{"P0S30203.bin\n", &OS79XX{Name: "P0S30203.bin", Lines: 1, Extension: ".bin"},
			[]Problem{{Line: 1, Msg: `"P0S30203.bin" carries the extension .bin: give the image name without it`}}},
		{"\nP003-8-12-00\nP0S3-8-12-00\nx\n", &OS79XX{Name: "P003-8-12-00", Lines: 3},
			[]Problem{{Line: 3, Msg: "more than one line: the file must hold only the image name"}}},
		{"", &OS79XX{}, []Problem{{Msg: "empty: the file must hold the image name"}}},
		{"\xef\xbb\xbfP003-8-12-00\r\n", &OS79XX{Name: "P003-8-12-00", Lines: 1, CRLF: true, BOM: true},
			[]Problem{{Line: 1, Msg: `starts with a UTF-8 byte-order mark (EF BB BF, what Notepad writes as "UTF-8"): phones read it as part of the first line`}}},
	}
	for _, tt := range tests {
		got, ps := ParseOS79XX([]byte(tt.in))
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("ParseOS79XX(%q) (-want +got):\n%s", tt.in, diff)
		}
		if diff := cmp.Diff(tt.problems, ps); diff != "" {
			t.Errorf("ParseOS79XX(%q) problems (-want +got):\n%s", tt.in, diff)
		}
	}
}

func FuzzParseOS79XX(f *testing.F) {
	fuzzParser(f, []string{"P003-8-12-00\n", "x \r\ny\n"}, func(b []byte) []Problem { _, ps := ParseOS79XX(b); return ps })
}
