package wecom

import (
	"fmt"
	"net/url"
	"strings"

	"github.com/ticketbot/ticketbot/bot"
	"github.com/ticketbot/ticketbot/internal/msgcrypt"
)

// The inbound transports of a 智能机器人 in API mode (DOC 101039, 101463). The console offers
// one or the other, not both.
const (
	// ModeWebhook receives callbacks as signed, encrypted HTTPS requests (DOC 101033) and
	// answers through passive replies, response_url and the group webhook robot.
	ModeWebhook = "webhook"
	// ModeWebsocket holds the long connection (长连接, DOC 101463), which needs no public URL
	// and no crypto.
	ModeWebsocket = "websocket"
)

// Defaults of the endpoint keys.
const (
	// DefaultAPIBaseURL is the WeCom server API: response_url and the webhook robot live
	// under it.
	DefaultAPIBaseURL = "https://qyapi.weixin.qq.com"
	// DefaultWSURL is the long-connection endpoint (DOC 101463).
	DefaultWSURL = "wss://openws.work.weixin.qq.com"
)

// Values of aibot_send_msg's chat_type (DOC 101463, 主动推送消息): 1 names a single chat by
// the person's userid, 2 a group by its chatid (left out, WeCom guesses, group first).
const (
	ChatTypeSingle = 1
	ChatTypeGroup  = 2
)

// Config is the [wecom] section of the configuration file.
type Config struct {
	// Mode is "webhook" (default) or "websocket".
	Mode string `toml:"mode"`
	// Token and EncodingAESKey sign and encrypt the HTTP callbacks (回调配置 of the bot).
	// Required in webhook mode.
	Token          bot.Secret `toml:"token"`
	EncodingAESKey bot.Secret `toml:"encoding_aes_key"`
	// BotID and Secret (the 长连接专用 Secret) subscribe the long connection. Required in
	// websocket mode.
	BotID  string     `toml:"bot_id"`
	Secret bot.Secret `toml:"secret"`
	// APIBaseURL replaces https://qyapi.weixin.qq.com in response_url and webhook robot
	// calls, for proxies, private deployments and tests.
	APIBaseURL string `toml:"api_base_url"`
	// WSURL is the long-connection endpoint.
	WSURL string `toml:"ws_url"`
	// WebhookKey is refused: a group webhook robot (消息推送 ?key=…) posts into the one group
	// it was added to, so one key for every chat posted group B's notices into group A. Each
	// group's robot key goes in its [[chats]] entry (Robots).
	WebhookKey bot.Secret `toml:"webhook_key,omitempty"`
	// Robots maps a group's chat id to its webhook robot's key, a bearer credential, from
	// [[chats]] webhook_key. In webhook mode a message for a group without an unused
	// response_url goes through that group's robot; a group without one waits for the next
	// response_url.
	Robots map[string]bot.Secret `toml:"-"`
	// ChatType is the chat_type sent with aibot_send_msg to a group chat: 2 (the default,
	// 群聊 in DOC 101463) or 1. Single chats ("single:<userid>") always send 1 (单聊). 0 takes
	// the default.
	ChatType int `toml:"chat_type"`

	// chats are this platform's [[chats]] entries (UseChats), for Warnings.
	chats []bot.ChatEntry
}

// Defaults fills the keys left empty with their default values.
func (c *Config) Defaults() {
	if c.Mode == "" {
		c.Mode = ModeWebhook
	}
	if c.APIBaseURL == "" {
		c.APIBaseURL = DefaultAPIBaseURL
	}
	// Paths are appended to the base, so a trailing slash would double up.
	c.APIBaseURL = strings.TrimRight(c.APIBaseURL, "/")
	if c.WSURL == "" {
		c.WSURL = DefaultWSURL
	}
	if c.ChatType == 0 {
		c.ChatType = ChatTypeGroup
	}
}

// Validate reports every problem in the section, naming each key as wecom.<key>. Call it
// after Defaults. No message holds a secret's value.
func (c *Config) Validate() []error {
	var errs []error
	missing := func(key string) {
		errs = append(errs, fmt.Errorf("wecom.%s is required in %s mode", key, c.Mode))
	}
	switch c.Mode {
	case ModeWebhook:
		if c.Token == "" {
			missing("token")
		}
		if c.EncodingAESKey == "" {
			missing("encoding_aes_key")
		}
	case ModeWebsocket:
		if c.BotID == "" {
			missing("bot_id")
		}
		if c.Secret == "" {
			missing("secret")
		}
	default:
		errs = append(errs, fmt.Errorf("wecom.mode: unknown mode %q (want %q or %q)", c.Mode, ModeWebhook, ModeWebsocket))
	}
	if k := c.EncodingAESKey.Reveal(); k != "" {
		if _, err := msgcrypt.New(k); err != nil {
			errs = append(errs, fmt.Errorf("wecom.encoding_aes_key: %w", err))
		}
	}
	if err := checkURL(c.APIBaseURL, "http", "https"); err != nil {
		errs = append(errs, fmt.Errorf("wecom.api_base_url: %w", err))
	}
	if err := checkURL(c.WSURL, "ws", "wss"); err != nil {
		errs = append(errs, fmt.Errorf("wecom.ws_url: %w", err))
	}
	if c.WebhookKey != "" {
		errs = append(errs, fmt.Errorf(`wecom.webhook_key: a group robot posts into its own group only, so one key for every chat would post one group's notices into another; put webhook_key in that group's [[chats]] entry (platform = "wecom", chat_id = "…") instead`))
	}
	for chat, k := range c.Robots {
		if k := k.Reveal(); k != "" && strings.ContainsAny(k, "?&#/ =") {
			// The key is the whole credential; a pasted URL instead of the key is the usual slip.
			errs = append(errs, fmt.Errorf("chats[%s].webhook_key: must be the key alone (the value after ?key= in the robot's URL)", chat))
		}
		if strings.HasPrefix(chat, singlePrefix) {
			errs = append(errs, fmt.Errorf("chats[%s].webhook_key: a group robot cannot reach a single chat", chat))
		}
	}
	if c.ChatType != ChatTypeGroup && c.ChatType != ChatTypeSingle {
		errs = append(errs, fmt.Errorf("wecom.chat_type: %d is not a WeCom chat type (1 or 2; 2 is a group)", c.ChatType))
	}
	return errs
}

// checkURL accepts an absolute URL with one of the schemes, a host, and no query or
// fragment.
func checkURL(raw string, schemes ...string) error {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return fmt.Errorf("%q is not an absolute URL", raw)
	}
	ok := false
	for _, s := range schemes {
		ok = ok || u.Scheme == s
	}
	if !ok {
		return fmt.Errorf("%q: scheme must be %s", raw, strings.Join(schemes, " or "))
	}
	if u.RawQuery != "" || u.Fragment != "" || u.User != nil {
		return fmt.Errorf("%q must not have credentials, a query or a fragment", raw)
	}
	return nil
}
