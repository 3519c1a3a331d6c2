package cmd

import (
	"errors"
	"io"
	"text/tabwriter"
	"unicode/utf8"
)

// table lays text out as text/tabwriter does with flags 0 and a padding
// character other than a tab (tabwriter.NewWriter(w, minwidth, 0,
// padding, ' ', 0)), byte for byte (TestTableSameAsTabwriter), without
// holding the text: the caller writes the same text twice. The first
// pass (before Print) only measures each column block, the second
// writes every cell as soon as it ends. A table of a million rows holds
// one cell and a width per column block, where a tabwriter holds every
// byte and cell of the table until Flush (issue 16).
//
// tabwriter's rules, as reproduced here: text is cut into cells at '\t',
// '\v', '\n' and '\f' (not between two tabwriter.Escape bytes, which are
// kept and do not count in the width); a cell's width is its count of
// runes (an invalid byte counts one). The last cell of a line belongs to
// no column and is written as it is. Cell j of a line is in column j when
// it is not the line's last; a column block is a run of consecutive lines
// that have a cell in that column, and ends at a line with fewer cells, at
// a '\f' and at Flush. Every cell of a block is padded to the block's
// width: the widest cell of the block plus padding, at least minwidth. A
// '\f' is written as '\n'; text after the last line break is written at
// Flush without one (a cell ended by a tab there, with nothing after it,
// is that line's last).
type table struct {
	minwidth, padding int
	padchar           byte

	w     io.Writer // nil while measuring
	err   error
	spare []byte // padding characters to write from

	// The cell being read, as tabwriter reads it.
	cell    []byte
	pos     int  // cell[:pos] is counted in width
	width   int  // in runes, escapes excluded
	endChar byte // tabwriter.Escape inside an escaped sequence, else 0

	// A cell ended by '\t' or '\v' is in a column once another cell
	// follows it on its line (only Flush can end a line without one).
	pending      bool
	pendingWidth int

	col     int     // columns the current line has so far
	prevCol int     // columns of the previous line of the same block (0 after a flush)
	blocks  [][]int // per column, the width of each block in order
	next    []int   // while printing, per column, the blocks begun
}

func newTable(minwidth, padding int, padchar byte) *table {
	if padchar == '\t' {
		panic("table: tab padding is not supported")
	}
	spare := make([]byte, 64)
	for i := range spare {
		spare[i] = padchar
	}
	return &table{minwidth: minwidth, padding: padding, padchar: padchar, spare: spare}
}

// errTableChanged says the second pass was not given the text of the first.
var errTableChanged = errors.New("table: the text written differs between the two passes")

// Print ends the measuring pass and starts the writing one, to w: the
// same text must then be written again, and Flushed at the same places.
func (t *table) Print(w io.Writer) {
	t.w = w
	t.next = make([]int, len(t.blocks))
	t.reset()
}

func (t *table) reset() {
	t.cell, t.pos, t.width, t.endChar = t.cell[:0], 0, 0, 0
	t.pending, t.col, t.prevCol = false, 0, 0
}

func (t *table) out(b []byte) {
	if t.err == nil && t.w != nil {
		_, t.err = t.w.Write(b)
	}
}

func (t *table) pad(n int) {
	for n > 0 && t.err == nil && t.w != nil {
		k := min(n, len(t.spare))
		t.out(t.spare[:k])
		n -= k
	}
}

func (t *table) updateWidth() {
	t.width += utf8.RuneCount(t.cell[t.pos:])
	t.pos = len(t.cell)
}

func (t *table) endEscape() {
	t.updateWidth()
	t.width -= 2 // the Escape bytes do not count
	t.endChar = 0
}

// Write takes text as tabwriter.Writer.Write does.
func (t *table) Write(buf []byte) (int, error) {
	n := 0
	for i, ch := range buf {
		if t.endChar == 0 {
			switch ch {
			case '\t', '\v', '\n', '\f':
				t.cell = append(t.cell, buf[n:i]...)
				t.updateWidth()
				n = i + 1
				t.endCell(ch)
			case tabwriter.Escape:
				t.cell = append(t.cell, buf[n:i]...)
				t.updateWidth()
				n = i
				t.endChar = tabwriter.Escape
			}
		} else if ch == t.endChar {
			t.cell = append(t.cell, buf[n:i+1]...)
			n = i + 1
			t.endEscape()
		}
	}
	t.cell = append(t.cell, buf[n:]...)
	return len(buf), t.err
}

// commit puts the pending cell in the next column of the line: a new
// block of that column unless the previous line has the column too.
func (t *table) commit() {
	if !t.pending {
		return
	}
	t.pending = false
	j, w := t.col, t.pendingWidth
	t.col++
	if t.w == nil {
		for len(t.blocks) <= j {
			t.blocks = append(t.blocks, nil)
		}
		b := t.blocks[j]
		switch {
		case j >= t.prevCol:
			t.blocks[j] = append(b, max(t.minwidth, w+t.padding))
		case w+t.padding > b[len(b)-1]:
			b[len(b)-1] = w + t.padding
		}
		return
	}
	if j >= len(t.next) {
		t.fail()
		return
	}
	if j >= t.prevCol {
		t.next[j]++
	}
	k := t.next[j] - 1
	if k < 0 || k >= len(t.blocks[j]) || t.blocks[j][k] < max(t.minwidth, w+t.padding) {
		t.fail()
		return
	}
	t.pad(t.blocks[j][k] - w)
}

func (t *table) fail() {
	if t.err == nil {
		t.err = errTableChanged
	}
}

// endCell ends the cell being read with ch.
func (t *table) endCell(ch byte) {
	t.commit()
	t.out(t.cell)
	t.cell, t.pos = t.cell[:0], 0
	if ch == '\t' || ch == '\v' {
		t.pending, t.pendingWidth = true, t.width
		t.width = 0
		return
	}
	t.width = 0
	t.out([]byte{'\n'})
	t.prevCol, t.col = t.col, 0
	if ch == '\f' {
		t.prevCol = 0
	}
}

// Flush ends the blocks of every column, as tabwriter.Writer.Flush, and
// writes what is left of the last line. At the end of the writing pass,
// it reports whether both passes were given the same text.
func (t *table) Flush() error {
	if len(t.cell) > 0 {
		if t.endChar != 0 {
			t.endEscape()
		}
		t.commit()
		t.out(t.cell)
	}
	t.reset()
	return t.err
}

// Done reports, after the writing pass, an error in writing or a second
// pass that did not write the text of the first.
func (t *table) Done() error {
	if t.err == nil && t.w != nil {
		for j, n := range t.next {
			if n != len(t.blocks[j]) {
				t.fail()
			}
		}
	}
	return t.err
}
