//go:build tools

// Pins kube-network-policies' main package in go.mod/go.sum; never compiled.
package tools

import _ "sigs.k8s.io/kube-network-policies/cmd"
