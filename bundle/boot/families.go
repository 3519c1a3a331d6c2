package boot

import (
	"fmt"
	"strings"
)

// Rule ids name the steps of docs/simulate.md.

// boot7940 is one boot cycle of a 7940/7960/7910 (docs/simulate.md,
// "7940/7960"). It returns nil when the phone flashed an image and
// reboots.
func (s *sim) boot7940() *Outcome {
	rel, relOK := parseRelease(s.running)
	proto := s.p.Protocol
	if relOK {
		proto = rel.Protocol
	}
	if proto == "" || proto == "loader" {
		proto = "sccp"
	}
	signed := relOK && rel.Signed()

	// 1. Pre-7.x images read OS79XX.TXT first [Cisco].
	if !relOK || rel.Major < 7 {
		r := s.get("OS79XX.TXT", "pre-7.x images read it first: a name of another protocol starts a protocol switch", "7940-os79xx")
		switch r.Status {
		case Found:
			name, clean := os79xxName(r.Data)
			if !clean {
				return &Outcome{Code: Unprovisioned, File: "OS79XX.TXT", Reason: "OS79XX.TXT does not hold exactly one image name (no extension, no spaces, one line)"}
			}
			to, ok := parseRelease(name)
			if !ok || !formOK(name, to) {
				return &Outcome{Code: Unprovisioned, File: "OS79XX.TXT", Target: name, Reason: fmt.Sprintf("%q is not a load name of the form its release needs (P0S3xxyy ≤ SIP 2.3, P0S3-xx-y-zz ≥ 3.0, P003aabbccdd SCCP)", name)}
			}
			// The universal application loader is protocol-neutral:
			// the image comes from the protocol's configuration.
			if to.Protocol != "loader" && name != s.running && (s.running == "" || !strings.HasPrefix(s.running, name[:4])) {
				return s.take7940(name, to, "OS79XX.TXT", signed, true)
			}
		case NotFound:
		default:
			return s.stop("OS79XX.TXT", r)
		}
	}

	// 2. Configuration files, in the phone's order.
	s.sipCfgs = [2][]byte{}
	var target, from string
	modern := relOK && rel.Major >= 7
	if modern {
		// Observed on a real 7960 running 8.12 [real].
		if r := s.get("CTLSEP"+s.p.MAC+".tlv", "trust list hunt", "7940-ctl"); r.Status != Found && r.Status != NotFound {
			return s.stop("CTLSEP"+s.p.MAC+".tlv", r)
		}
	}
	s.sip = proto == "sip"
	switch proto {
	case "sip":
		files := []string{"SIPDefault.cnf", "SIP" + s.p.MAC + ".cnf"}
		if modern {
			files = []string{"SEP" + s.p.MAC + ".cnf.xml", "SIP" + s.p.MAC + ".cnf", "MGC" + s.p.MAC + ".cnf", "XMLDefault.cnf.xml", "SIPDefault.cnf"}
		}
		var dflt, own string
		for _, f := range files {
			why := "configuration"
			switch {
			case f == "SIPDefault.cnf":
				why = "SIP settings shared by every phone (image_version)"
			case strings.HasPrefix(f, "SIP"):
				why = "the phone's own SIP settings; they override SIPDefault.cnf"
			}
			r := s.get(f, why, "7940-sip-config")
			if r.Status == NotFound {
				continue
			}
			if r.Status != Found {
				return s.stop(f, r)
			}
			if !strings.HasPrefix(f, "SIP") {
				continue
			}
			if f == "SIPDefault.cnf" {
				s.sipCfgs[0] = r.Data
			} else {
				s.sipCfgs[1] = r.Data
			}
			v, ok, others := sipSetting(r.Data, "image_version")
			if f == "SIPDefault.cnf" {
				if relOK && rel.Major == 2 && others > 0 {
					return &Outcome{Code: W210BufferFull, File: f, Reason: fmt.Sprintf("a SIP %d.%d phone reads SIPDefault.cnf with %d settings besides image_version", rel.Major, rel.Minor, others)}
				}
				if ok {
					dflt = v
				}
			} else if ok {
				own = v
			}
		}
		target, from = dflt, "SIPDefault.cnf"
		if own != "" {
			target, from = own, "SIP"+s.p.MAC+".cnf"
		}
	default:
		sep := "SEP" + s.p.MAC + ".cnf.xml"
		r := s.get(sep, "the phone's own configuration (<loadInformation>)", "7940-xml-config")
		switch r.Status {
		case Found:
			target, from = xmlLoad(r.Data, 0), sep
		case NotFound:
		default:
			return s.stop(sep, r)
		}
		if target == "" {
			r := s.get("XMLDefault.cnf.xml", "default configuration (loadInformationNNN of its model)", "7940-xml-config")
			switch r.Status {
			case Found:
				target, from = xmlLoad(r.Data, modelID(s.p.Model)), "XMLDefault.cnf.xml"
			case NotFound:
			default:
				return s.stop("XMLDefault.cnf.xml", r)
			}
		}
	}

	// 3. The image.
	if target == "" {
		if s.running == "" {
			return &Outcome{Code: NoLoadSpecified, Reason: "no configuration file names an image and flash holds none"}
		}
		return &Outcome{Code: Runs, Load: s.running, Reason: "no configuration names an image: the phone keeps the one in flash"}
	}
	if target == s.running {
		return &Outcome{Code: Runs, Load: s.running, Reason: fmt.Sprintf("%s names the load in flash", from)}
	}
	to, _ := parseRelease(target)
	return s.take7940(target, to, from, signed, false)
}

// formOK reports whether a load name in OS79XX.TXT has the form of its
// release: SIP ≤ 2.3 in 8.3 form, SIP ≥ 3.0 dashed [Cisco, seed].
func formOK(name string, r release) bool {
	if r.Protocol != "sip" {
		return true
	}
	early := !strings.Contains(name, "-")
	return early == r.Before(3, 0)
}

// take7940 fetches and flashes target, offered by from. image is true for
// an OS79XX.TXT protocol switch: the phone fetches the image itself.
func (s *sim) take7940(target string, to release, from string, signed, image bool) *Outcome {
	fail := func(c Code, file, format string, args ...any) *Outcome {
		return &Outcome{Code: c, Target: target, File: file, Reason: fmt.Sprintf(format, args...)}
	}
	if hasImageExt(target) {
		// The phone appends its own extension: the request fails.
		name := target + ".loads"
		if image {
			name = target + ".bin"
		}
		r := s.get(name, fmt.Sprintf("%s names %s (with an extension)", from, target), "7940-image")
		if r.Status != NotFound && r.Status != Found {
			return s.stop(name, r)
		}
		return s.notFound(target, name, from)
	}
	if cur, ok := parseRelease(s.running); ok && to.Name != "" {
		if p := upgradePath(cur, to); p.Blocker != "" {
			if p.Blocker == blockDowngrade {
				return fail(RefusedDowngrade, from, "%s runs signed %s; %s (from %s) is unsigned", s.p.MAC, cur, to, from)
			}
			var steps []string
			for _, st := range p.Steps {
				steps = append(steps, st.String())
			}
			return fail(UpgradeRefused, from, "%s → %s is not a step of Cisco's matrix (%s); install first: %s", cur, to, p.Blocker, strings.Join(steps, ", "))
		}
	}
	if !modelOK(target, s.p.Model) {
		return fail(ImageAuthenticationFailed, from, "%s is built for another model than the %s", target, s.p.Model)
	}
	ln, _ := parseLoadName(target)
	if image || ln.Family == familyEarly {
		// An image named directly: the .bin, or the .sbn on a signed phone
		// (docs/simulate.md, "OS79XX.TXT: .bin or .sbn").
		name := directImage(target, signed)
		r := s.get(name, fmt.Sprintf("the image %s names", from), "7940-image")
		switch r.Status {
		case Found:
		case NotFound:
			if image || s.running == "" {
				return fail(ProtocolApplicationInvalid, name, "%s names %s; %s is not on the server", from, target, name)
			}
			return s.notFound(target, name, from)
		default:
			return s.stop(name, r)
		}
		if strings.HasSuffix(name, ".sbn") {
			if why := checkSigned(name, r.Data); why != "" {
				return fail(ImageAuthenticationFailed, name, "%s", why)
			}
		}
		return s.flash(target)
	}
	manifest := target + ".loads"
	r := s.get(manifest, fmt.Sprintf("%s names %s, which is not in flash", from, target), "7940-loads")
	switch r.Status {
	case Found:
	case NotFound:
		// Without a manifest the image itself [inferred from older drops].
		name := directImage(target, signed)
		r2 := s.get(name, "no manifest: the image itself", "7940-image")
		switch r2.Status {
		case Found:
			if signed {
				if why := checkSigned(name, r2.Data); why != "" {
					return fail(ImageAuthenticationFailed, name, "%s", why)
				}
			}
			return s.flash(target)
		case NotFound:
			if s.running == "" {
				return fail(ProtocolApplicationInvalid, manifest, "%s names %s; neither %s nor %s is on the server", from, target, manifest, name)
			}
			return s.notFound(target, manifest, from)
		default:
			return s.stop(name, r2)
		}
	default:
		return s.stop(manifest, r)
	}
	if why := checkSigned(manifest, r.Data); why != "" {
		return fail(ImageAuthenticationFailed, manifest, "%s", why)
	}
	parts, la := loadsParts(payload(r.Data))
	parts = s.listed(manifest, parts)
	var loader string
	var apps []string
	for _, p := range parts {
		if pl, ok := parseLoadName(p); ok && (pl.Family == familyLoader || pl.Loader) && loader == "" {
			loader = p
			continue
		}
		if strings.HasSuffix(p, ".sbn") && loader == "" && len(parts) > 1 && p != parts[len(parts)-1] {
			loader = p
			continue
		}
		apps = append(apps, p)
	}
	if loader != "" {
		stem := strings.TrimSuffix(loader, ".sbn")
		name := loader
		if !signed {
			// Phones below 5.0 take only unsigned images: the loader's
			// .bin [Cisco: the UAL zip's P003….bin is for images below 5.x].
			name = stem + ".bin"
		}
		if s.loader != stem {
			r := s.get(name, "the loader "+manifest+" lists", "7940-loader")
			switch r.Status {
			case Found:
			case NotFound:
				if s.running == "" {
					return fail(ProtocolApplicationInvalid, name, "%s lists the loader %s; %s is not on the server", manifest, loader, name)
				}
				return s.notFound(target, name, manifest)
			default:
				return s.stop(name, r)
			}
			if strings.HasSuffix(name, ".sbn") {
				if why := checkSigned(name, r.Data); why != "" {
					return fail(ImageAuthenticationFailed, name, "%s", why)
				}
			}
			if id := loaderID(r.Data); la != "" && id != la {
				s.reboots++
				return fail(ReloadLoop, manifest, "%s expects the loader %s (LA_VERSION) but %s is %s: the loader rejects the application", manifest, la, name, id)
			}
			// The loader is flashed, the phone reboots into it and asks
			// for the manifest again [real log].
			s.loader = stem
			s.reboots++
			if r := s.get(manifest, "the new loader reads the manifest again", "7940-loader"); r.Status != Found {
				if r.Status == NotFound {
					return fail(ProtocolApplicationInvalid, manifest, "the loader cannot read %s again", manifest)
				}
				return s.stop(manifest, r)
			}
		}
	}
	for _, p := range apps {
		r := s.get(p, "a part "+manifest+" lists", "7940-parts")
		switch r.Status {
		case Found:
		case NotFound:
			return fail(ProtocolApplicationInvalid, p, "%s lists %s, which is not on the server: the loader cannot fetch the application", manifest, p)
		default:
			return s.stop(p, r)
		}
		if strings.HasSuffix(p, ".sbn") || strings.HasSuffix(p, ".sb2") {
			if why := checkSigned(p, r.Data); why != "" {
				return fail(ImageAuthenticationFailed, p, "%s", why)
			}
		}
	}
	return s.flash(target)
}

// notFound is the outcome of an image the phone cannot fetch while it has
// one in flash: it keeps that one.
func (s *sim) notFound(target, file, from string) *Outcome {
	return &Outcome{Code: ImageNotFound, Target: target, File: file, Reason: fmt.Sprintf("%s names %s; %s is not on the server: the phone keeps %s", from, target, file, s.running)}
}

// boot79x1 is one boot cycle of a 7906/7911/7941/7961/… (docs/simulate.md,
// "79x1").
func (s *sim) boot79x1() *Outcome {
	if r := s.get("CTLSEP"+s.p.MAC+".tlv", "trust list hunt", "79x1-ctl"); r.Status != Found && r.Status != NotFound {
		return s.stop("CTLSEP"+s.p.MAC+".tlv", r)
	}
	var target, from string
	sep := "SEP" + s.p.MAC + ".cnf.xml"
	r := s.get(sep, "the phone's own configuration (<loadInformation>)", "79x1-config")
	switch r.Status {
	case Found:
		target, from = xmlLoad(r.Data, 0), sep
	case NotFound:
	default:
		return s.stop(sep, r)
	}
	if target == "" {
		r := s.get("XMLDefault.cnf.xml", "default configuration (loadInformationNNN of its model)", "79x1-config")
		switch r.Status {
		case Found:
			target, from = xmlLoad(r.Data, modelID(s.p.Model)), "XMLDefault.cnf.xml"
		case NotFound:
		default:
			return s.stop("XMLDefault.cnf.xml", r)
		}
	}
	if target == "" {
		if s.running != "" {
			return &Outcome{Code: Runs, Load: s.running, Reason: "no configuration names an image: the phone keeps the one in flash"}
		}
		// term<NN>.default.loads: the load a 79x1 boots when no
		// configuration names one [real: shipped in every 79x1 zip].
		term := "term" + strings.TrimPrefix(s.p.Model, "79") + ".default"
		r := s.get(term+".loads", "no configuration names an image: the model's default load", "79x1-term")
		switch r.Status {
		case Found:
			target, from = term, term+".loads"
		case NotFound:
			return &Outcome{Code: NoLoadSpecified, Reason: "no configuration names an image, no " + term + ".loads, and flash holds none"}
		default:
			return s.stop(term+".loads", r)
		}
	}
	if target == s.running {
		return &Outcome{Code: Runs, Load: s.running, Reason: fmt.Sprintf("%s names the load in flash", from)}
	}
	fail := func(c Code, file, format string, args ...any) *Outcome {
		return &Outcome{Code: c, Target: target, File: file, Reason: fmt.Sprintf(format, args...)}
	}
	manifest := target + ".loads"
	if hasImageExt(target) {
		manifest = target + ".loads"
	} else if !modelOK(target, s.p.Model) {
		return fail(ImageAuthenticationFailed, from, "%s is built for another model than the %s", target, s.p.Model)
	}
	r = s.get(manifest, fmt.Sprintf("%s names %s, which is not in flash", from, target), "79x1-loads")
	switch r.Status {
	case Found:
	case NotFound:
		if s.running == "" {
			return fail(ProtocolApplicationInvalid, manifest, "%s names %s; %s is not on the server", from, target, manifest)
		}
		return s.notFound(target, manifest, from)
	default:
		return s.stop(manifest, r)
	}
	if why := checkSigned(manifest, r.Data); why != "" {
		return fail(ImageAuthenticationFailed, manifest, "%s", why)
	}
	parts, _ := loadsParts(payload(r.Data))
	parts = s.listed(manifest, parts)
	for _, p := range parts {
		r := s.get(p, "a part "+manifest+" lists", "79x1-parts")
		switch r.Status {
		case Found:
		case NotFound:
			return fail(ProtocolApplicationInvalid, p, "%s lists %s, which is not on the server", manifest, p)
		default:
			return s.stop(p, r)
		}
		if why := checkSigned(p, r.Data); why != "" {
			return fail(ImageAuthenticationFailed, p, "%s", why)
		}
	}
	return s.flash(target)
}

// bootProfile is one boot cycle of a 7905, 7912 or ATA (docs/simulate.md,
// "7905/7912/ATA").
func (s *sim) bootProfile() *Outcome {
	prefix, hw := "gk", "7912"
	switch s.res.Family {
	case "7905":
		prefix, hw = "ld", "7905"
	case "ata":
		prefix, hw = "ata", "ATA"
	}
	var up upgrade
	var have bool
	read := 0
	for _, name := range []string{prefix + strings.ToLower(s.p.MAC), prefix + "default.cfg"} {
		why := "the phone's own compiled profile"
		if strings.HasSuffix(name, ".cfg") {
			why = "the default compiled profile"
		}
		r := s.get(name, why, "profile-config")
		switch r.Status {
		case Found:
		case NotFound:
			continue
		default:
			return s.stop(name, r)
		}
		if strings.HasPrefix(string(r.Data), "#txt") {
			// cfgfmt's input under the compiled name: unreadable.
			s.res.Steps[len(s.res.Steps)-1].Message = "holds text, not a compiled profile: the phone cannot read it"
			continue
		}
		read++
		if u, ok := profileUpgrade(r.Data); ok && !have {
			up, have = u, true
		}
	}
	if read == 0 {
		return &Outcome{Code: NoConfig, File: prefix + "default.cfg", Reason: fmt.Sprintf("neither %s%s nor %sdefault.cfg is a compiled profile on the server", prefix, strings.ToLower(s.p.MAC), prefix)}
	}
	if !have {
		if s.running == "" {
			return &Outcome{Code: NoLoadSpecified, Reason: "no profile has an upgradecode and flash holds none"}
		}
		return &Outcome{Code: Runs, Load: s.running, Reason: "no upgradecode: the phone keeps its image"}
	}
	target := strings.TrimSuffix(strings.TrimSuffix(up.File, ".sbin"), ".zup")
	if up.Hardware != hw {
		return &Outcome{Code: UpgradeIgnored, Target: target, Reason: fmt.Sprintf("the upgradecode's hardware code is for %q, not the %s", up.Hardware, s.p.Model)}
	}
	if cur, ok := parseLoadName(s.running); ok && cur.ImageID == up.ImageID {
		return &Outcome{Code: Runs, Load: s.running, Reason: fmt.Sprintf("the upgradecode's image id 0x%x is the running image's", up.ImageID)}
	}
	if s.res.Family == "7912" && strings.HasSuffix(strings.ToLower(up.File), ".zup") {
		return &Outcome{Code: UpgradeIgnored, Target: target, Reason: "a 7912 only takes .sbin images; the upgradecode names " + up.File}
	}
	r := s.get(up.File, "the upgradecode names it and its image id differs from the running image's", "profile-image")
	switch r.Status {
	case Found:
	case NotFound:
		if s.running == "" {
			return &Outcome{Code: ProtocolApplicationInvalid, Target: target, File: up.File, Reason: up.File + " is not on the server and flash holds no image"}
		}
		return s.notFound(target, up.File, "the upgradecode")
	default:
		return s.stop(up.File, r)
	}
	return s.flash(target)
}
