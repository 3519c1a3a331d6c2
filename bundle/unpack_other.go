//go:build !linux

package bundle

func exchange(a, b string) error { return exchangeByRenames(a, b) }
