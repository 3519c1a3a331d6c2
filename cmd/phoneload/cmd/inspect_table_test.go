package cmd

import (
	"bytes"
	"math/rand/v2"
	"testing"
	"text/tabwriter"
)

// tableInputs are texts in every shape tabwriter tells apart: columns
// that end at a line with fewer cells, empty cells, trailing tabs, '\v'
// and '\f', escapes (even unterminated), wide and invalid UTF-8, text
// after the last line break.
var tableInputs = []string{
	"",
	"a\n",
	"a\tb\tc\n",
	"KIND\tFILE\tNOTES\nx\tyyyy\t\n\t  ├─ z\tpresent\n",
	"a\tb\nccc\tdd\teee\tf\nx\n\ty\tz\n",
	"a\t\n\tb\t\n",
	"trailing\t",
	"trailing\tcell",
	"a\tb\nno break\t",
	"é\t世界\tx\nabc\t\xe2\x82\tz\n\xff\xffx\t\xff\tq\xff\tw\n",
	"a\vb\vc\nd\fe\tf\n",
	"a\tb\f\fc\td\n",
	"\xffunterminated\tescape\n",
	"a\xff\t\xffb\tc\nd\te\n",
	"\n\n\t\n\t\t\n",
}

// tabwriterOut is what text/tabwriter makes of chunks, flushed after
// each chunk listed in flushAt.
func tabwriterOut(chunks []string, flushAt map[int]bool, minwidth, padding int) string {
	var b bytes.Buffer
	tw := tabwriter.NewWriter(&b, minwidth, 0, padding, ' ', 0)
	for i, c := range chunks {
		tw.Write([]byte(c))
		if flushAt[i] {
			tw.Flush()
		}
	}
	tw.Flush()
	return b.String()
}

// tableOut is what table makes of the same, in its two passes.
func tableOut(t *testing.T, chunks []string, flushAt map[int]bool, minwidth, padding int) string {
	t.Helper()
	tb := newTable(minwidth, padding, ' ')
	var b bytes.Buffer
	for pass := 0; pass < 2; pass++ {
		if pass == 1 {
			tb.Print(&b)
		}
		for i, c := range chunks {
			tb.Write([]byte(c))
			if flushAt[i] {
				tb.Flush()
			}
		}
		tb.Flush()
	}
	if err := tb.Done(); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

func TestTableSameAsTabwriter(t *testing.T) {
	for _, in := range tableInputs {
		for _, mp := range [][2]int{{0, 2}, {0, 0}, {5, 1}} {
			want := tabwriterOut([]string{in}, nil, mp[0], mp[1])
			if got := tableOut(t, []string{in}, nil, mp[0], mp[1]); got != want {
				t.Errorf("%q (minwidth %d, padding %d):\ngot  %q\nwant %q", in, mp[0], mp[1], got, want)
			}
		}
	}
	// Random texts of the bytes that matter, written in random chunks
	// and flushed at random places.
	alphabet := []string{"a", "bb", "é", "世", "\t", "\t", "\t", "\n", "\n", "\v", "\f", "\xff", "\xe2\x82", " ", ""}
	r := rand.New(rand.NewPCG(1, 16))
	for i := range 20000 {
		var chunks []string
		flushAt := map[int]bool{}
		for range r.IntN(12) {
			var c string
			for range r.IntN(10) {
				c += alphabet[r.IntN(len(alphabet))]
			}
			if r.IntN(8) == 0 {
				flushAt[len(chunks)] = true
			}
			chunks = append(chunks, c)
		}
		minwidth, padding := r.IntN(4), r.IntN(3)
		want := tabwriterOut(chunks, flushAt, minwidth, padding)
		if got := tableOut(t, chunks, flushAt, minwidth, padding); got != want {
			t.Fatalf("case %d: %q flushed after %v (minwidth %d, padding %d):\ngot  %q\nwant %q", i, chunks, flushAt, minwidth, padding, got, want)
		}
	}
}

// The second pass must be given the text of the first.
func TestTableChanged(t *testing.T) {
	for _, tc := range []struct{ first, second string }{
		{"a\tb\n", "aaaa\tb\n"},
		{"a\tb\n", "a\tb\nc\td\te\n"},
		{"a\tb\nc\n\td\n", "a\tb\n"},
	} {
		tb := newTable(0, 2, ' ')
		tb.Write([]byte(tc.first))
		tb.Flush()
		var b bytes.Buffer
		tb.Print(&b)
		tb.Write([]byte(tc.second))
		tb.Flush()
		if err := tb.Done(); err != errTableChanged {
			t.Errorf("%q then %q: %v, want errTableChanged", tc.first, tc.second, err)
		}
	}
}

func FuzzTableSameAsTabwriter(f *testing.F) {
	for _, in := range tableInputs {
		f.Add(in, uint8(3))
	}
	f.Fuzz(func(t *testing.T, in string, cut uint8) {
		// Two chunks, cut anywhere (a rune or an escape may straddle).
		k := int(cut) % (len(in) + 1)
		chunks := []string{in[:k], in[k:]}
		if got, want := tableOut(t, chunks, nil, 0, 2), tabwriterOut(chunks, nil, 0, 2); got != want {
			t.Errorf("%q:\ngot  %q\nwant %q", chunks, got, want)
		}
	})
}
