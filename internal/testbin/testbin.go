// Package testbin builds the ticketbot binary for the tests that run it as a process (kill -9,
// several replicas, the load tool's smoke test).
//
// It builds with the flags the test itself was built with: under `go test -race` the binary
// is race-enabled too. So the binary reuses every package the test build already compiled (on
// a fresh machine the dependencies are compiled once, not once with -race and again without),
// and the race detector watches the real process as well as the test.
package testbin

import (
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// Flags are the go build flags that match the running test binary's build.
func Flags() []string {
	if race {
		return []string{"-race"}
	}
	return nil
}

// Build builds ./cmd/ticketbot of this module into dir and returns the binary's path.
func Build(t testing.TB, dir string) string {
	t.Helper()
	gomod, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil || strings.TrimSpace(string(gomod)) == "" {
		t.Fatalf("go env GOMOD: %v", err)
	}
	bin := filepath.Join(dir, "ticketbot")
	cmd := exec.Command("go", append(append([]string{"build"}, Flags()...), "-o", bin, "./cmd/ticketbot")...)
	cmd.Dir = filepath.Dir(strings.TrimSpace(string(gomod)))
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build ./cmd/ticketbot: %v\n%s", err, out)
	}
	return bin
}
