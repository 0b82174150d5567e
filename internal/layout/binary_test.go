package layout

import (
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
)

// testOnly are the modules only tests need: the playground's browser test (chromedp), the
// goroutine-leak checks (goleak), the deploy files' YAML checks. The binary a user builds
// and `go run ./cmd/ticketbot demo` compiles must carry none of them: each is compile time
// and download on a first run for nothing.
var testOnly = []string{
	"github.com/chromedp/chromedp",
	"github.com/chromedp/cdproto",
	"go.uber.org/goleak",
	"go.yaml.in/yaml/v3",
}

// goList runs go list in the module root and returns its lines.
func goList(t *testing.T, args ...string) []string {
	t.Helper()
	goBin, err := exec.LookPath("go")
	if err != nil {
		goBin = filepath.Join(runtime.GOROOT(), "bin", "go")
	}
	cmd := exec.Command(goBin, append([]string{"list"}, args...)...)
	cmd.Dir = "../.."
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list %v: %v", args, err)
	}
	return strings.Fields(string(out))
}

// The binary's dependency graph holds no module only the tests need. The tests' graph is
// read too, so the list above stays true: a module that stops being used by the tests is
// named, and the check cannot pass by naming modules nothing uses.
func TestBinaryCarriesNoTestOnlyModule(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go list over the module")
	}
	format := "{{with .Module}}{{.Path}}{{end}}"
	binary := goList(t, "-deps", "-f", format, "./cmd/ticketbot")
	tests := goList(t, "-deps", "-test", "-f", format, "./...")
	if !slices.Contains(binary, "github.com/ncruces/go-sqlite3") {
		t.Fatalf("the binary's graph was not read: %v", binary)
	}
	for _, m := range testOnly {
		if slices.Contains(binary, m) {
			t.Errorf("the binary carries %s, which only tests need: something the binary imports imports it", m)
		}
		if !slices.Contains(tests, m) {
			t.Errorf("%s is no longer used by the tests: take it out of testOnly (and go mod tidy)", m)
		}
	}
}
