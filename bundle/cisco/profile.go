package cisco

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"net/netip"
	"strconv"
	"strings"
)

// Profile is a 7905/7912/ATA profile, text (#txt, the cfgfmt input) or
// binary (#ata, the cfgfmt output).
type Profile struct {
	Binary    bool          `json:"binary"`
	Params    []ConfigEntry `json:"params"`             // every Name:Value (binary: tag names "tag:0x0014", values as text or hex)
	Upgrades  []UpgradeCode `json:"upgrades,omitempty"` // upgradecode and upgradelang, decoded
	Checksum  uint16        `json:"checksum,omitempty"` // binary: the header's checksum
	Extension string        `json:"extension,omitempty"`
}

// UpgradeCode is an upgradecode or upgradelang line:
// policy,hardware,software type,software version,tftp,port,image id,file.
type UpgradeCode struct {
	Name            string `json:"name"`   // upgradecode or upgradelang
	Fields          int    `json:"fields"` // comma-separated fields given; 8 is right
	Policy          int    `json:"policy"` // 3 = upgrade when the image id differs
	Hardware        uint32 `json:"hardware"`
	SoftwareType    uint32 `json:"software_type"`
	SoftwareVersion uint32 `json:"software_version"`
	TFTP            string `json:"tftp"` // "0" or 0.0.0.0 = the same server
	Port            int    `json:"port"`
	ImageID         uint32 `json:"image_id"`
	File            string `json:"file"`
	Line            int    `json:"line,omitempty"`
}

// Hardware codes of upgradecode lines.
var UpgradeHardware = map[uint32]string{0x301: "ATA", 0x501: "7905", 0x601: "7912"}

// Fixed tags of the cfgfmt pseudo-parameters.
const (
	tagUpgradeCode = 0x1100
	tagUpgradeLang = 0x1101
	tagTFTPURL2    = 0x1102
	tagExtension   = 0x4000
	tagProfileHead = 0x7ffe
)

// ParseProfileText parses a #txt profile: `#txt` first, # comments,
// Name:Value lines (colon, space or tab separate the two), upgradecode and
// upgradelang decoded.
func ParseProfileText(b []byte) (*Profile, []Problem) {
	var ps ProblemList
	p := &Profile{}
	if !checkText(b, &ps) {
		return p, ps
	}
	noteBOM(b, &ps)
	first := true
	eachLine(b, &ps, func(t textLine) bool {
		s := strings.TrimSpace(t.text)
		if first {
			first = false
			if s != "#txt" {
				ps.Add(t.n, "first line %q, want #txt (cfgfmt decodes anything else)", s)
			}
			return true
		}
		if s == "" || s[0] == '#' {
			return true
		}
		if len(p.Params) >= MaxEntries {
			ps.Add(t.n, "more than %d parameters", MaxEntries)
			return false
		}
		i := strings.IndexAny(s, ": \t")
		if i <= 0 {
			ps.Add(t.n, "no value: want Name:Value")
			return true
		}
		name, value := s[:i], strings.TrimSpace(s[i+1:])
		p.Params = append(p.Params, ConfigEntry{Name: name, Value: value, Line: t.n})
		if value == "" {
			ps.Add(t.n, "%s: empty value", name)
			return true
		}
		if n := strings.ToLower(name); n == "upgradecode" || n == "upgradelang" {
			u, err := ParseUpgradeCode(n, value)
			u.Line = t.n
			if err != nil {
				ps.Add(t.n, "%v", err)
			}
			p.Upgrades = append(p.Upgrades, u)
		}
		return true
	})
	return p, ps
}

// ParseUpgradeCode decodes the value of an upgradecode/upgradelang line. It
// fills what it can read and reports the first field it could not.
func ParseUpgradeCode(name, value string) (UpgradeCode, error) {
	u := UpgradeCode{Name: name}
	f := strings.Split(value, ",")
	u.Fields = len(f)
	for i := range f {
		f[i] = strings.TrimSpace(f[i])
	}
	if len(f) != 8 {
		return u, fmt.Errorf("%s: %d fields, want 8 (policy,hardware,type,version,tftp,port,image id,file)", name, len(f))
	}
	var err error
	num := func(i int, what string, bits int) uint64 {
		v, e := strconv.ParseUint(f[i], 0, bits)
		if e != nil && err == nil {
			err = fmt.Errorf("%s: %s %q is not a number", name, what, f[i])
		}
		return v
	}
	u.Policy = int(num(0, "policy", 8))
	u.Hardware = uint32(num(1, "hardware code", 32))
	u.SoftwareType = uint32(num(2, "software type", 16))
	u.SoftwareVersion = uint32(num(3, "software version", 16))
	u.TFTP = f[4]
	if f[4] != "0" {
		if _, e := netip.ParseAddr(f[4]); e != nil && err == nil {
			err = fmt.Errorf("%s: tftp server %q is not an IPv4 address", name, f[4])
		}
	}
	u.Port = int(num(5, "port", 16))
	u.ImageID = uint32(num(6, "image id", 32))
	u.File = f[7]
	if u.File == "" && err == nil {
		err = fmt.Errorf("%s: no image file", name)
	}
	return u, err
}

// Binary profile limits: the header length field is 16 bits.
const (
	profileMagic      = "#ata"
	profileHeaderSize = 4 + 3 + 4 // magic, FF FE 04, checksum and length
)

// ParseProfileBinary reads a #ata profile as cfgfmt writes it: the header
// (checksum and length checked), then varint tag/length records. Without a
// tag table, names are "tag:0x…"; upgradecode/upgradelang (0x1100/0x1101)
// and the extension file name (0x4000) are decoded. An encrypted file is
// reported, not guessed at.
func ParseProfileBinary(b []byte) (*Profile, []Problem) {
	var ps ProblemList
	p := &Profile{Binary: true}
	if len(b) > MaxTextSize {
		ps.Add(0, "%d bytes, over the %d bytes a profile may have", len(b), MaxTextSize)
		return p, ps
	}
	if len(b) < profileHeaderSize {
		ps.AddAt(0, "%d bytes, too short for a profile", len(b))
		return p, ps
	}
	if string(b[:4]) != profileMagic {
		ps.AddAt(0, "does not start with #ata: encrypted (EncryptKey) or not a profile")
		return p, ps
	}
	if b[4] != 0xff || b[5] != 0xfe || b[6] != 4 {
		ps.AddAt(4, "header record missing at 0x4")
		return p, ps
	}
	p.Checksum = binary.BigEndian.Uint16(b[7:9])
	n := int(binary.BigEndian.Uint16(b[9:11]))
	payload := b[profileHeaderSize:]
	if n != len(payload) {
		ps.AddAt(9, "length %d at 0x9, but %d bytes follow the header", n, len(payload))
		if n > len(payload) {
			return p, ps
		}
		payload = payload[:n]
	}
	var sum uint16
	for _, c := range payload {
		sum += uint16(c)
	}
	if sum != p.Checksum {
		ps.AddAt(7, "checksum 0x%04x at 0x7, but the payload sums to 0x%04x", p.Checksum, sum)
	}
	off := 0
	for off < len(payload) {
		at := int64(profileHeaderSize + off)
		tag, k := profileVarint(payload[off:])
		if k == 0 {
			ps.AddAt(at, "record tag truncated at 0x%x", at)
			break
		}
		size, m := profileVarint(payload[off+k:])
		if m == 0 {
			ps.AddAt(at, "record length truncated at 0x%x", at)
			break
		}
		start := off + k + m
		if size > len(payload)-start {
			ps.AddAt(at, "record of tag 0x%x: length %d past the end at 0x%x", tag, size, at)
			break
		}
		if len(p.Params) >= MaxEntries {
			ps.AddAt(at, "more than %d records", MaxEntries)
			break
		}
		v := payload[start : start+size]
		off = start + size
		e := ConfigEntry{Name: fmt.Sprintf("tag:0x%04x", tag), Value: profileValue(v)}
		switch tag {
		case tagUpgradeCode, tagUpgradeLang:
			if err := p.addUpgrade(tag, v, &e); err != nil {
				ps.AddAt(at, "%v at 0x%x", err, at)
			}
		case tagTFTPURL2:
			e.Name, e.Value = "tftpurl2", cString(v)
		case tagExtension:
			e.Name, e.Value = "extension", cString(v)
			p.Extension = e.Value
		}
		p.Params = append(p.Params, e)
	}
	return p, ps
}

// profileVarint reads cfgfmt's varint: one byte below 0x80, else two bytes
// 0x80|(v>>8), v&0xff. It returns the bytes used, 0 when truncated.
func profileVarint(b []byte) (int, int) {
	if len(b) == 0 {
		return 0, 0
	}
	if b[0] < 0x80 {
		return int(b[0]), 1
	}
	if len(b) < 2 {
		return 0, 0
	}
	return int(b[0]&0x7f)<<8 | int(b[1]), 2
}

// profileValue shows a binary value as text when it is printable, else hex.
func profileValue(v []byte) string {
	t := bytes.TrimRight(v, "\x00")
	printable := len(t) > 0
	for _, c := range t {
		if c < 0x20 || c > 0x7e {
			printable = false
			break
		}
	}
	if printable {
		return string(t)
	}
	return fmt.Sprintf("0x%x", v)
}

// upgradeNames names the upgrade pseudo-parameters by tag.
var upgradeNames = map[int]string{tagUpgradeCode: "upgradecode", tagUpgradeLang: "upgradelang"}

// addUpgrade decodes the upgradecode/upgradelang record v of a binary
// profile into p.Upgrades and e (named, value in text form).
func (p *Profile) addUpgrade(tag int, v []byte, e *ConfigEntry) error {
	e.Name = upgradeNames[tag]
	u, err := decodeUpgrade(e.Name, v)
	if err != nil {
		return err
	}
	e.Value = u.String()
	p.Upgrades = append(p.Upgrades, u)
	return nil
}

// String gives the line's value as a text profile writes it:
// 3,0x601,0x0400,0x0100,0.0.0.0,69,0x60412a,CP7912080001SIP060412A.sbin.
func (u UpgradeCode) String() string {
	return fmt.Sprintf("%d,0x%x,0x%04x,0x%04x,%s,%d,0x%x,%s", u.Policy, u.Hardware, u.SoftwareType, u.SoftwareVersion, u.TFTP, u.Port, u.ImageID, u.File)
}

// decodeUpgrade reads the binary upgradecode record:
// n(1) a(4) b(2) c(2) ip(4) port(2) id(4) file NUL.
func decodeUpgrade(name string, v []byte) (UpgradeCode, error) {
	const fixed = 1 + 4 + 2 + 2 + 4 + 2 + 4
	if len(v) < fixed+1 {
		return UpgradeCode{}, fmt.Errorf("%s record of %d bytes, want at least %d", name, len(v), fixed+1)
	}
	if v[len(v)-1] != 0 {
		return UpgradeCode{}, fmt.Errorf("%s record: file name not NUL-terminated", name)
	}
	be := binary.BigEndian
	return UpgradeCode{
		Name: name, Fields: 8,
		Policy:          int(v[0]),
		Hardware:        be.Uint32(v[1:5]),
		SoftwareType:    uint32(be.Uint16(v[5:7])),
		SoftwareVersion: uint32(be.Uint16(v[7:9])),
		TFTP:            netip.AddrFrom4([4]byte(v[9:13])).String(),
		Port:            int(be.Uint16(v[13:15])),
		ImageID:         be.Uint32(v[15:19]),
		File:            cString(v[19 : len(v)-1]),
	}, nil
}

// cString returns v up to its first NUL.
func cString(v []byte) string {
	if i := bytes.IndexByte(v, 0); i >= 0 {
		return string(v[:i])
	}
	return string(v)
}
