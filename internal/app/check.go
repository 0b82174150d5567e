package app

import (
	"fmt"
	"io"
	"strings"

	"github.com/ticketbot/ticketbot/bot/wecom"
)

// Check is `ticketbot check`: it reads the file at path and prints every problem to stderr
// (exit 1), or OK and the warnings to stdout (exit 0); verbose also prints the effective
// configuration, defaults filled in and secrets redacted.
func Check(path string, verbose bool, stdout, stderr io.Writer) int {
	cfg, code := load(path, stderr)
	if cfg == nil {
		return code
	}
	fmt.Fprintf(stdout, "%s: OK\n", cfg.path)
	for _, w := range warnings(cfg) {
		fmt.Fprintln(stdout, "warning:", w)
	}
	if verbose {
		fmt.Fprint(stdout, "\n", cfg.String())
	}
	return 0
}

// load reads the configuration. A nil config comes with exit code 1, every problem printed.
func load(path string, stderr io.Writer) (*Config, int) {
	cfg, errs := loadConfig(path)
	if len(errs) > 0 {
		printErrors(stderr, path, errs)
		return nil, 1
	}
	cfg.path = path
	return cfg, 0
}

func printErrors(w io.Writer, path string, errs []error) {
	fmt.Fprintf(w, "%s: %d problem(s):\n", path, len(errs))
	for _, e := range errs {
		fmt.Fprintln(w, "  -", e)
	}
}

// warnings are things that work but deserve an operator's look.
func warnings(c *Config) []string {
	var ws []string
	if c.Ksyun != nil && c.Ksyun.UsesDefaultSign() {
		ws = append(ws, "providers.ksyun: Kingsoft does not publish its Sign rule; the default md5(AppId+Timestamp+AppSecret) is a guess — confirm it with Kingsoft (sign_algo, sign_template)")
	}
	if len(c.Chats) == 0 {
		ws = append(ws, "no [[chats]] configured: every chat that adds the bot may use it")
	}
	ws = append(ws, wecomNoticeWarnings(c)...)
	return append(ws, c.legacy...)
}

// wecomNoticeWarnings names the WeCom groups that watcher notices cannot reach on their own:
// in webhook mode only a group's own robot (webhook_key in its [[chats]] entry) can post
// when nobody has written to the bot there within the hour; until then notices wait.
func wecomNoticeWarnings(c *Config) []string {
	if c.WeCom == nil || c.WeCom.Mode != wecom.ModeWebhook {
		return nil
	}
	var ws []string
	groups := 0
	for i, ch := range c.Chats {
		if ch.Platform != "wecom" || strings.HasPrefix(ch.ChatID, "single:") {
			continue
		}
		groups++
		if ch.WebhookKey == "" {
			ws = append(ws, fmt.Sprintf("chats[%d]: WeCom group %s has no webhook_key: its notices wait until someone there writes to the bot (an answer window lasts an hour); add the group's robot key, or use mode = \"websocket\"", i, ch.ChatID))
		}
	}
	if groups == 0 {
		ws = append(ws, "wecom: in webhook mode notices reach a group only through its own robot: list each WeCom group in [[chats]] with its webhook_key, or use mode = \"websocket\"; until then notices wait for someone in the group to write to the bot")
	}
	return ws
}
