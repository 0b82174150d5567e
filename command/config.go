package command

import (
	"cmp"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/ticketbot/ticketbot/bot"
	"github.com/ticketbot/ticketbot/providers"
	"github.com/ticketbot/ticketbot/retry"
	"github.com/ticketbot/ticketbot/span"
)

// Config is the behaviour part of the configuration: [bot], [[chats]] and [[users]].
type Config struct {
	// DefaultProvider is used when a command or chat names none.
	DefaultProvider string `toml:"default_provider"`
	// TemplatesDir overrides embedded templates file by file (<dir>/<platform>/<name>.json.tmpl)
	// and sentences one by one (<dir>/messages.toml).
	TemplatesDir string `toml:"templates_dir"`
	// Workers, Queue, ActionWait and CommandTimeout tune the dispatcher (see
	// bot.DispatcherConfig).
	Workers        int           `toml:"workers"`
	Queue          int           `toml:"queue"`
	ActionWait     span.Duration `toml:"action_wait"`
	CommandTimeout span.Duration `toml:"command_timeout"`
	// CommandsPerMinute is each person's command budget (default 20; -1 turns it off).
	CommandsPerMinute int `toml:"commands_per_minute"`
	// Retry is [bot.retry]: the outbox's retries of writes to a vendor that is down.
	Retry retry.Config `toml:"retry"`
	// Timezone is the IANA zone of daily summaries, weekly reports, quiet hours and the times
	// on cards (default Asia/Shanghai).
	Timezone string `toml:"timezone"`
	// WeeklyReport is when every chat that follows a ticket gets its weekly report ("mon
	// 09:30", the default: a day and a time in Timezone), unless [[chats]] says otherwise;
	// "off" posts none.
	WeeklyReport string `toml:"weekly_report"`
	// SubscriptionLimit is the most open tickets a subscription (订阅) may bring into a chat
	// (default 200): more asks for a narrower filter.
	SubscriptionLimit int `toml:"subscription_limit"`
	// Reminders is [bot.reminders]: the reminders of tickets that wait on us
	// (remind_config.go).
	Reminders Reminders `toml:"reminders"`

	Chats []Chat `toml:"-"`
	Users []User `toml:"-"`
	// Retention is [retention]: how long finished records are kept.
	Retention Retention `toml:"-"`
}

// Chat is a [[chats]] entry. When any is configured, only those chats may act.
type Chat struct {
	Platform string `toml:"platform"`
	ChatID   string `toml:"chat_id"`
	// Provider is the chat's default provider.
	Provider string `toml:"provider"`
	// Admins may close any ticket of the chat (platform user ids).
	Admins []string `toml:"admins"`
	// Members, when set, are the only ones (with the admins) who may create, reply and
	// close; everyone in the chat may still view, list and watch.
	Members []string `toml:"members"`
	// NotifyStatuses names the status notices that are announced (bot.NoticeKinds: the status
	// a ticket reaches, or "reopened" when it leaves closed or cancelled). Default: all of
	// them, the status model's policy, which config.toml.example lists.
	NotifyStatuses []string `toml:"notify_statuses"`
	// NotifyNotes announces new vendor replies (default true); notify_statuses does not
	// govern them.
	NotifyNotes *bool `toml:"notify_notes"`
	// QuietHours holds notices in a daily window ("22:00-08:00"); they arrive as one digest
	// when it ends.
	QuietHours string `toml:"quiet_hours"`
	// DailySummary posts the open tickets every day at this time ("09:30").
	DailySummary string `toml:"daily_summary"`
	// WeeklyReport is this chat's weekly report day and time ("fri 17:00"), or "off"; empty
	// takes [bot] weekly_report.
	WeeklyReport string `toml:"weekly_report"`
	// Language is what the bot speaks here, "zh" (the default) or "en": its cards, notices and
	// answers, unless the chat's admins or a person chose otherwise (语言; see langs.go).
	Language string `toml:"language"`
	// Unfurl answers a message that names a ticket ("<vendor>:1204", a link to its page in the
	// vendor's console) with its card even when it does not mention the bot, where the
	// platform lets the bot read the group (unfurl.go).
	Unfurl bool `toml:"unfurl"`
	// Subscribe presets the chat's subscriptions, each as 订阅 takes it ("<vendor>
	// 客户=…"): made at start when the chat has none with that filter (subscribe.go).
	Subscribe []string `toml:"subscribe"`
	// WebhookKey is the key of this group's own webhook robot, on a platform that has them
	// (PlatformDescriptor.Robots): how notices reach the group when no answer window is open.
	WebhookKey bot.Secret `toml:"webhook_key,omitempty"`
	// Reminders turns this chat's reminders of tickets that wait on us on or off (default:
	// [bot.reminders] enabled); its remind_after, remind_every, escalate_after,
	// working_hours, working_days and escalate_to override [bot.reminders]' here.
	Reminders *bool `toml:"reminders,omitempty"`
	ReminderSettings
}

// Policy is the chat's notification policy for the watcher.
func (c Config) Policy(platform, chatID string) bot.ChatPolicy {
	for _, ch := range c.Chats {
		if ch.Platform != platform || ch.ChatID != chatID {
			continue
		}
		var p bot.ChatPolicy
		if ch.NotifyStatuses != nil {
			p.Notify = map[string]bool{}
			for _, s := range ch.NotifyStatuses {
				p.Notify[s] = true
			}
		}
		p.MuteNotes = ch.NotifyNotes != nil && !*ch.NotifyNotes
		if w, err := parseWindow(ch.QuietHours); err == nil && w != nil {
			p.Quiet = w
		}
		p.Summary = ch.DailySummary
		p.Report = c.weekly(ch.WeeklyReport)
		p.Remind, p.Admins = c.reminders(&ch), ch.Admins
		return p
	}
	return bot.ChatPolicy{Report: c.weekly(""), Remind: c.reminders(nil)}
}

// DefaultWeeklyReport is [bot] weekly_report when unset: Monday morning.
const DefaultWeeklyReport = "mon 09:30"

// weekly is the weekly report time of a chat whose own setting is chat ("": [bot]'s, then
// the default); nil is off. A value Validate refuses is off too.
func (c Config) weekly(chat string) *bot.Weekly {
	s := cmp.Or(chat, c.WeeklyReport, DefaultWeeklyReport)
	w, _ := parseWeekly(s)
	return w
}

// weekdays are the names a weekly time's day may be written by: English, whole or its first
// three letters, and 周一…周日.
var weekdays = func() map[string]time.Weekday {
	m := map[string]time.Weekday{}
	for d := time.Sunday; d <= time.Saturday; d++ {
		name := strings.ToLower(d.String())
		m[name], m[name[:3]] = d, d
		m["周"+"日一二三四五六"[3*d:3*d+3]] = d
	}
	return m
}()

// parseWeekly reads "mon 09:30" (a day and HH:MM); "off" is none (nil).
func parseWeekly(s string) (*bot.Weekly, error) {
	s = strings.TrimSpace(s)
	if strings.EqualFold(s, "off") {
		return nil, nil
	}
	bad := fmt.Errorf(`want a day and a time such as "mon 09:30", or "off"; got %q`, s)
	day, at, ok := strings.Cut(s, " ")
	wd, known := weekdays[strings.ToLower(day)]
	if !ok || !known {
		return nil, bad
	}
	t, err := clock(at)
	if err != nil {
		return nil, bad
	}
	return &bot.Weekly{Day: wd, At: t}, nil
}

// DefaultTimezone is [bot] timezone when unset: where our users are.
const DefaultTimezone = "Asia/Shanghai"

// Location is the zone of [bot] timezone (Asia/Shanghai when unset); Validate reports a
// name that does not load.
func (c Config) Location() (*time.Location, error) {
	if c.Timezone == "" {
		return bot.DefaultLocation(), nil
	}
	return time.LoadLocation(c.Timezone)
}

// parseWindow reads "22:00-08:00"; "" is no window.
func parseWindow(s string) (*bot.Window, error) {
	if s == "" {
		return nil, nil
	}
	from, to, ok := strings.Cut(s, "-")
	if !ok {
		return nil, fmt.Errorf("want HH:MM-HH:MM, got %q", s)
	}
	f, err1 := clock(from)
	t, err2 := clock(to)
	if err1 != nil || err2 != nil {
		return nil, fmt.Errorf("want HH:MM-HH:MM, got %q", s)
	}
	return &bot.Window{From: f, To: t}, nil
}

func clock(s string) (time.Duration, error) {
	t, err := time.Parse("15:04", strings.TrimSpace(s))
	if err != nil {
		return 0, err
	}
	return time.Duration(t.Hour())*time.Hour + time.Duration(t.Minute())*time.Minute, nil
}

// User maps a person's ids on the chat platforms to their ids at the vendors ([[users]]),
// keyed by the registered names: ids = { <platform> = "ou_…", <vendor> = "38361" }.
type User struct {
	Name string            `toml:"name"`
	IDs  map[string]string `toml:"ids"`
}

// VendorID is the person's identity at a provider, or "" when unmapped.
func (u User) VendorID(provider string) string { return u.IDs[provider] }

// Known is what Validate checks names against.
type Known struct {
	// Vendors are the configured vendors; AllVendors every vendor this build knows.
	Vendors    map[string]bool
	AllVendors []string
	// Platforms are the chat platforms this build knows.
	Platforms []bot.PlatformDescriptor
}

// Validate reports problems naming their keys.
func (c Config) Validate(known Known) []error {
	configured := known.Vendors
	platforms, robots, robotLabels := []string{}, map[string]bool{}, []string{}
	for _, p := range known.Platforms {
		platforms = append(platforms, p.Name)
		robots[p.Name] = p.Robots
		if p.Robots {
			robotLabels = append(robotLabels, p.Label)
		}
	}
	platformList := strings.Join(platforms, " or ")
	var errs []error
	if c.DefaultProvider != "" && !configured[c.DefaultProvider] {
		errs = append(errs, fmt.Errorf("bot.default_provider: %q is not a configured provider", c.DefaultProvider))
	}
	if _, rerrs := c.Retry.Policy(); len(rerrs) > 0 {
		errs = append(errs, rerrs...)
	}
	if _, err := c.Location(); err != nil {
		errs = append(errs, fmt.Errorf("bot.timezone: unknown time zone %q (an IANA name such as \"Asia/Shanghai\")", c.Timezone))
	}
	if c.WeeklyReport != "" {
		if _, err := parseWeekly(c.WeeklyReport); err != nil {
			errs = append(errs, fmt.Errorf("bot.weekly_report: %w", err))
		}
	}
	if c.SubscriptionLimit < 0 {
		errs = append(errs, fmt.Errorf("bot.subscription_limit: want a positive number of tickets, got %d", c.SubscriptionLimit))
	}
	errs = append(errs, c.Reminders.validate("bot.reminders", platforms)...)
	seen := map[string]bool{}
	for i, ch := range c.Chats {
		key := fmt.Sprintf("chats[%d]", i)
		switch {
		case slices.Contains(platforms, ch.Platform):
		case ch.Platform == "":
			errs = append(errs, fmt.Errorf("%s.platform: missing (%s)", key, platformList))
		default:
			errs = append(errs, fmt.Errorf("%s.platform: unknown platform %q (%s)", key, ch.Platform, platformList))
		}
		if ch.ChatID == "" {
			errs = append(errs, fmt.Errorf("%s.chat_id: missing", key))
		}
		if ch.Provider != "" && !configured[ch.Provider] {
			errs = append(errs, fmt.Errorf("%s.provider: %q is not a configured provider", key, ch.Provider))
		}
		for _, st := range ch.NotifyStatuses {
			if err := noticeKind(st); err != nil {
				errs = append(errs, fmt.Errorf("%s.notify_statuses: %w", key, err))
			}
		}
		if _, err := parseWindow(ch.QuietHours); err != nil {
			errs = append(errs, fmt.Errorf("%s.quiet_hours: %w", key, err))
		}
		if ch.DailySummary != "" {
			if _, err := clock(ch.DailySummary); err != nil {
				errs = append(errs, fmt.Errorf("%s.daily_summary: want HH:MM, got %q", key, ch.DailySummary))
			}
		}
		if ch.WeeklyReport != "" {
			if _, err := parseWeekly(ch.WeeklyReport); err != nil {
				errs = append(errs, fmt.Errorf("%s.weekly_report: %w", key, err))
			}
		}
		for j, sub := range ch.Subscribe {
			if err := presetProblem(sub, configured); err != nil {
				errs = append(errs, fmt.Errorf("%s.subscribe[%d]: %w", key, j, err))
			}
		}
		if ch.Language != "" && !validLanguage(ch.Language) {
			errs = append(errs, fmt.Errorf("%s.language: unknown language %q (%s)", key, ch.Language, strings.Join(languages, " or ")))
		}
		if ch.WebhookKey != "" && !robots[ch.Platform] && slices.Contains(platforms, ch.Platform) {
			errs = append(errs, fmt.Errorf("%s.webhook_key: only a %s group has a webhook robot", key, strings.Join(robotLabels, " or ")))
		}
		errs = append(errs, ch.ReminderSettings.validate(key, platforms)...)
		if seen[ch.Platform+"/"+ch.ChatID] {
			errs = append(errs, fmt.Errorf("%s.chat_id: %s listed twice", key, ch.ChatID))
		}
		seen[ch.Platform+"/"+ch.ChatID] = true
	}
	for i, u := range c.Users {
		onPlatform := false
		for _, k := range slices.Sorted(maps.Keys(u.IDs)) {
			switch {
			case slices.Contains(platforms, k):
				onPlatform = onPlatform || u.IDs[k] != ""
			case slices.Contains(known.AllVendors, k):
			default:
				errs = append(errs, fmt.Errorf("users[%d].ids.%s: no platform or vendor is called %q (platforms: %s; vendors: %s)",
					i, k, k, strings.Join(platforms, ", "), strings.Join(known.AllVendors, ", ")))
			}
		}
		if !onPlatform {
			errs = append(errs, fmt.Errorf("users[%d].ids: needs the person's id on a chat platform (%s), e.g. ids = { %s = \"…\" }", i, platformList, platforms[0]))
		}
	}
	return errs
}

// Robots maps each group of the platform in [[chats]] to its webhook robot's key.
func (c Config) Robots(platform string) map[string]bot.Secret {
	robots := map[string]bot.Secret{}
	for _, ch := range c.Chats {
		if ch.Platform == platform && ch.WebhookKey != "" {
			robots[ch.ChatID] = ch.WebhookKey
		}
	}
	return robots
}

// noticeKind checks one notify_statuses name.
func noticeKind(name string) error {
	valid := strings.Join(bot.NoticeKinds, ", ")
	switch {
	case slices.Contains(bot.NoticeKinds, name):
		return nil
	case name == "note" || name == "notes":
		return fmt.Errorf("%q: new vendor replies are set by notify_notes = true/false, not here (valid: %s)", name, valid)
	case providers.Status(name) == providers.StatusOpen:
		return fmt.Errorf("%q: a ticket going back to open is never announced (valid: %s)", name, valid)
	}
	return fmt.Errorf("unknown notice %q (valid: %s)", name, valid)
}
