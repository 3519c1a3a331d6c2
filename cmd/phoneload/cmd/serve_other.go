//go:build !unix

package cmd

import "net"

func activatedConn() (*net.UDPConn, bool, error) { return nil, false, nil }
