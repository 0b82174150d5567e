package feishu

import (
	"fmt"
	"net/url"
	"strings"

	"github.com/ticketbot/ticketbot/bot"
)

// The inbound transports a Feishu app can use (事件订阅方式).
const (
	// ModeWebhook receives events and card callbacks as HTTPS POSTs (将事件发送至开发者服务器).
	ModeWebhook = "webhook"
	// ModeWebsocket receives them over the SDK's long connection (使用长连接接收事件), which
	// needs no public URL.
	ModeWebsocket = "websocket"
)

// DefaultBaseURL is the Feishu open platform. Lark (international) uses
// https://open.larksuite.com.
const DefaultBaseURL = "https://open.feishu.cn"

// Config is the [feishu] section of the configuration file.
type Config struct {
	// Mode is "webhook" (default) or "websocket".
	Mode string `toml:"mode"`
	// AppID and AppSecret identify the self-built app (企业自建应用); both modes need them, the
	// webhook mode to send, the long connection also to connect.
	AppID     string     `toml:"app_id"`
	AppSecret bot.Secret `toml:"app_secret"`
	// VerificationToken is compared with header.token of every webhook request, and answers
	// the URL check (url_verification).
	VerificationToken bot.Secret `toml:"verification_token"`
	// EncryptKey decrypts webhook bodies and keys their signature. Required in webhook mode:
	// without it Feishu sends plaintext that nobody signs.
	EncryptKey bot.Secret `toml:"encrypt_key"`
	// BaseURL is the open API root, without a trailing slash; tests point it at a feishutest.Server.
	BaseURL string `toml:"base_url"`
	// BotOpenID is the bot's own open_id. Optional: when set, a mention of this id is removed
	// from the text even if Feishu omits mentioned_type.
	BotOpenID string `toml:"bot_open_id"`
	// ReplyInThread makes Reply answer as a topic (话题) under the message; default true.
	ReplyInThread *bool `toml:"reply_in_thread"`
}

// Defaults fills the keys left empty with their default values.
func (c *Config) Defaults() {
	if c.Mode == "" {
		c.Mode = ModeWebhook
	}
	if c.BaseURL == "" {
		c.BaseURL = DefaultBaseURL
	}
	// The SDK builds request URLs as BaseURL+path, so a trailing slash would double up.
	c.BaseURL = strings.TrimRight(c.BaseURL, "/")
	if c.ReplyInThread == nil {
		t := true
		c.ReplyInThread = &t
	}
}

// Validate reports every problem in the section, naming each key as feishu.<key>. Call it
// after Defaults.
func (c *Config) Validate() []error {
	var errs []error
	missing := func(key string, when ...string) {
		errs = append(errs, fmt.Errorf("feishu.%s is required%s", key, strings.Join(when, "")))
	}
	switch c.Mode {
	case ModeWebhook, ModeWebsocket:
	default:
		errs = append(errs, fmt.Errorf("feishu.mode: unknown mode %q (want %q or %q)", c.Mode, ModeWebhook, ModeWebsocket))
	}
	if c.AppID == "" {
		missing("app_id")
	}
	if c.AppSecret == "" {
		missing("app_secret")
	}
	if c.Mode == ModeWebhook {
		// Without an encrypt key Feishu neither encrypts nor signs, and the SDK then
		// authenticates events not at all; we refuse to run that way.
		if c.EncryptKey == "" {
			missing("encrypt_key", " in webhook mode")
		}
		if c.VerificationToken == "" {
			missing("verification_token", " in webhook mode")
		}
	}
	if u, err := url.Parse(c.BaseURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		errs = append(errs, fmt.Errorf("feishu.base_url: %q is not an http(s) URL", c.BaseURL))
	} else if u.RawQuery != "" || u.Fragment != "" {
		errs = append(errs, fmt.Errorf("feishu.base_url: %q must not have a query or fragment", c.BaseURL))
	}
	return errs
}

// replyInThread reads ReplyInThread, treating unset as the default true.
func (c *Config) replyInThread() bool {
	return c.ReplyInThread == nil || *c.ReplyInThread
}
