//go:build tools

// Pins CoreDNS's main package in go.mod/go.sum; never compiled.
package tools

import _ "github.com/coredns/coredns"
