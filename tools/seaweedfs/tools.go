//go:build tools

// Pins the main package in go.mod/go.sum; never compiled.
package tools

import _ "github.com/seaweedfs/seaweedfs/weed"
