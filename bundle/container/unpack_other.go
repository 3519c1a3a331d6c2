//go:build !linux

package container

func exchange(a, b string) error { return exchangeByRenames(a, b) }
