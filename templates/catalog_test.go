package templates

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The embedded catalog parses: every sentence has zh and en.
func TestEmbeddedCatalog(t *testing.T) {
	c, err := parseCatalog(embeddedMessages, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := c.Text("replied", false, "ref", "ksyun:1204"); got != "已回复到工单 ksyun:1204" {
		t.Errorf("zh %q", got)
	}
	if got := c.Text("replied", true, "ref", "ksyun:1204"); got != "Replied to ksyun:1204" {
		t.Errorf("en %q", got)
	}
	if got := c.Text("no_such_sentence", false); got != "[no_such_sentence]" {
		t.Errorf("unknown key %q", got)
	}
}

// An operator's messages.toml overrides sentences; one that names an unknown sentence, a
// placeholder the sentence lacks, or a key other than zh and en fails at boot.
func TestCatalogOverride(t *testing.T) {
	for _, tc := range []struct {
		name, file, want string
	}{
		{"override", "[replied]\nzh = \"回复已发到 {ref} 啦\"\n", ""},
		{"unknown sentence", "[replyed]\nzh = \"x\"\n", `no sentence "replyed"`},
		{"unknown placeholder", "[replied]\nen = \"Sent to {ticket}\"\n", "replied.en: no placeholder {ticket}"},
		{"unknown key", "[replied]\nfr = \"x\"\n", "unknown key replied.fr"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			if err := os.WriteFile(filepath.Join(dir, "messages.toml"), []byte(tc.file), 0o600); err != nil {
				t.Fatal(err)
			}
			r, err := New(dir)
			if tc.want != "" {
				if err == nil || !strings.Contains(err.Error(), tc.want) {
					t.Fatalf("err %v, want %q", err, tc.want)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := r.Messages().Text("replied", false, "ref", "aliyun:7"); got != "回复已发到 aliyun:7 啦" {
				t.Errorf("overridden zh %q", got)
			}
			if got := r.Messages().Text("replied", true, "ref", "aliyun:7"); got != "Replied to aliyun:7" {
				t.Errorf("en kept %q", got)
			}
		})
	}
}

// fill answers what strings.NewReplacer over the "{name}" pairs answered before it.
func TestFill(t *testing.T) {
	args := []any{"id", "ksyun:1204", "n", 3, "names", "a.png、b.pdf", "empty", ""}
	for _, text := range []string{
		"", "no braces", "工单 {id} 已关闭", "{id}{id}", "{n} 个附件：{names}", "{unknown} stays", "{{id}}",
		"{ unclosed", "closed }", "{id", "{}", "{empty}|", "前{id}后{n}末", "{{unknown}{id}",
	} {
		pairs := make([]string, 0, len(args))
		for i := 0; i+1 < len(args); i += 2 {
			pairs = append(pairs, "{"+fmt.Sprint(args[i])+"}", fmt.Sprint(args[i+1]))
		}
		if got, want := fill(text, args), strings.NewReplacer(pairs...).Replace(text); got != want {
			t.Errorf("fill(%q) = %q, want %q", text, got, want)
		}
	}
}

// A card's labels are the catalog's: an operator's messages.toml changes them on the cards,
// in the language it overrides only.
func TestCardLabelsFollowTheOverride(t *testing.T) {
	dir := t.TempDir()
	over := "[card_ticket]\nzh = \"单号\"\n\n[status_open]\nen = \"New\"\n"
	if err := os.WriteFile(filepath.Join(dir, "messages.toml"), []byte(over), 0o600); err != nil {
		t.Fatal(err)
	}
	r, err := New(dir)
	if err != nil {
		t.Fatal(err)
	}
	data := TicketCard{Ticket: openTicket(), ProviderLabel: "金山云"}
	for _, tc := range []struct {
		en        bool
		want, not string
	}{
		{false, `**单号**：ksyun:1204`, `**工单号**`},
		{true, `**Status**: New`, `**Ticket**: ksyun:1204\n**Status**: Open`},
	} {
		card, err := r.In(tc.en).Render("feishu", "ticket", data)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(card), tc.want) || strings.Contains(string(card), tc.not) {
			t.Errorf("en=%v: the card does not follow the override (want %s):\n%s", tc.en, tc.want, card)
		}
	}
}
