package cfgfmt

import (
	"math"
	"math/bits"
	"strconv"
	"strings"
)

// cNumber is a number read as C's strtoul(s, NULL, 0) reads it, which is
// how Cisco's cfgfmt reads every numeric field ("AudioMode:10" is ten, not
// sixteen) [issue 11, from a decompile of cfgfmt.linux v2.3]: an optional
// sign, then "0x"/"0X" hex, a leading "0" octal, or decimal.
type cNumber struct {
	v     uint64 // the value modulo 2^64 (a '-' negates, as strtoul does)
	neg   bool
	big   bool // the magnitude does not fit in 64 bits
	octal bool // read as octal although it looks decimal ("010" = 8)
	mag   uint64
}

// parseCNumber reads s whole; trailing blanks are allowed (a value keeps
// them, strtoul stops at them). Anything else after the digits, or no
// digits at all, is not a number: the original would read a prefix and
// ignore the rest, a byte nobody meant, so we refuse it.
func parseCNumber(s string) (cNumber, bool) {
	var n cNumber
	s = strings.TrimRight(s, " \t")
	switch {
	case strings.HasPrefix(s, "-"):
		n.neg, s = true, s[1:]
	case strings.HasPrefix(s, "+"):
		s = s[1:]
	}
	base := uint64(10)
	switch {
	case len(s) > 2 && (s[:2] == "0x" || s[:2] == "0X"):
		base, s = 16, s[2:]
	case len(s) > 1 && s[0] == '0':
		base, s = 8, s[1:]
		n.octal = true
	}
	if s == "" {
		return n, false
	}
	for i := 0; i < len(s); i++ {
		d := digitValue(s[i])
		if d >= base {
			return n, false
		}
		hi, lo := mulAdd(n.mag, base, d)
		if hi != 0 {
			n.big = true
		}
		n.mag = lo
	}
	n.v = n.mag
	if n.neg {
		n.v = -n.mag
	}
	return n, true
}

// mulAdd is x*m + a with the carry out, so an overflow is noticed.
func mulAdd(x, m, a uint64) (hi, lo uint64) {
	hi, lo = bits.Mul64(x, m)
	lo, c := bits.Add64(lo, a, 0)
	return hi + c, lo
}

func digitValue(c byte) uint64 {
	switch {
	case c >= '0' && c <= '9':
		return uint64(c - '0')
	case c >= 'a' && c <= 'f':
		return uint64(c-'a') + 10
	case c >= 'A' && c <= 'F':
		return uint64(c-'A') + 10
	}
	return 99
}

// fits reports whether the number fits in bits without masking: as an
// unsigned value, or as a negative one in two's complement.
func (n cNumber) fits(bits uint) bool {
	if n.big {
		return false
	}
	if n.neg {
		return n.mag <= 1<<(bits-1)
	}
	return bits >= 64 || n.mag <= 1<<bits-1
}

// masked is the value cut to its field width, as the original stores it.
func (n cNumber) masked(bits uint) uint64 {
	if bits >= 64 {
		return n.v
	}
	return n.v & (1<<bits - 1)
}

// parseCFloat reads the longest prefix of s that C's atof would read; no
// number at all is 0, as atof returns.
func parseCFloat(s string) float64 {
	s = strings.TrimSpace(s)
	for end := len(s); end > 0; end-- {
		if f, err := strconv.ParseFloat(s[:end], 64); err == nil || isRangeErr(err) {
			return f
		}
	}
	return 0
}

func isRangeErr(err error) bool {
	ne, ok := err.(*strconv.NumError)
	return ok && ne.Err == strconv.ErrRange
}

// roundHalfAway rounds as C's lround does.
func roundHalfAway(x float64) float64 {
	if x >= 0 {
		return math.Floor(x + 0.5)
	}
	return math.Ceil(x - 0.5)
}
