package boot

// RuleOutcomes maps the check rules whose symptom is where a booting phone
// stops to the outcomes the simulator gives for them: the same truth in
// two formulations (check judges the root, simulate plays the phone). A
// test breaks generated roots one rule at a time and requires both to
// agree (docs/simulate.md, "check and simulate agree").
//
// Rules about files no phone is stopped by (rings, dial plans, tftp-name,
// desktop metadata…), about what a phone cannot see (sbn-payload-mismatch,
// signature-untrusted without the key, profile-stale) or about the root
// as a whole (case-collision) have no entry.
var RuleOutcomes = map[string][]Code{
	"os79xx-syntax":             {Unprovisioned},
	"os79xx-form":               {Unprovisioned},
	"os79xx-image-missing":      {ProtocolApplicationInvalid},
	"image-missing":             {ProtocolApplicationInvalid, ImageNotFound},
	"image-extension":           {ImageNotFound, ProtocolApplicationInvalid},
	"image-model-mismatch":      {ImageAuthenticationFailed},
	"loads-part-missing":        {ProtocolApplicationInvalid},
	"no-load-specified":         {NoLoadSpecified},
	"signed-name-mismatch":      {ImageAuthenticationFailed},
	"signed-header-bad":         {ImageAuthenticationFailed},
	"loads-la-version":          {ReloadLoop},
	"device-name":               {Runs}, // runs, without its own file
	"reference-case":            {ProtocolApplicationInvalid, ImageNotFound},
	"upgrade-downgrade":         {RefusedDowngrade},
	"upgrade-sip-path":          {UpgradeRefused},
	"upgrade-sccp-to-sip":       {UpgradeRefused},
	"upgrade-sip21-name":        {UpgradeRefused},
	"upgrade-sip-to-sccp":       {UpgradeRefused},
	"upgrade-w210":              {W210BufferFull},
	"loader-bin-missing":        {ImageNotFound, ProtocolApplicationInvalid},
	"upgradecode-hardware":      {UpgradeIgnored},
	"upgradecode-image-missing": {ImageNotFound},
	"image-not-in-root":         {ImageNotFound, ProtocolApplicationInvalid},
	"upgradecode-zup-7912":      {UpgradeIgnored},
	"upgradecode-image-id":      {ReloadLoop},
	"profile-not-compiled":      {NoConfig},
	"tftp-permission":           {TFTPStop},
	"not-at-root":               {ProtocolApplicationInvalid, ImageNotFound},
}

// StepRules lists the step ids of docs/simulate.md (Step.Rule).
var StepRules = []string{
	"7940-os79xx", "7940-ctl", "7940-sip-config", "7940-xml-config", "7940-image", "7940-loads", "7940-loader", "7940-parts", "7940-site",
	"79x1-ctl", "79x1-config", "79x1-term", "79x1-loads", "79x1-parts",
	"profile-config", "profile-image",
}
