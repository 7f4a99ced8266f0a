//go:build !race

package e2e

var serverBuildFlags []string
