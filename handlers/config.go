package handlers

import (
	"fmt"
	"strconv"
)

// Config is the behaviour part of the configuration: [bot], [[chats]] and [[users]].
type Config struct {
	// DefaultProvider is used when a command or chat names none.
	DefaultProvider string `toml:"default_provider"`
	// TemplatesDir overrides embedded templates file by file (<dir>/<platform>/<name>.json.tmpl).
	TemplatesDir string `toml:"templates_dir"`
	// Workers, Queue and ActionWait tune the dispatcher (see bot.DispatcherConfig).
	Workers    int    `toml:"workers"`
	Queue      int    `toml:"queue"`
	ActionWait string `toml:"action_wait"`

	Chats []Chat `toml:"-"`
	Users []User `toml:"-"`
}

// Chat is a [[chats]] entry. When any is configured, only those chats may act.
type Chat struct {
	Platform string `toml:"platform"`
	ChatID   string `toml:"chat_id"`
	// Provider is the chat's default provider.
	Provider string `toml:"provider"`
	// Admins may close any ticket of the chat (platform user ids).
	Admins []string `toml:"admins"`
}

// User maps a person's chat identities to their vendor identities ([[users]]).
type User struct {
	FeishuOpenID   string `toml:"feishu_open_id"`
	WecomUserID    string `toml:"wecom_userid"`
	Name           string `toml:"name"`
	KsyunCreatorID int64  `toml:"ksyun_creator_id"`
}

// VendorID is the person's identity at a provider, or "" when unmapped.
func (u User) VendorID(provider string) string {
	switch provider {
	case "ksyun":
		if u.KsyunCreatorID != 0 {
			return strconv.FormatInt(u.KsyunCreatorID, 10)
		}
	}
	return ""
}

// Validate reports problems naming their keys; providers lists the configured providers.
func (c Config) Validate(providers map[string]bool) []error {
	var errs []error
	if c.DefaultProvider != "" && !providers[c.DefaultProvider] {
		errs = append(errs, fmt.Errorf("bot.default_provider: %q is not a configured provider", c.DefaultProvider))
	}
	seen := map[string]bool{}
	for i, ch := range c.Chats {
		key := fmt.Sprintf("chats[%d]", i)
		switch ch.Platform {
		case "feishu", "wecom":
		case "":
			errs = append(errs, fmt.Errorf("%s.platform: missing (feishu or wecom)", key))
		default:
			errs = append(errs, fmt.Errorf("%s.platform: unknown platform %q (feishu or wecom)", key, ch.Platform))
		}
		if ch.ChatID == "" {
			errs = append(errs, fmt.Errorf("%s.chat_id: missing", key))
		}
		if ch.Provider != "" && !providers[ch.Provider] {
			errs = append(errs, fmt.Errorf("%s.provider: %q is not a configured provider", key, ch.Provider))
		}
		if seen[ch.Platform+"/"+ch.ChatID] {
			errs = append(errs, fmt.Errorf("%s.chat_id: %s listed twice", key, ch.ChatID))
		}
		seen[ch.Platform+"/"+ch.ChatID] = true
	}
	for i, u := range c.Users {
		if u.FeishuOpenID == "" && u.WecomUserID == "" {
			errs = append(errs, fmt.Errorf("users[%d]: needs feishu_open_id or wecom_userid", i))
		}
	}
	return errs
}
