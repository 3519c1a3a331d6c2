package check

import (
	"fmt"
	"strings"

	"github.com/phoneload/phoneload/bundle/cisco"
)

// imageProtocol is the protocol of an image name: "sip", "sccp", "mgcp",
// or "" when the name does not say.
func (c *checker) imageProtocol(name string) string {
	if r, ok := c.appRelease(name); ok {
		if r.Protocol == "loader" {
			return ""
		}
		return r.Protocol
	}
	u := strings.ToUpper(name)
	switch {
	case strings.HasPrefix(u, "SIP") || strings.Contains(u, "SIP0") || strings.Contains(u, "SIP1"):
		return "sip"
	case strings.HasPrefix(u, "SCCP") || strings.HasPrefix(u, "TERM") || strings.Contains(u, "SCCP"):
		return "sccp"
	}
	return ""
}

// checkProtocols: rule 9.
func (c *checker) checkProtocols() {
	// The protocols the root's images target.
	targets := map[string]bool{}
	for _, f := range c.d.Files {
		if c.knownAtTop > 0 && strings.IndexByte(f.Name, '/') >= 0 {
			continue // a spare folder's images are not the root's
		}
		switch f.Kind {
		case cisco.KindLoads, cisco.KindImageSB2, cisco.KindImageBin, cisco.KindImageSBN, cisco.KindImageSBIN, cisco.KindImageZUP:
			stem, _ := cisco.StripImageExt(cisco.BaseName(f.Name))
			if p := c.imageProtocol(stem); p != "" {
				targets[p] = true
			}
		}
	}
	if len(targets) > 0 {
		for _, f := range c.d.Files {
			base := cisco.BaseName(f.Name)
			switch {
			case f.Kind == cisco.KindSIPConfig && !targets["sip"]:
				c.add("protocol-stray-config", f.Name, 0, c.phonesReading(f.Name), "%s is a SIP configuration but the root has no SIP image: SIP phones will look for an image that is not here", base)
			case f.Kind == cisco.KindMGCPConfig && !targets["mgcp"]:
				c.add("protocol-stray-config", f.Name, 0, c.phonesReading(f.Name), "%s is an MGCP configuration but the root has no MGCP image", base)
			}
		}
	}
	// SIP and XML configuration naming different images for 7940/7960.
	var sipDef *offer
	for i, o := range c.allOffers() {
		if o.Source == "image_version" && o.MAC() == "" {
			sipDef = c.offerPtr(i)
		}
	}
	if sipDef == nil {
		return
	}
	for _, o := range c.allOffers() {
		if o.Source != "loadInformation" || o.MAC() != "" || (o.ModelID != 7 && o.ModelID != 8) || o.Name == sipDef.Name {
			continue
		}
		var sipPh, otherPh []string
		for _, p := range c.fleet {
			if p.family != "7940" || modelIDs[p.Model] != o.ModelID {
				continue
			}
			if p.relOK && p.rel.Protocol == "sip" {
				sipPh = append(sipPh, p.MAC)
			} else {
				otherPh = append(otherPh, p.MAC)
			}
		}
		who := ""
		if c.fleet != nil {
			who = fmt.Sprintf(" (%d SIP phones take the first, %d others the second)", len(sipPh), len(otherPh))
		}
		c.add("protocol-load-conflict", o.File, o.Line, append(sipPh, otherPh...),
			"%s gives %s phones %q but %s:%d gives SIP phones %q%s", fmt.Sprintf("loadInformation%d", o.ModelID), modelName(o.ModelID), o.Name, sipDef.File, sipDef.Line, sipDef.Name, who)
	}
}
