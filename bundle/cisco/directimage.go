package cisco

// DirectImageFile is the file a 7940/7960 asks for when it takes an image
// by name, without a .loads manifest: the image OS79XX.TXT names for a
// protocol switch, or a load a configuration names that has no manifest.
//
// The rule follows ../shared/spec/firmware.md: "Files in a 7940/7960
// drop" gives `<load>.bin` as the unsigned image of pre-5.0 phones and
// `<load>.sbn` as the signed one [Cisco]/[real]; "How a phone boots": 5.0
// and later images are signed and, once one is installed, the phone
// refuses unsigned images [Cisco]. So a phone running a signed image
// (5.0 or later) asks for `<load>.sbn`, a phone before 5.0 (or with an
// empty flash) for `<load>.bin`. An 8.3 name (`P0S3xxyy`, `P003xxyy`)
// predates signing and only ever exists as `.bin`. That the request name
// follows the running image this way is [inferred] from those [Cisco]
// facts; it is the one rule drop.Phones, bundle/boot (simulate, log, plan)
// and probe use.
func DirectImageFile(load string, signedPhone bool) string {
	if ln, ok := ParseLoadName(load); ok && ln.Family == FamilyEarly {
		return load + ".bin"
	}
	if signedPhone {
		return load + ".sbn"
	}
	return load + ".bin"
}
