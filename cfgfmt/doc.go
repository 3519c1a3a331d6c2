// Package cfgfmt compiles the text profiles of Cisco 7905/7912 phones and ATA
// 18x adapters into the binary profiles the devices download, and decodes
// them back, byte for byte as Cisco's cfgfmt tool does.
//
// ParseTable reads a tag table (ptag.dat); Compile turns a #txt profile into
// a #ata binary (with the 2000-byte split into <output>.ex and RC4); Decode
// reads a binary back and Profile.Text renders it as a text profile.
//
// The format is undocumented by Cisco; docs/cfgfmt.md lists every rule this
// package follows and how sure each one is. The package never prints:
// warnings and errors come back as Diagnostics carrying the file, the line
// and the original tool's wording. Where Cisco's tool prints an error and
// still writes the file (an invalid obsolete tone, an include nested too
// deep, a bad upgradecode), the Diagnostic is Recovered and Compile
// succeeds, so that a drop-in exits 0 where the original does. Every size read from input is checked
// against the exported limits (MaxTableSize, MaxProfileSize, MaxIncludeDepth,
// MaxValueSize, MaxPayload) before use.
package cfgfmt
