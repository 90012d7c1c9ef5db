//go:build tools

// Pins the CLI's main package in go.mod/go.sum; never compiled.
package tools

import _ "github.com/pulumi/pulumi/pkg/v3/cmd/pulumi"
