package command

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/ticketbot/ticketbot/templates"
)

// Every sentence the commands say by key is in the catalog, and every sentence of the
// catalog is said somewhere (a key only built at run time, "op_"+op or "type_"+type, is listed
// here). The
// command table's rows say their usage and summary lines by key too (UsageKey, SummaryKey).
func TestEverySentenceKeyIsInTheCatalog(t *testing.T) {
	used := map[string]bool{"op_close": true, "op_reply": true, "type_incident": true, "type_request": true, "type_question": true}
	for _, f := range fieldOrder { // fieldLabel: "field_"+name
		used["field_"+f] = true
	}
	for _, k := range []string{"list_filter_today", "list_filter_week", "list_filter_month", // "list_filter_"+within
		"list_next_word_list", "list_next_word_search"} { // the page's command
		used[k] = true
	}
	call := regexp.MustCompile(`(?:\btext\([^,()]+, |\bText\(|\busage\(|\bsay\(|\buserErr(?:By)?\(|\bkey :?= |\b[A-Za-z]*Key:\s+)"([a-z_]*[a-z])"`)
	files, _ := filepath.Glob("*.go")
	// The dispatcher's own toasts are in the catalog too.
	more, _ := filepath.Glob("../bot/dispatcher.go")
	files = append(files, more...)
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
	// The cards say their labels by key too (t "key" in the templates), and a ticket's words
	// are built from its state, flags and level (templates/words.go, whose own test checks
	// every one of them is there).
	label := regexp.MustCompile(`\bt "([a-z_]*[a-z])"`)
	tmpls, _ := filepath.Glob("../templates/*/*.tmpl")
	for _, f := range tmpls {
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range label.FindAllStringSubmatch(string(src), -1) {
			used[m[1]] = true
		}
	}
	cat := templates.DefaultCatalog()
	for _, k := range cat.Keys() {
		for _, built := range []string{"status_", "flag_", "priority_"} {
			if strings.HasPrefix(k, built) && !used[k] {
				used[k] = true
			}
		}
	}
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

// Every row of the command table has its usage line, and every typed command its help-card
// summary, in both languages: the help card and the usage hints are drawn from them.
func TestEveryCommandHasItsLines(t *testing.T) {
	cat := templates.DefaultCatalog()
	for _, s := range Commands {
		if s.UsageKey == "" || !cat.Has(s.UsageKey) {
			t.Errorf("%s: usage key %q is not in the catalog", s.Op, s.UsageKey)
		}
		if s.Button {
			continue
		}
		if s.SummaryKey == "" || !cat.Has(s.SummaryKey) {
			t.Errorf("%s: summary key %q is not in the catalog", s.Op, s.SummaryKey)
		}
		if zh, en := cat.Text(s.UsageKey, false), cat.Text(s.UsageKey, true); !strings.HasPrefix(zh, s.Zh) || !strings.HasPrefix(en, s.En) {
			t.Errorf("%s: a usage line starts with the command's name: %q / %q", s.Op, zh, en)
		}
	}
}
