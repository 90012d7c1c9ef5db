//go:build tools

// Pins the language host's main package in go.mod/go.sum; never compiled.
package tools

import _ "github.com/pulumi/pulumi/sdk/v3/nodejs/cmd/pulumi-language-nodejs"
