package check

// Severity says how bad a finding is: errors leave some phone unable to boot
// the root, warnings are likely trouble, info lists what check saw but does
// not judge.
type Severity string

// The severities, from worst to mildest.
const (
	SeverityError   Severity = "error"
	SeverityWarning Severity = "warning"
	SeverityInfo    Severity = "info"
)

// rank orders severities for sorting: errors first.
func (s Severity) rank() int {
	switch s {
	case SeverityError:
		return 0
	case SeverityWarning:
		return 1
	}
	return 2
}

// Rule is one entry of the rule registry. IDs are stable: scripts pass them
// to --ignore and read them from --json output.
type Rule struct {
	ID       string   `json:"id"`
	Severity Severity `json:"severity"`
	Title    string   `json:"title"`   // one line: what is wrong
	Symptom  string   `json:"symptom"` // what the phone shows or does (Cisco's words where there are some)
	Fix      string   `json:"fix"`     // what to do about it
	Fleet    bool     `json:"fleet"`   // judged per phone with --fleet, from the drop alone without
	Area     string   `json:"area"`    // group in docs/rules.md
}

// registry is every rule, in documentation order.
var registry = []Rule{
	// OS79XX.TXT
	{ID: "os79xx-syntax", Severity: SeverityError, Area: "OS79XX.TXT",
		Title:   "OS79XX.TXT does not hold exactly one image name without extension or trailing space",
		Symptom: "the phone goes to the unprovisioned state (or shows \"Protocol Application Invalid\")",
		Fix:     "write only the image name, no extension, no trailing space, on one line (e.g. `printf 'P0S3-8-12-00\\n' > OS79XX.TXT`)"},
	{ID: "os79xx-form", Severity: SeverityError, Area: "OS79XX.TXT",
		Title:   "the name in OS79XX.TXT is not a 7940/7960 load name of the form its target needs",
		Symptom: "the phone goes to the unprovisioned state",
		Fix:     "use P0S3xxyy for SIP ≤2.3, P0S3-xx-y-zz for SIP ≥3.0, P003aabbccdd for SCCP (digit zero, upper case)"},
	{ID: "os79xx-image-missing", Severity: SeverityError, Area: "OS79XX.TXT",
		Title:   "OS79XX.TXT names an image that is not in the root",
		Symptom: "\"Protocol Application Invalid\": the loader cannot fetch the image",
		Fix:     "unpack the whole firmware zip into the TFTP root, or correct the name"},
	{ID: "os79xx-crlf", Severity: SeverityWarning, Area: "OS79XX.TXT",
		Title:   "OS79XX.TXT ends its line with CRLF",
		Symptom: "none known: real roots have it, no source says phones choke on it",
		Fix:     "write it with a plain LF line end to be safe"},

	// Images named by configuration
	{ID: "image-missing", Severity: SeverityError, Area: "Images named by configuration",
		Title:   "image_version or loadInformation names an image that is not in the root",
		Symptom: "\"Protocol Application Invalid\" (loader cannot fetch the application) or the phone keeps its old image",
		Fix:     "copy the image's .loads and every part it lists into the root, or correct the name"},
	{ID: "image-extension", Severity: SeverityError, Area: "Images named by configuration",
		Title:   "an image name in a configuration file carries a file extension",
		Symptom: "the phone asks for <name>.bin.loads (or similar), gets \"File not found\" and keeps its old image",
		Fix:     "name the image without extension (image_version: P0S3-8-12-00)"},
	{ID: "image-model-mismatch", Severity: SeverityError, Area: "Images named by configuration",
		Title:   "a per-model image entry names an image built for another model",
		Symptom: "\"Image Authentication Failed\" or \"Protocol Application Invalid\": the phone cannot run another model's image",
		Fix:     "give each loadInformationNNN the load of model NNN (7 = 7960, 8 = 7940, 307 = 7911, …); image_version only 7940/7960 loads"},
	{ID: "model-attr-mismatch", Severity: SeverityWarning, Area: "Images named by configuration",
		Title:   "a loadInformationNNN's model attribute names another model than its id NNN",
		Symptom: "phones match the id NNN, not the attribute: the line serves the model of NNN, and the model the attribute names takes its image from another line or gets none (it keeps its own, or shows \"No Load Specified\" with none in flash)",
		Fix:     "make the id match the model (7 = 7960, 8 = 7940, 6 = 7910, 115 = 7941, 30018 = 7961, 307 = 7911, …) and the attribute say the same; the attribute is only a label"},
	{ID: "loads-part-missing", Severity: SeverityError, Area: "Images named by configuration",
		Title:   "a part listed in a .loads file is not in the root",
		Symptom: "\"Protocol Application Invalid\": the loader cannot fetch the application",
		Fix:     "unpack the whole firmware zip into the TFTP root (do not copy files by hand)"},
	{ID: "image-not-in-root", Severity: SeverityWarning, Area: "Images named by configuration",
		Title:   "a configuration-only root (no firmware image, or no ring file, at all) names an image, .loads parts or rings it does not hold",
		Symptom: "phones already running the named image keep running it; a phone on another image (or a new one with none in flash) cannot upgrade from this root and keeps the image it has",
		Fix:     "nothing if every phone already runs the named image; otherwise unpack the firmware zip into the root (or point these phones at a root that has it)"},
	{ID: "no-load-specified", Severity: SeverityWarning, Area: "Images named by configuration",
		Title:   "no configuration file names any image",
		Symptom: "\"No Load Specified\" on phones with no image in flash; phones with an image keep it (a configuration-only root is normal)",
		Fix:     "name the image in OS79XX.TXT, SIPDefault.cnf (image_version), XMLDefault.cnf.xml (loadInformation) or the profile (upgradecode)"},

	// Signed files
	{ID: "signed-name-mismatch", Severity: SeverityError, Area: "Signed files",
		Title:   "a signed file was renamed: its header carries another name",
		Symptom: "\"Image Authentication Failed\": the phone refuses the image",
		Fix:     "use the file under the name Cisco signed it with (the name inside its header)"},
	{ID: "signed-header-bad", Severity: SeverityError, Area: "Signed files",
		Title:   "a file that must be signed has a truncated, malformed or missing signed header",
		Symptom: "\"Image Authentication Failed\"",
		Fix:     "download the firmware again and unpack it in binary mode"},
	{ID: "trust-list-bad", Severity: SeverityWarning, Area: "Signed files",
		Title:   "a CTL/ITL trust list (CTLSEP<MAC>.tlv, ITLSEP<MAC>.tlv) is a placeholder or has no valid signed header",
		Symptom: "a phone with no trust list ignores the file and stays non-secure; a phone that holds one rejects it, keeps its old list and may refuse the configuration and images signed by another server (\"Trust List Update Failed\"), not \"Image Authentication Failed\"",
		Fix:     "remove the placeholder (phones without security get \"File not found\" and carry on), or serve the trust list your call manager signs"},
	{ID: "not-judged", Severity: SeverityInfo, Area: "Signed files",
		Title:   "a file with a signed header phoneload lists but does not parse: the newer 78xx/88xx header, or a .sgn header version it does not know",
		Symptom: "unknown to phoneload: the phone checks it against the key in its own flash",
		Fix:     "nothing; check it with Cisco's tools if in doubt"},
	{ID: "sbn-payload-mismatch", Severity: SeverityError, Area: "Signed files",
		Title:   "a .sbn does not carry the .bin beside it",
		Symptom: "phones on pre-5.0 images and phones on 5.0+ get different code; one of the two files is corrupt or from another release",
		Fix:     "take the .bin and the .sbn from the same firmware zip"},
	{ID: "loads-la-version", Severity: SeverityError, Area: "Signed files",
		Title:   "a .loads file's LA_VERSION differs from the id inside its loader",
		Symptom: "the loader is flashed and rejects the application, or reloads forever",
		Fix:     "take the .loads and its loader from the same firmware zip"},
	{ID: "signature-untrusted", Severity: SeverityError, Area: "Signed files",
		Title:   "a signed file's signature does not verify with any --trust key",
		Symptom: "\"Image Authentication Failed\"",
		Fix:     "re-sign the image with a trusted key, or pass the right key with --trust"},

	// Names
	{ID: "device-name", Severity: SeverityError, Area: "Names",
		Title:   "a per-device file name is not spelt the way phones ask for it",
		Symptom: "the phone never reads its own file and runs with defaults (or stays unprovisioned)",
		Fix:     "SIP/SEP/CTLSEP/ITLSEP + 12 upper-case hex digits + lower-case extension; ld/gk/ata + 12 lower-case hex digits"},
	{ID: "case-collision", Severity: SeverityWarning, Area: "Names",
		Title:   "two files differ only in letter case and hold different bytes",
		Symptom: "on a case-sensitive server (tftpd-hpa) each name gets its own file; on a case-insensitive one (Windows) one of them silently wins, so the phone's result depends on the server",
		Fix:     "keep one of the two files, or make them byte-identical copies"},
	{ID: "case-alias", Severity: SeverityInfo, Area: "Names",
		Title:   "a byte-identical copy of a file under another letter case",
		Symptom: "none: whichever spelling a phone asks for, it gets the same bytes (roots keep RINGLIST.XML beside ringlist.xml for phones and servers that differ in case)",
		Fix:     "nothing to do; keep the copies identical when the file changes"},
	{ID: "reference-case", Severity: SeverityError, Area: "Names",
		Title:   "a reference matches a file only when letter case is ignored",
		Symptom: "\"File not found\" on a case-sensitive TFTP server: the phone cannot fetch it",
		Fix:     "rename the file or correct the reference: TFTP names are case-exact"},

	// Protocols
	{ID: "protocol-stray-config", Severity: SeverityWarning, Area: "Protocols",
		Title:   "configuration files for a protocol the root's images do not target",
		Symptom: "phones of that protocol take the image those files name, or stay on the old protocol",
		Fix:     "remove the configuration files of the protocol you are converting away from (Cisco's conversion note says so)"},
	{ID: "protocol-load-conflict", Severity: SeverityWarning, Area: "Protocols",
		Title:   "SIP and SCCP configuration name different images for the same phones",
		Symptom: "phones end up on different images depending on the protocol they boot, or flip between them",
		Fix:     "name one image per model in every protocol's configuration"},

	// Upgrade paths
	{ID: "upgrade-downgrade", Severity: SeverityError, Fleet: true, Area: "Upgrade paths",
		Title:   "phones on a signed (5.0 or later) image are offered an unsigned or pre-5.0 image",
		Symptom: "the phone refuses the image (\"Image Authentication Failed\") and keeps running its own",
		Fix:     "offer a signed 5.0-or-later image (.sbn/.loads); a 5.0+ phone can never go back below 5.0"},
	{ID: "upgrade-sip-path", Severity: SeverityError, Fleet: true, Area: "Upgrade paths",
		Title:   "SIP 4.x-or-earlier phones are offered a release past a step of Cisco's path 4.4 → 5.3 → 6.x → 7.x",
		Symptom: "the upgrade fails and the phone stays on its old image (or ends in \"Protocol Application Invalid\")",
		Fix:     "offer the listed intermediate releases one after the other"},
	{ID: "upgrade-sccp-to-sip", Severity: SeverityError, Fleet: true, Area: "Upgrade paths",
		Title:   "SCCP phones below 5.x are offered a SIP image",
		Symptom: "the conversion fails; the phone stays on SCCP or ends in \"Protocol Application Invalid\"",
		Fix:     "upgrade the phones to SCCP 5.x first, then offer the SIP image"},
	{ID: "upgrade-sip21-name", Severity: SeverityError, Fleet: true, Area: "Upgrade paths",
		Title:   "SIP 2.1-or-earlier phones are offered an SCCP load whose name is longer than 8 characters",
		Symptom: "the SIP phone does not accept the SCCP load",
		Fix:     "upgrade SIP first (e.g. to 2.3) and then convert, or rename the SCCP load to an 8.3 name"},
	{ID: "upgrade-sip-to-sccp", Severity: SeverityError, Fleet: true, Area: "Upgrade paths",
		Title:   "SIP 4.x-or-earlier phones are offered an SCCP release past a step of Cisco's way back (SCCP 4.x → 5.x, then 6.3)",
		Symptom: "the conversion back to SCCP fails; the phone stays on SIP or ends in \"Protocol Application Invalid\"",
		Fix:     "offer the listed SCCP releases one after the other (Cisco's note: from SIP 3.x or earlier the latest SCCP 4.x, then 5.x; from SIP 4.x or earlier SCCP 6.3 first)"},
	{ID: "upgrade-w210", Severity: SeverityError, Fleet: true, Area: "Upgrade paths",
		Title:   "SIP 2.x phones read a SIPDefault.cnf that holds more than image_version",
		Symptom: "\"W210 TFTP error: buffer full\"",
		Fix:     "during the conversion SIPDefault.cnf must hold only `image_version: <name>`; restore the full file afterwards"},

	{ID: "loader-bin-missing", Severity: SeverityError, Fleet: true, Area: "Upgrade paths",
		Title:   "phones on a pre-5.0 image are offered a load whose loader has no unsigned .bin in the root",
		Symptom: "the phone cannot take the signed loader (.sbn) and keeps its old image, or ends in \"Protocol Application Invalid\"",
		Fix:     "keep the loader's .bin beside its .sbn (Cisco's zip ships both: the .bin for phones below 5.0)"},
	{ID: "fleet-upgrade-scope", Severity: SeverityInfo, Fleet: true, Area: "Upgrade paths",
		Title:   "phones of the fleet offered an image they do not run, per offered image",
		Symptom: "every phone listed fetches and flashes the image when it next boots from this root (a whole building, if DHCP points every phone here)",
		Fix:     "to try one phone first, give it an alternate TFTP server (Settings > Network Configuration) or a per-device configuration"},
	{ID: "fleet-no-image", Severity: SeverityWarning, Fleet: true, Area: "Upgrade paths",
		Title:   "phones of the fleet are offered no image by any configuration in the root",
		Symptom: "the phone keeps the image it runs (or, with none in flash, shows \"No Load Specified\")",
		Fix:     "name an image for the model: loadInformationNNN, image_version, or the ld/gk/ata profile's upgradecode"},

	// Rings and dial plans
	{ID: "ring-missing", Severity: SeverityError, Area: "Rings and dial plans",
		Title:   "a ring list (RINGLIST.DAT, ringlist.xml, distinctiveringlist.xml) names a ring file that is not in the root",
		Symptom: "the ring shows in the phone's ring menu but the phone cannot fetch it: choosing it leaves the phone with no ring (\"File not found\" in the TFTP log)",
		Fix:     "copy the ring file into the root, or remove its entry from the ring list"},
	{ID: "xml-invalid", Severity: SeverityWarning, Area: "Rings and dial plans",
		Title:   "a ring list, tones file, syncinfo.xml, background list or phone XML file is not well-formed XML (or is empty)",
		Symptom: "the phone's XML parser rejects the whole file: no custom rings, default tones, no resync rule, no backgrounds",
		Fix:     "correct the XML (the line is given); validate with xmllint --noout"},
	{ID: "ringlist-entry", Severity: SeverityWarning, Area: "Rings and dial plans",
		Title:   "a ring list entry is malformed (no display name, no TAB, no file name)",
		Symptom: "the ring is missing from the phone's ring menu, or the phone fails to fetch it",
		Fix:     "one ring a line: display name, TAB, file name; copy the ring file into the root"},
	{ID: "ring-format", Severity: SeverityWarning, Area: "Rings and dial plans",
		Title:   "a ring file is not 240–16080 samples of 8 kHz µ-law",
		Symptom: "the phone rejects the ring or plays silence",
		Fix:     "convert to headerless 8 kHz mono µ-law, 0.03–2 seconds (240–16080 bytes)"},
	{ID: "dial-template-missing", Severity: SeverityWarning, Area: "Rings and dial plans",
		Title:   "dial_template names a dial plan that is not in the root",
		Symptom: "the phone dials with the inter-digit timeout only",
		Fix:     "copy <name>.xml into the root or correct dial_template (name without .xml)"},

	// 7905/7912/ATA profiles
	{ID: "upgradecode-fields", Severity: SeverityError, Area: "7905/7912/ATA profiles",
		Title:   "upgradecode does not have exactly 8 fields",
		Symptom: "cfgfmt refuses the profile (\"bad argument for upgrade tag\"); the phone never upgrades",
		Fix:     "upgradecode:3,<hw>,0x0400,0x0100,0.0.0.0,69,<image-id>,<file>"},
	{ID: "upgradecode-hardware", Severity: SeverityError, Area: "7905/7912/ATA profiles",
		Title:   "upgradecode's hardware code does not match the profile's device family",
		Symptom: "the phone ignores the upgrade (or takes another model's image)",
		Fix:     "hardware 0x601 in gk* (7912), 0x501 in ld* (7905), 0x301 in ata* (ATA 186)"},
	{ID: "upgradecode-image-missing", Severity: SeverityError, Area: "7905/7912/ATA profiles",
		Title:   "upgradecode names an image that is not in the root",
		Symptom: "the phone cannot fetch the image and keeps its old one",
		Fix:     "copy the .sbin/.zup into the root or correct the file name"},
	{ID: "image-type-7905-7912", Severity: SeverityError, Area: "7905/7912/ATA profiles",
		Title:   "a 7905/7912 profile's upgradecode names a .loads, .sbn or .bin instead of a .sbin or .zup image",
		Symptom: "the 7905/7912 loader only takes its own .sbin/.zup images: it fetches the file, rejects it and keeps its old image",
		Fix:     "name the CP79xx…sbin image (7905: .zup is accepted too) from the 7905/7912 firmware zip"},
	{ID: "loads-part-digest", Severity: SeverityError, Area: "Images named by configuration",
		Title:   "a part's size or MD5 differs from what its 792x .LOADS manifest says",
		Symptom: "the phone checks the downloaded part against the manifest, rejects it and keeps its old image",
		Fix:     "take the .LOADS and every part it lists from the same firmware zip"},
	{ID: "upgradecode-zup-7912", Severity: SeverityError, Area: "7905/7912/ATA profiles",
		Title:   "a 7912 profile names a .zup image",
		Symptom: "a 7912 only ever asks for .sbin: it never upgrades",
		Fix:     "name the .sbin image"},
	{ID: "upgradecode-image-id", Severity: SeverityError, Area: "7905/7912/ATA profiles",
		Title:   "upgradecode's image id does not match the date and letter in the image name",
		Symptom: "the phone compares ids: it upgrades on every boot, or never",
		Fix:     "image id = the name's yymmdd and build letter as hex (…SIP060412A.sbin → 0x060412a)"},
	{ID: "profile-not-compiled", Severity: SeverityError, Area: "7905/7912/ATA profiles",
		Title:   "a text profile has no compiled profile phones can fetch, and no compiled default stands in",
		Symptom: "the phone fetches only the compiled name (gkdefault.cfg, gk<mac>; ld…, ata…), gets \"File not found\" and runs with no configuration: no upgradecode, so no upgrade",
		Fix:     "compile every .txt into the root: phoneload compile --table <ptag.dat> gkdefault.txt gk<mac>.txt (or Cisco's cfgfmt -t<ptag.dat> gkdefault.txt gkdefault.cfg)"},
	{ID: "profile-device-fallback", Severity: SeverityWarning, Area: "7905/7912/ATA profiles",
		Title:   "a per-device text profile is not compiled: the phone falls back to the default profile",
		Symptom: "the phone fetches gk<mac> (ld…, ata…), gets \"File not found\" and takes gkdefault.cfg: its own settings (line, user, password) are missing, and it takes the default's image",
		Fix:     "compile it: phoneload compile --table <ptag.dat> gk<mac>.txt (writes gk<mac>, no extension)"},
	{ID: "profile-extension-missing", Severity: SeverityWarning, Area: "7905/7912/ATA profiles",
		Title:   "a compiled profile split by cfgfmt names an extension file that is not in the root",
		Symptom: "the phone reads the base profile, asks for the extension it names and gets \"File not found\": the parameters cfgfmt moved there (profiles over 2000 bytes) are missing on the phone",
		Fix:     "copy the <name>.ex file cfgfmt wrote beside the compiled profile into the root"},
	{ID: "profile-stale", Severity: SeverityWarning, Area: "7905/7912/ATA profiles",
		Title:   "a compiled profile differs from what its .txt source compiles to",
		Symptom: "the phone reads the stale compiled profile: edits to the .txt have no effect",
		Fix:     "recompile: phoneload cfgfmt -t<table> <name>.txt <name> (or Cisco's cfgfmt)"},

	// TFTP
	{ID: "tftp-size", Severity: SeverityWarning, Area: "TFTP",
		Title:   "a file is larger than 33,553,919 bytes",
		Symptom: "with 512-byte blocks the transfer fails past block 65535 unless the client negotiates blksize or the server rolls over",
		Fix:     "make sure the TFTP server supports block-number rollover or the phones negotiate a larger block size"},
	{ID: "tftp-permission", Severity: SeverityError, Area: "TFTP",
		Title:   "a file is not world-readable",
		Symptom: "the TFTP server (running as nobody) answers \"Access violation\": the phone stops hunting for files",
		Fix:     "chmod a+r the file (Cisco's note: the TFTP server must be able to read every file)"},
	{ID: "not-at-root", Severity: SeverityError, Area: "TFTP",
		Title:   "firmware or configuration files sit in a subdirectory, not at the top of the root",
		Symptom: "\"Protocol Application Invalid\": phones ask for names at the top of the TFTP root only (the zip was not unpacked into the root)",
		Fix:     "unpack the zip into the TFTP root itself, not into a folder of it"},
	{ID: "folder-not-read", Severity: SeverityWarning, Area: "TFTP",
		Title:   "a folder of the root holds firmware or configuration that nothing at the top of the root needs",
		Symptom: "none for the files at the top: phones never read the folder; if it holds the drop you meant to deploy (unzipped into a folder), phones keep what the top of the root gives them",
		Fix:     "remove the folder from the TFTP root (keep backups elsewhere), or move its files to the top if they are the drop you meant to deploy"},
	{ID: "tftp-name", Severity: SeverityWarning, Area: "TFTP",
		Title:   "a file name has characters TFTP servers or phones mangle",
		Symptom: "the phone asks for a different name and gets \"File not found\"",
		Fix:     "use only letters, digits, '.', '-' and '_'"},

	// Everything else
	{ID: "config-duplicate-key", Severity: SeverityWarning, Area: "Everything else",
		Title:   "a configuration file sets the same parameter twice to different values",
		Symptom: "the phone uses the last value, which may not be the one that was edited",
		Fix:     "keep one line per parameter"},
	{ID: "source-file", Severity: SeverityInfo, Area: "Everything else",
		Title:   "a template, sample, backup, tag table or loadNNN.txt: a source of what phones fetch, never fetched itself",
		Symptom: "none: no phone asks for it by this name",
		Fix:     "keep it outside the TFTP root if you like a tidy root; nothing breaks either way"},
	{ID: "load-pointer-mismatch", Severity: SeverityWarning, Area: "Everything else",
		Title:   "a loadNNN.txt names a load of another model's family, or a model id phoneload does not know",
		Symptom: "CUCM's installer (which reads loadNNN.txt) would make that load the default of model NNN: those phones would be offered an image they cannot run",
		Fix:     "take loadNNN.txt from the firmware zip of model NNN"},
	{ID: "parse-problem", Severity: SeverityWarning, Area: "Everything else",
		Title:   "a configuration or list file has lines the phone will not understand",
		Symptom: "the phone skips the line or, for list files, the whole file",
		Fix:     "correct the line"},
	{ID: "desktop-metadata", Severity: SeverityInfo, Area: "Everything else",
		Title:   "files a desktop left behind (__MACOSX/, ._*, .DS_Store, Thumbs.db, desktop.ini); no other rule judges them",
		Symptom: "none: no phone asks for them (macOS's ._P0S3….sb2 copies only look like images)",
		Fix:     "remove them, or zip drops without them (zip -X, or ditto -c -k --norsrc)"},
	{ID: "unknown-file", Severity: SeverityInfo, Area: "Everything else",
		Title:   "a file phoneload does not recognise",
		Symptom: "none: no phone asks for it",
		Fix:     "remove it if nothing else needs it"},
}

// registryIndex maps rule ids to registry entries.
var registryIndex = func() map[string]*Rule {
	m := make(map[string]*Rule, len(registry))
	for i := range registry {
		m[registry[i].ID] = &registry[i]
	}
	return m
}()

// Rules returns the rule registry in documentation order.
func Rules() []Rule { return append([]Rule(nil), registry...) }

// LookupRule returns the rule with the given id.
func LookupRule(id string) (Rule, bool) {
	r, ok := registryIndex[id]
	if !ok {
		return Rule{}, false
	}
	return *r, true
}
