package testbin

import (
	"os/exec"
	"strings"
	"testing"
)

// TestBuildMatchesTheTest: the binary is built with the race detector exactly when this test
// is, as go version -m reports from the binary itself.
func TestBuildMatchesTheTest(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin := Build(t, t.TempDir())
	out, err := exec.Command("go", "version", "-m", bin).CombinedOutput()
	if err != nil {
		t.Fatalf("go version -m: %v\n%s", err, out)
	}
	if got := strings.Contains(string(out), "-race=true"); got != race {
		t.Fatalf("binary built with -race: %v, test built with -race: %v\n%s", got, race, out)
	}
}
