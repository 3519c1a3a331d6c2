package cfgfmt

import (
	"encoding/binary"
	"math"
	"strconv"
	"strings"
)

// The obsolete tone-frequency form (format bit 0x0100: DialToneFreq and
// the other *Freq aliases) [issue 11, from a decompile of cfgfmt.linux v2.3]:
//
//	nseg,f1,g1[,f2,g2],t1,t2,t3,t4[,…]
//
// nseg (read as strtoul, at most 2 kept) frequency/gain segments, each
// turned into an I/Q pair for an 8 kHz oscillator, then the cadence values
// as 16-bit numbers, all zero-padded to the descriptor's size. A value that
// does not have that shape is "error: invalid tone specification", and the
// original still writes the record, zero-filled, and exits 0: so do we.
const (
	toneRate    = 8000.0
	toneMaxFreq = 4000.0
	toneMinGain = -60.0
	toneMaxGain = 10.0
)

// splitList splits a list value on commas and spaces, as the original
// does for short lists, tones and upgrade fields; empty items are skipped
// (",," and runs of spaces). Tabs stay in the items, where number parsing
// allows them at the ends.
func splitList(v string) []string {
	return strings.FieldsFunc(v, func(r rune) bool { return r == ',' || r == ' ' })
}

// tonePair turns a frequency (Hz) and a gain (dB) into the oscillator's
// I/Q pair: w = 2π f / 8000, I = 32768 cos w, Q = 32768 · 10^((g-10)/20) · sin w,
// rounded half away from zero and clamped to 16 bits; f is clamped to
// 0..4000 and g to -60..10 first.
func tonePair(freq, gain float64) (int16, int16) {
	if math.IsNaN(freq) || freq > toneMaxFreq {
		freq = toneMaxFreq
	} else if freq < 0 {
		freq = 0
	}
	if math.IsNaN(gain) || gain > toneMaxGain {
		gain = toneMaxGain
	} else if gain < toneMinGain {
		gain = toneMinGain
	}
	w := 2 * math.Pi * freq / toneRate
	amp := math.Pow(10, 0.05*(gain-10))
	return clamp16(roundHalfAway(32768 * math.Cos(w))), clamp16(roundHalfAway(32768 * amp * math.Sin(w)))
}

func clamp16(x float64) int16 {
	return int16(max(-32768, min(32767, x)))
}

// encodeTone encodes the obsolete tone form into size bytes. ok is false
// when the value does not have the form; the bytes are then all zero, as
// the original writes them.
func encodeTone(v string, size int) (out []byte, ok bool) {
	out = make([]byte, size)
	toks := splitList(v)
	if len(toks) == 0 {
		return out, false
	}
	n, good := parseCNumber(toks[0])
	if !good || n.neg {
		return out, false
	}
	nseg := 2
	if !n.big && n.mag < 2 {
		nseg = int(n.mag)
	}
	if len(toks) < 1+2*nseg+4 {
		return out, false
	}
	b := binary.BigEndian.AppendUint16(make([]byte, 0, size+4), uint16(nseg))
	i := 1
	for range nseg {
		iv, qv := tonePair(parseCFloat(toks[i]), parseCFloat(toks[i+1]))
		b = binary.BigEndian.AppendUint16(b, uint16(iv))
		b = binary.BigEndian.AppendUint16(b, uint16(qv))
		i += 2
	}
	for ; len(b) < size && i < len(toks); i++ {
		c, good := parseCNumber(toks[i])
		if !good {
			clear(out)
			return out, false
		}
		b = binary.BigEndian.AppendUint16(b, uint16(c.masked(16)))
	}
	copy(out, b)
	return out, true
}

// formatTone renders a tone-form record so that encodeTone gives the same
// bytes back, or ok=false when no text does (the decoder then shows the
// bytes). Frequency and gain are solved from the I/Q pair and checked by
// encoding them again.
func formatTone(b []byte, size int) (string, bool) {
	if len(b) != size || size < 2 || size%2 != 0 {
		return "", false
	}
	nseg := int(binary.BigEndian.Uint16(b))
	if nseg > 2 || 2+4*nseg+8 > size {
		return "", false
	}
	parts := []string{strconv.Itoa(nseg)}
	for s := range nseg {
		iv := int16(binary.BigEndian.Uint16(b[2+4*s:]))
		qv := int16(binary.BigEndian.Uint16(b[4+4*s:]))
		f, g, ok := solveTone(iv, qv)
		if !ok {
			return "", false
		}
		parts = append(parts, f, g)
	}
	for off := 2 + 4*nseg; off < size; off += 2 {
		parts = append(parts, strconv.Itoa(int(binary.BigEndian.Uint16(b[off:]))))
	}
	text := strings.Join(parts, ",")
	if again, ok := encodeTone(text, size); !ok || string(again) != string(b) {
		return "", false
	}
	return text, true
}

// solveTone finds a frequency and gain whose pair is (iv, qv). I alone
// fixes w only to an interval (round(32768 cos w) = iv), and near 0 and π
// that interval is wide while Q needs a particular sin w; so points across
// the interval are tried, each checked by encoding it again.
func solveTone(iv, qv int16) (string, string, bool) {
	lo := math.Acos(max(-1, min(1, (float64(iv)+0.5)/32768)))
	hi := math.Acos(max(-1, min(1, (float64(iv)-0.5)/32768)))
	for _, frac := range [...]float64{0.5, 0.999, 0.001, 0.9, 0.1, 0.75, 0.25, 0.99, 0.01} {
		freq := (lo + (hi-lo)*frac) * toneRate / (2 * math.Pi)
		f := strconv.FormatFloat(freq, 'g', -1, 64)
		freq = parseCFloat(f)
		w := 2 * math.Pi * freq / toneRate
		gain := toneMinGain
		if sw := math.Sin(w); sw > 0 && qv > 0 {
			gain = 10 + 20*math.Log10(float64(qv)/(32768*sw))
		}
		gain = max(toneMinGain, min(toneMaxGain, gain))
		g := strconv.FormatFloat(gain, 'g', -1, 64)
		if i2, q2 := tonePair(freq, parseCFloat(g)); i2 == iv && q2 == qv {
			return f, g, true
		}
	}
	return "", "", false
}
