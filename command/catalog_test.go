package command

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/ticketbot/ticketbot/templates"
)

// Every sentence the handlers say by key is in the catalog, and every sentence of the
// catalog is said somewhere (a key only built at run time, "op_"+op, is listed here).
func TestEverySentenceKeyIsInTheCatalog(t *testing.T) {
	used := map[string]bool{"op_close": true, "op_reply": true}
	call := regexp.MustCompile(`(?:\btext\([^,()]+, |\bText\(|\busage\(|\buserErr(?:By)?\(|\bkey :?= )"([a-z_]*[a-z])"`)
	files, _ := filepath.Glob("*.go")
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range call.FindAllStringSubmatch(string(src), -1) {
			used[m[1]] = true
		}
	}
	cat := templates.DefaultCatalog()
	for k := range used {
		if !cat.Has(k) {
			t.Errorf("%q is said but not in templates/messages.toml", k)
		}
	}
	for _, k := range cat.Keys() {
		if !used[k] {
			t.Errorf("%q is in the catalog but never said", k)
		}
	}
	if len(used) < 30 {
		t.Fatalf("found only %d keys: the scan is broken", len(used))
	}
}
