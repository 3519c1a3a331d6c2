// Package bundle reads Cisco IP phone firmware drops and TFTP roots, checks
// them, packs them into signed bundles, and publishes bundles into live TFTP
// roots.
//
// A drop is read from a directory, a zip, a tar, or a tar inside a zip, in one
// streaming pass; nothing is extracted to read it. Archive entries are
// validated before use: absolute paths, "..", links, special files, duplicate
// or case-colliding names, encrypted entries and entries over the named
// limits are refused with an error that names the entry.
package bundle
