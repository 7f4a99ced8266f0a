//go:build race

package e2e

// Under `go test -race` the server binary is built with the race detector
// too, and a data race it reports fails the test that started it.
var serverBuildFlags = []string{"-race"}
