package main

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/BurntSushi/toml"

	"github.com/ticketbot/ticketbot/bot/feishu"
	"github.com/ticketbot/ticketbot/bot/wecom"
	"github.com/ticketbot/ticketbot/handlers"
	"github.com/ticketbot/ticketbot/providers"
	"github.com/ticketbot/ticketbot/providers/aliyun"
	"github.com/ticketbot/ticketbot/providers/ksyun"
	"github.com/ticketbot/ticketbot/providers/weiban"
)

// Config is the whole configuration file. Each integration owns its section's type and
// validation; a section that is absent turns that integration off.
type Config struct {
	Server ServerConfig    `toml:"server"`
	Store  StoreConfig     `toml:"store"`
	Log    LogConfig       `toml:"log"`
	Bot    handlers.Config `toml:"bot"`
	Watch  WatchConfig     `toml:"watch"`
	Feishu *feishu.Config  `toml:"feishu"`
	WeCom  *wecom.Config   `toml:"wecom"`
	// Providers are decoded per vendor after the first pass, so each vendor's package owns
	// its keys and leftovers are reported as unknown.
	Providers map[string]toml.Primitive `toml:"providers"`
	Chats     []handlers.Chat           `toml:"chats"`
	Users     []handlers.User           `toml:"users"`

	Ksyun  *ksyun.Config  `toml:"-"`
	Aliyun *aliyun.Config `toml:"-"`
	Weiban *weiban.Config `toml:"-"`

	path string // the file it was read from
}

// ServerConfig is [server].
type ServerConfig struct {
	Listen string `toml:"listen"`
	// ShutdownTimeout bounds the drain of in-flight work on SIGTERM ("30s").
	ShutdownTimeout string `toml:"shutdown_timeout"`
	// MaxBody caps webhook request bodies in bytes (default 1 MiB).
	MaxBody int64 `toml:"max_body"`
}

// StoreConfig is [store].
type StoreConfig struct {
	Driver string `toml:"driver"`
	// DSN may carry a password (PostgreSQL), so it is a Secret.
	DSN providers.Secret `toml:"dsn"`
}

// WatchConfig is [watch]: how the watcher refreshes followed tickets.
type WatchConfig struct {
	// Enabled turns the watcher off when false (default true).
	Enabled *bool `toml:"enabled"`
	// Interval between sweeps ("60s").
	Interval string `toml:"interval"`
	// DeliverEvery is how often the outbox is checked ("1s").
	DeliverEvery string `toml:"deliver_every"`
	// Concurrency bounds vendor calls at once per provider that has no batch read (4).
	Concurrency int `toml:"concurrency"`
	// Batch is the ids per batch read where the vendor has one (100).
	Batch int `toml:"batch"`
	// ClosedEvery refreshes closed tickets every Nth sweep (10); ClosedFor stops after ("72h").
	ClosedEvery int    `toml:"closed_every"`
	ClosedFor   string `toml:"closed_for"`
	// InThread posts a single notice in its ticket card's thread (default true).
	InThread *bool `toml:"in_thread"`
	// NotesEvery is how often each open ticket's notes are read where the vendor's batch read
	// carries none (Aliyun; "5m"); NotesBudget bounds those reads per sweep (30).
	NotesEvery  string `toml:"notes_every"`
	NotesBudget int    `toml:"notes_budget"`
}

// LogConfig is [log].
type LogConfig struct {
	Level  string `toml:"level"`  // debug | info | warn | error
	Format string `toml:"format"` // text | json
}

// knownProviders are the vendor sections this build understands.
var knownProviders = []string{"aliyun", "ksyun", "weiban"}

// LoadConfig reads and decodes a configuration file, applies defaults and returns every
// problem found: unknown keys, missing keys, bad values. It never returns secrets in errors.
func LoadConfig(path string) (*Config, []error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, []error{err}
	}
	return ParseConfig(b)
}

// ParseConfig is LoadConfig for bytes.
func ParseConfig(b []byte) (*Config, []error) {
	var c Config
	md, err := toml.NewDecoder(bytes.NewReader(b)).Decode(&c)
	if err != nil {
		return nil, []error{fmt.Errorf("config: %w", err)}
	}
	var errs []error
	for name, prim := range c.Providers {
		switch name {
		case "ksyun":
			var k ksyun.Config
			if err := md.PrimitiveDecode(prim, &k); err != nil {
				errs = append(errs, fmt.Errorf("providers.ksyun: %w", err))
				continue
			}
			c.Ksyun = &k
		case "aliyun":
			var a aliyun.Config
			if err := md.PrimitiveDecode(prim, &a); err != nil {
				errs = append(errs, fmt.Errorf("providers.aliyun: %w", err))
				continue
			}
			c.Aliyun = &a
		case "weiban":
			var w weiban.Config
			if err := md.PrimitiveDecode(prim, &w); err != nil {
				errs = append(errs, fmt.Errorf("providers.weiban: %w", err))
				continue
			}
			c.Weiban = &w
		default:
			errs = append(errs, fmt.Errorf("providers.%s: unknown provider (this build knows: %s)", name, strings.Join(knownProviders, ", ")))
		}
	}
	var unknown []string
	for _, k := range md.Undecoded() {
		if len(k) == 2 && k[0] == "providers" {
			continue // reported above as an unknown provider
		}
		unknown = append(unknown, k.String())
	}
	sort.Strings(unknown)
	for _, k := range unknown {
		errs = append(errs, fmt.Errorf("%s: unknown key", k))
	}
	c.defaults()
	errs = append(errs, c.validate()...)
	return &c, errs
}

func (c *Config) defaults() {
	if c.Server.Listen == "" {
		c.Server.Listen = "127.0.0.1:8080"
	}
	if c.Server.ShutdownTimeout == "" {
		c.Server.ShutdownTimeout = "30s"
	}
	if c.Server.MaxBody == 0 {
		c.Server.MaxBody = 1 << 20
	}
	if c.Store.Driver == "" {
		c.Store.Driver = "sqlite"
	}
	if c.Store.DSN == "" {
		c.Store.DSN = "ticketbot.db"
	}
	if c.Watch.Interval == "" {
		c.Watch.Interval = "60s"
	}
	if c.Watch.DeliverEvery == "" {
		c.Watch.DeliverEvery = "1s"
	}
	if c.Watch.ClosedFor == "" {
		c.Watch.ClosedFor = "72h"
	}
	if c.Watch.NotesEvery == "" {
		c.Watch.NotesEvery = "5m"
	}
	if c.Watch.NotesBudget == 0 {
		c.Watch.NotesBudget = 30
	}
	if c.Log.Level == "" {
		c.Log.Level = "info"
	}
	if c.Log.Format == "" {
		c.Log.Format = "text"
	}
	if c.Feishu != nil {
		c.Feishu.Defaults()
	}
	if c.WeCom != nil {
		c.WeCom.Defaults()
	}
	if c.Ksyun != nil {
		c.Ksyun.Defaults()
	}
	if c.Aliyun != nil {
		c.Aliyun.Defaults()
	}
	if c.Weiban != nil {
		c.Weiban.Defaults()
	}
	c.Bot.Chats, c.Bot.Users = c.Chats, c.Users
}

func (c *Config) validate() []error {
	var errs []error
	if _, err := time.ParseDuration(c.Server.ShutdownTimeout); err != nil {
		errs = append(errs, fmt.Errorf("server.shutdown_timeout: %w", err))
	}
	for key, v := range map[string]string{"watch.interval": c.Watch.Interval, "watch.deliver_every": c.Watch.DeliverEvery, "watch.closed_for": c.Watch.ClosedFor, "watch.notes_every": c.Watch.NotesEvery} {
		if d, err := time.ParseDuration(v); err != nil || d <= 0 {
			errs = append(errs, fmt.Errorf("%s: want a positive duration such as \"60s\", got %q", key, v))
		}
	}
	if c.Watch.NotesBudget < 1 {
		errs = append(errs, fmt.Errorf("watch.notes_budget: want at least 1 note read per sweep, got %d", c.Watch.NotesBudget))
	}
	switch c.Store.Driver {
	case "sqlite":
	case "postgres":
		errs = append(errs, errors.New("store.driver: postgres is not available in this build yet (use sqlite)"))
	default:
		errs = append(errs, fmt.Errorf("store.driver: unknown driver %q (sqlite or postgres)", c.Store.Driver))
	}
	switch c.Log.Level {
	case "debug", "info", "warn", "error":
	default:
		errs = append(errs, fmt.Errorf("log.level: unknown level %q", c.Log.Level))
	}
	switch c.Log.Format {
	case "text", "json":
	default:
		errs = append(errs, fmt.Errorf("log.format: unknown format %q (text or json)", c.Log.Format))
	}
	if c.Bot.ActionWait != "" {
		if _, err := time.ParseDuration(c.Bot.ActionWait); err != nil {
			errs = append(errs, fmt.Errorf("bot.action_wait: %w", err))
		}
	}
	if c.Feishu == nil && c.WeCom == nil {
		errs = append(errs, errors.New("no chat platform is configured: add a [feishu] or [wecom] section"))
	}
	if c.Feishu != nil {
		errs = append(errs, c.Feishu.Validate()...)
	}
	if c.WeCom != nil {
		errs = append(errs, c.WeCom.Validate()...)
	}
	configured := map[string]bool{}
	if c.Ksyun != nil {
		configured["ksyun"] = true
		errs = append(errs, c.Ksyun.Validate()...)
	}
	if c.Aliyun != nil {
		configured["aliyun"] = true
		errs = append(errs, c.Aliyun.Validate()...)
	}
	if c.Weiban != nil {
		configured["weiban"] = true
		errs = append(errs, c.Weiban.Validate()...)
	}
	if len(configured) == 0 {
		errs = append(errs, errors.New("no provider is configured: add a [providers.ksyun], [providers.aliyun] or [providers.weiban] section"))
	}
	errs = append(errs, c.Bot.Validate(configured)...)
	return errs
}

// String renders the configuration as TOML with every secret redacted, for `check -v` and
// debugging.
func (c *Config) String() string {
	view := struct {
		Server ServerConfig    `toml:"server"`
		Store  StoreConfig     `toml:"store"`
		Log    LogConfig       `toml:"log"`
		Watch  WatchConfig     `toml:"watch"`
		Bot    handlers.Config `toml:"bot"`
		Feishu *feishu.Config  `toml:"feishu,omitempty"`
		WeCom  *wecom.Config   `toml:"wecom,omitempty"`
		Prov   map[string]any  `toml:"providers,omitempty"`
		Chats  []handlers.Chat `toml:"chats,omitempty"`
		Users  []handlers.User `toml:"users,omitempty"`
	}{Server: c.Server, Store: c.Store, Log: c.Log, Watch: c.Watch, Bot: c.Bot, Feishu: c.Feishu, WeCom: c.WeCom, Chats: c.Chats, Users: c.Users}
	view.Prov = map[string]any{}
	if c.Ksyun != nil {
		view.Prov["ksyun"] = c.Ksyun
	}
	if c.Aliyun != nil {
		view.Prov["aliyun"] = c.Aliyun
	}
	if c.Weiban != nil {
		view.Prov["weiban"] = c.Weiban
	}
	var buf bytes.Buffer
	if err := toml.NewEncoder(&buf).Encode(view); err != nil {
		return "config: " + err.Error()
	}
	return buf.String()
}
