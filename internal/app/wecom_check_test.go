package app

import (
	"strings"
	"testing"

	"github.com/ticketbot/ticketbot/bot/wecom"
)

// `check` warns about a WeCom group that notices cannot reach by themselves (webhook mode, no
// robot of its own), refuses the old one-robot-for-every-chat key, and takes a group's own.
func TestCheckWeComNoticeRoutes(t *testing.T) {
	const base = `
[wecom]
mode = "webhook"
token = "tok"
encoding_aes_key = "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C"
[providers.ksyun]
app_id = "a"
app_secret = "s"
customer_organization_id = 1
repository_product_id = 36
creator_id = 1
creator_name = "姜程"
customer_organization_name = "北京金山云网络技术有限公司"
`
	tests := []struct {
		name, extra string
		warn        string // a warning that must be there ("" none about WeCom notices)
		err         string
	}{
		{"group without a robot", "[[chats]]\nplatform = \"wecom\"\nchat_id = \"wrkA\"\n", "chats[0]: WeCom group wrkA has no webhook_key", ""},
		{"group with its robot", "[[chats]]\nplatform = \"wecom\"\nchat_id = \"wrkA\"\nwebhook_key = \"k-a\"\n", "", ""},
		{"no chats at all", "", "wecom: in webhook mode notices reach a group only through its own robot", ""},
		{"one robot for every chat", "", "", "wecom.webhook_key: a group robot posts into its own group only"},
		{"robot key on a Feishu chat", "[[chats]]\nplatform = \"feishu\"\nchat_id = \"oc_1\"\nwebhook_key = \"k\"\n", "", "chats[0].webhook_key: only a WeCom group has a webhook robot"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			text := base + tt.extra
			if tt.name == "one robot for every chat" {
				text = strings.Replace(text, "[wecom]\n", "[wecom]\nwebhook_key = \"k\"\n", 1)
			}
			cfg, errs := parseConfig([]byte(text))
			if tt.err != "" {
				for _, e := range errs {
					if strings.Contains(e.Error(), tt.err) {
						return
					}
				}
				t.Fatalf("errors %v, want %q", errs, tt.err)
			}
			if len(errs) > 0 {
				t.Fatalf("errors %v", errs)
			}
			wc := cfg.Platforms[wecom.Platform].(*wecom.Config)
			ws := strings.Join(wc.Warnings(), "\n")
			if tt.warn == "" && ws != "" || tt.warn != "" && !strings.Contains(ws, tt.warn) {
				t.Errorf("warnings %q, want %q", ws, tt.warn)
			}
			if tt.name == "group with its robot" && wc.Robots["wrkA"].Reveal() != "k-a" {
				t.Errorf("robots %v", wc.Robots)
			}
		})
	}
}
