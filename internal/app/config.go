package app

import (
	"bytes"
	"errors"
	"fmt"
	"maps"
	"os"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/BurntSushi/toml"

	"github.com/ticketbot/ticketbot/bot"
	"github.com/ticketbot/ticketbot/command"
	"github.com/ticketbot/ticketbot/providers"
	"github.com/ticketbot/ticketbot/span"
	"github.com/ticketbot/ticketbot/store"
	"github.com/ticketbot/ticketbot/work"
)

// Config is the whole configuration file. Each integration owns its section's type and
// validation, and its descriptor in the registry says which type that is; a section that is
// absent turns that integration off.
type Config struct {
	Server ServerConfig   `toml:"server"`
	Store  StoreConfig    `toml:"store"`
	Log    LogConfig      `toml:"log"`
	Bot    command.Config `toml:"bot"`
	Watch  WatchConfig    `toml:"watch"`
	// Retention is [retention]: how long the janitor keeps finished records.
	Retention RetentionConfig `toml:"retention"`
	// Platforms are the chat platforms' sections, [<name>] at the top of the file, keyed by
	// registered name; each value is a pointer to the platform's own Config.
	Platforms map[string]bot.PlatformSection `toml:",sections"`
	// Providers is [providers]: [providers.<name>] keyed by registered name; each value is a
	// pointer to the vendor's own Config.
	Providers map[string]providers.Section `toml:"providers"`
	Chats     []command.Chat               `toml:"chats"`
	Users     []command.User               `toml:"users"`

	path string // the file it was read from
	// legacy says how to rewrite the keys of the file that are still read but outdated.
	legacy []string
}

// ServerConfig is [server].
type ServerConfig struct {
	// Listen is where the webhooks are served, and nothing else.
	Listen string `toml:"listen"`
	// AdminListen is where /healthz, /readyz, /metrics and (with Pprof) /debug/pprof are
	// served, apart from the webhooks: loopback by default ("127.0.0.1:9090"), so nothing
	// about the process is public; "0.0.0.0:9090" in a container whose probes come from
	// outside it.
	AdminListen string `toml:"admin_listen"`
	// Pprof serves Go's profiler at /debug/pprof on the admin listener.
	Pprof bool `toml:"pprof"`
	// TLSCert and TLSKey (PEM files, both or neither) serve the webhooks over HTTPS; without
	// them, put a reverse proxy that terminates TLS in front.
	TLSCert string `toml:"tls_cert"`
	TLSKey  string `toml:"tls_key"`
	// ShutdownTimeout bounds the drain of in-flight work on SIGTERM ("30s").
	ShutdownTimeout span.Duration `toml:"shutdown_timeout"`
	// MaxBody caps webhook request bodies in bytes (default 1 MiB).
	MaxBody int64 `toml:"max_body"`
}

// StoreConfig is [store].
type StoreConfig struct {
	Driver string `toml:"driver"`
	// DSN is a SQLite path, or a PostgreSQL connection string whose password is redacted
	// when printed.
	DSN DSN `toml:"dsn"`
	// MaxConns, StatementTimeout and ConnectTimeout bound a PostgreSQL store's connections
	// (10, "5s", "5s"; see store.PoolOptions). SQLite has one connection and ignores them.
	MaxConns         int           `toml:"max_conns"`
	StatementTimeout span.Duration `toml:"statement_timeout"`
	ConnectTimeout   span.Duration `toml:"connect_timeout"`
}

// pool is the PostgreSQL pool the section asks for.
func (s StoreConfig) pool() store.PoolOptions {
	return store.PoolOptions{MaxConns: s.MaxConns, StatementTimeout: s.StatementTimeout.D(), ConnectTimeout: s.ConnectTimeout.D()}
}

// WatchConfig is [watch]: how the watcher refreshes followed tickets.
type WatchConfig struct {
	// Enabled turns the watcher off when false (default true).
	Enabled *bool `toml:"enabled"`
	// Interval between sweeps ("60s").
	Interval span.Duration `toml:"interval"`
	// DeliverEvery is how often the outbox is checked ("1s").
	DeliverEvery span.Duration `toml:"deliver_every"`
	// Concurrency bounds vendor calls at once per provider that has no batch read (4).
	Concurrency int `toml:"concurrency"`
	// Batch is the ids per batch read where the vendor has one (100).
	Batch int `toml:"batch"`
	// ClosedEvery refreshes closed tickets every Nth sweep (10); ClosedFor stops after ("72h").
	ClosedEvery int           `toml:"closed_every"`
	ClosedFor   span.Duration `toml:"closed_for"`
	// InThread posts a single notice in its ticket card's thread (default true).
	InThread *bool `toml:"in_thread"`
	// NotesEvery is how often each open ticket's notes are read where the vendor's batch read
	// carries none ("5m"); NotesBudget bounds those reads per sweep (30).
	NotesEvery  span.Duration `toml:"notes_every"`
	NotesBudget int           `toml:"notes_budget"`
}

// RetentionConfig is [retention]: how long finished jobs, delivery ids, sent notices and
// audit entries are kept before the work engine's janitor (every replica, hourly) forgets
// them. Audit "0s", the default, keeps the audit for ever, as before the section existed:
// an upgrade never deletes audit history nobody asked to delete.
type RetentionConfig struct {
	Audit      span.Duration `toml:"audit"`      // "0s": for ever
	Jobs       span.Duration `toml:"jobs"`       // "168h"
	Deliveries span.Duration `toml:"deliveries"` // "24h", at least work.DeliveryRetention
	Notices    span.Duration `toml:"notices"`    // "168h", at least a day
}

// retention is the section as the bot takes it.
func (r RetentionConfig) retention() command.Retention {
	return command.Retention{Audit: r.Audit.D(), Jobs: r.Jobs.D(), Deliveries: r.Deliveries.D(), Notices: r.Notices.D()}
}

// defaults fills [retention] with what the bot would keep anyway, so `check -v` shows it.
func (r *RetentionConfig) defaults() {
	def := command.Retention{}.WithDefaults()
	setDefault(&r.Audit, 0)
	setDefault(&r.Jobs, def.Jobs)
	setDefault(&r.Deliveries, def.Deliveries)
	setDefault(&r.Notices, def.Notices)
}

// validate reports what is wrong with [retention]: a negative value anywhere, a zero one
// where zero would forget at once, and what would let a redelivery or a daily summary run
// twice.
func (r RetentionConfig) validate() []error {
	var errs []error
	if d := r.Audit.D(); d < 0 {
		errs = append(errs, fmt.Errorf("retention.audit: want a positive duration such as \"2160h\" (90 days), or \"0s\" to keep the audit for ever; got %q", span.Format(d)))
	}
	if d := r.Jobs.D(); d <= 0 {
		errs = append(errs, fmt.Errorf("retention.jobs: want a positive duration such as \"168h\" (7 days), got %q", span.Format(d)))
	}
	if d := r.Deliveries.D(); d < work.DeliveryRetention {
		errs = append(errs, fmt.Errorf("retention.deliveries: %q is shorter than %s: the platforms redeliver events and the webhooks accept them for up to that long, so a delivery id forgotten sooner would let a redelivery run again",
			span.Format(d), span.Format(work.DeliveryRetention)))
	}
	if d := r.Notices.D(); d < command.MinNoticeRetention {
		errs = append(errs, fmt.Errorf("retention.notices: %q is shorter than %s: a daily summary is remembered by its day, so forgetting it sooner would post it again",
			span.Format(d), span.Format(command.MinNoticeRetention)))
	}
	return errs
}

// LogConfig is [log].
type LogConfig struct {
	Level  string `toml:"level"`  // debug | info | warn | error
	Format string `toml:"format"` // text | json
}

// loadConfig reads and decodes a configuration file, applies defaults and returns every
// problem found, in the file's order: unset variables, unknown keys, wrong types,
// placeholders, missing keys, bad values. It never returns secrets in errors.
func loadConfig(path string) (*Config, []error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, []error{err}
	}
	return parseConfig(b)
}

// parseConfig is loadConfig for bytes.
func parseConfig(b []byte) (*Config, []error) {
	raw, md, err := parseTOML(b)
	if err != nil {
		return nil, []error{err}
	}
	var c Config
	c.legacy = legacyUserKeys(raw)
	d := newDecoder()
	d.table("", raw, reflect.ValueOf(&c).Elem())
	c.defaults()
	return &c, d.problems(md, reflect.TypeFor[Config](), c.validate())
}

// Complete fills the defaults of a configuration built in code (the demo's) and checks it as
// a file's would be: the error joins every problem.
func (c *Config) Complete() error {
	c.defaults()
	return errors.Join(c.validate()...)
}

// loadStoreConfig reads only [store] of a configuration file, for `ticketbot audit`, which
// reads the local database and needs no platform's or vendor's settings or secrets.
func loadStoreConfig(path string) (StoreConfig, []error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return StoreConfig{}, []error{err}
	}
	raw, md, err := parseTOML(b)
	if err != nil {
		return StoreConfig{}, []error{err}
	}
	// Decoded as a file holding [store] alone, so keys are named and placed as in check.
	var c struct {
		Store StoreConfig `toml:"store"`
	}
	d := newDecoder()
	if st, ok := raw["store"]; ok {
		d.table("", map[string]any{"store": st}, reflect.ValueOf(&c).Elem())
	}
	c.Store.defaults()
	return c.Store, d.problems(md, reflect.TypeOf(c), c.Store.validate())
}

// parseTOML reads the file into plain TOML values; only a syntax error stops it.
func parseTOML(b []byte) (map[string]any, toml.MetaData, error) {
	var raw map[string]any
	md, err := toml.NewDecoder(bytes.NewReader(b)).Decode(&raw)
	if err != nil {
		return nil, md, fmt.Errorf("config: %w", err)
	}
	return raw, md, nil
}

func (c *Config) defaults() {
	if c.Server.Listen == "" {
		c.Server.Listen = "127.0.0.1:8080"
	}
	if c.Server.AdminListen == "" {
		c.Server.AdminListen = "127.0.0.1:9090"
	}
	setDefault(&c.Server.ShutdownTimeout, 30*time.Second)
	if c.Server.MaxBody == 0 {
		c.Server.MaxBody = 1 << 20
	}
	c.Store.defaults()
	setDefault(&c.Watch.Interval, 60*time.Second)
	setDefault(&c.Watch.DeliverEvery, time.Second)
	setDefault(&c.Watch.ClosedFor, 72*time.Hour)
	setDefault(&c.Watch.NotesEvery, 5*time.Minute)
	if c.Watch.NotesBudget == 0 {
		c.Watch.NotesBudget = 30
	}
	c.Watch.defaults()
	c.Retention.defaults()
	if c.Log.Level == "" {
		c.Log.Level = "info"
	}
	if c.Log.Format == "" {
		c.Log.Format = "text"
	}
	for _, s := range c.Platforms {
		s.Defaults()
	}
	for _, s := range c.Providers {
		s.Defaults()
	}
	c.Bot = botDefaults(c.Bot)
	for i := range c.Chats {
		if c.Chats[i].NotifyNotes == nil {
			c.Chats[i].NotifyNotes = ptr(true)
		}
		if c.Chats[i].Language == "" {
			c.Chats[i].Language = command.DefaultLanguage
		}
	}
	c.Bot.Chats, c.Bot.Users = c.Chats, c.Users
	c.Bot.Retention = c.Retention.retention()
	for name, s := range c.Platforms {
		if cs, ok := s.(bot.ChatsSection); ok {
			cs.UseChats(chatEntries(c.Chats, name)) // each group's own robot, from [[chats]]
		}
	}
}

// chatEntries are the [[chats]] entries of one platform, as its section sees them.
func chatEntries(chats []command.Chat, platform string) []bot.ChatEntry {
	var out []bot.ChatEntry
	for i, ch := range chats {
		if ch.Platform == platform {
			out = append(out, bot.ChatEntry{Index: i, ChatID: ch.ChatID, WebhookKey: ch.WebhookKey})
		}
	}
	return out
}

// defaults fills [store] as the server opens it.
func (s *StoreConfig) defaults() {
	if s.Driver == "" {
		s.Driver = "sqlite"
	}
	if s.DSN == "" && s.Driver == "sqlite" {
		s.DSN = "ticketbot.db"
	}
	if s.MaxConns == 0 {
		s.MaxConns = store.DefaultMaxConns
	}
	setDefault(&s.StatementTimeout, store.DefaultStatementTimeout)
	setDefault(&s.ConnectTimeout, store.DefaultConnectTimeout)
}

// validate reports what is wrong with [store].
func (s StoreConfig) validate() []error {
	switch s.Driver {
	case "sqlite":
		return nil
	case "postgres":
		var errs []error
		switch {
		case s.DSN == "":
			errs = append(errs, errors.New(`store.dsn: required for postgres, such as "postgres://ticketbot@db:5432/ticketbot" (a password as "${TICKETBOT_PG_DSN}")`))
		case store.CheckPostgresDSN(s.DSN.Reveal()) != nil:
			errs = append(errs, errors.New("store.dsn: does not parse as a PostgreSQL connection string (postgres://user@host:5432/dbname)"))
		}
		if s.MaxConns < 1 {
			errs = append(errs, fmt.Errorf("store.max_conns: want at least 1, got %d", s.MaxConns))
		}
		for _, f := range []struct {
			key string
			v   span.Duration
		}{{"store.statement_timeout", s.StatementTimeout}, {"store.connect_timeout", s.ConnectTimeout}} {
			if f.v.D() <= 0 {
				errs = append(errs, fmt.Errorf("%s: want a positive duration such as \"5s\", got %q", f.key, span.Format(f.v.D())))
			}
		}
		return errs
	default:
		return []error{fmt.Errorf("store.driver: unknown driver %q (sqlite or postgres)", s.Driver)}
	}
}

// defaults fills the rest of [watch] with the values the watcher would otherwise pick later
// (bot.WatchConfig), so `check -v` shows what runs.
func (w *WatchConfig) defaults() {
	def := bot.WatchConfig{}.WithDefaults()
	for _, f := range []struct {
		n   *int
		def int
	}{{&w.Concurrency, def.Concurrency}, {&w.Batch, def.Batch}, {&w.ClosedEvery, def.ClosedEvery}} {
		if *f.n == 0 {
			*f.n = f.def
		}
	}
	if w.Enabled == nil {
		w.Enabled = ptr(true)
	}
	if w.InThread == nil {
		w.InThread = ptr(true)
	}
}

// botDefaults fills [bot] with the values the dispatcher, the rate limiter and the outbox
// would otherwise pick later.
func botDefaults(b command.Config) command.Config {
	def := bot.DispatcherConfig{}.WithDefaults()
	if b.Workers == 0 {
		b.Workers = def.Workers
	}
	if b.Queue == 0 {
		b.Queue = def.Queue
	}
	setDefault(&b.ActionWait, def.ActionWait)
	setDefault(&b.CommandTimeout, def.CommandTimeout)
	if b.CommandsPerMinute == 0 {
		b.CommandsPerMinute = command.DefaultCommandsPerMinute
	}
	b.Retry = b.Retry.WithDefaults()
	if b.Timezone == "" {
		b.Timezone = command.DefaultTimezone
	}
	if b.WeeklyReport == "" {
		b.WeeklyReport = command.DefaultWeeklyReport
	}
	if b.SubscriptionLimit == 0 {
		b.SubscriptionLimit = command.DefaultSubscriptionLimit
	}
	b.Reminders = b.Reminders.WithDefaults()
	return b
}

func ptr[T any](v T) *T { return &v }

// setDefault gives d its default when the file left it out.
func setDefault(d *span.Duration, def time.Duration) {
	if !d.IsSet() {
		*d = span.Of(def)
	}
}

func (c *Config) validate() []error {
	errs := c.Server.validate()
	for _, f := range []struct {
		key string
		v   span.Duration
	}{{"watch.interval", c.Watch.Interval}, {"watch.deliver_every", c.Watch.DeliverEvery}, {"watch.closed_for", c.Watch.ClosedFor}, {"watch.notes_every", c.Watch.NotesEvery}} {
		if f.v.D() <= 0 {
			errs = append(errs, fmt.Errorf("%s: want a positive duration such as \"60s\", got %q", f.key, span.Format(f.v.D())))
		}
	}
	for _, f := range []struct {
		key string
		n   int
	}{{"watch.concurrency", c.Watch.Concurrency}, {"watch.batch", c.Watch.Batch}, {"watch.closed_every", c.Watch.ClosedEvery}} {
		if f.n < 0 {
			errs = append(errs, fmt.Errorf("%s: must be a positive whole number, got %d", f.key, f.n))
		}
	}
	if c.Watch.NotesBudget < 1 {
		errs = append(errs, fmt.Errorf("watch.notes_budget: want at least 1 note read per sweep, got %d", c.Watch.NotesBudget))
	}
	errs = append(errs, c.Store.validate()...)
	errs = append(errs, c.Retention.validate()...)
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
	errs = append(errs, checkActionWait(c.Bot.ActionWait)...)
	if d := c.Bot.CommandTimeout.D(); d <= 0 {
		errs = append(errs, fmt.Errorf("bot.command_timeout: want a positive duration such as \"60s\", got %q", span.Format(d)))
	}
	var platforms []string
	for _, p := range platformRegistry {
		platforms = append(platforms, "["+p.Name+"]")
		if sec := c.Platforms[p.Name]; sec != nil {
			errs = append(errs, sec.Validate()...)
		}
	}
	if len(c.Platforms) == 0 {
		errs = append(errs, fmt.Errorf("no chat platform is configured: add a %s section", orList(platforms)))
	}
	configured := map[string]bool{}
	var vendors []string
	for _, d := range vendorRegistry.All() {
		vendors = append(vendors, "[providers."+d.Name+"]")
		if sec := c.Providers[d.Name]; sec != nil {
			configured[d.Name] = true
			errs = append(errs, sec.Validate()...)
		}
	}
	if len(configured) == 0 {
		errs = append(errs, fmt.Errorf("no provider is configured: add a %s section", orList(vendors)))
	}
	var all []string
	for _, d := range vendorRegistry.All() {
		all = append(all, d.Name)
	}
	errs = append(errs, c.Bot.Validate(command.Known{Vendors: configured, AllVendors: all, Platforms: platformRegistry})...)
	return errs
}

// checkActionWait checks [bot] action_wait, the one card answer deadline: how long a click
// waits for its result before the platform is answered "in progress" and the card is updated
// later. A platform with a CardAnswerLimit shows an error for a card callback not answered
// within it, so the wait must end well before, leaving room for the network.
func checkActionWait(w span.Duration) []error {
	d, v := w.D(), span.Format(w.D())
	switch {
	case d <= 0:
		return []error{fmt.Errorf("bot.action_wait: %q is not a positive duration; a click needs some time to answer with its result (e.g. \"2.5s\")", v)}
	}
	for _, p := range platformRegistry {
		if p.CardAnswerLimit > 0 && d >= p.CardAnswerLimit {
			return []error{fmt.Errorf("bot.action_wait: %q is too long: %s wants a card click answered within %s, so keep it below that, with room for the network (e.g. \"2.5s\")",
				v, p.Label, span.Format(p.CardAnswerLimit))}
		}
	}
	return nil
}

// orList joins "a, b or c".
func orList(items []string) string {
	if len(items) < 2 {
		return strings.Join(items, "")
	}
	return strings.Join(items[:len(items)-1], ", ") + " or " + items[len(items)-1]
}

// String renders the effective configuration as TOML, defaults filled in and secrets
// redacted, for `check -v` and debugging.
func (c *Config) String() string {
	var buf bytes.Buffer
	if err := toml.NewEncoder(&buf).Encode(printable(reflect.ValueOf(c).Elem()).Interface()); err != nil {
		return "config: " + err.Error()
	}
	return buf.String()
}

// legacyUserKeys rewrites the [[users]] keys from before ids = {…} (<platform>_open_id,
// <vendor>_creator_id, …: each registered platform's and vendor's LegacyUserKey) into ids, so
// an old file still works, and returns how to write each one now. An id given both ways
// keeps the one in ids.
func legacyUserKeys(raw map[string]any) []string {
	legacy := map[string]string{}
	for _, p := range platformRegistry {
		if p.LegacyUserKey != "" {
			legacy[p.LegacyUserKey] = p.Name
		}
	}
	for _, v := range vendorRegistry.All() {
		if v.LegacyUserKey != "" {
			legacy[v.LegacyUserKey] = v.Name
		}
	}
	users, _ := raw["users"].([]map[string]any)
	var hints []string
	for i, u := range users {
		for _, old := range slices.Sorted(maps.Keys(u)) {
			name, ok := legacy[old]
			if !ok {
				continue
			}
			var id string
			switch v := u[old].(type) {
			case string:
				id = v
			case int64:
				id = strconv.FormatInt(v, 10)
			default:
				continue // a wrong type: left for the decoder to report as an unknown key
			}
			ids, ok := u["ids"].(map[string]any)
			if !ok {
				if _, present := u["ids"]; present {
					continue
				}
				ids = map[string]any{}
				u["ids"] = ids
			}
			if _, set := ids[name]; !set {
				ids[name] = id
			}
			delete(u, old)
			hints = append(hints, fmt.Sprintf("users[%d].%s is still read, but write it as ids = { %s = %q } (one ids table per person holds every platform and vendor)", i, old, name, id))
		}
	}
	return hints
}
