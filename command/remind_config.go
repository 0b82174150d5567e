package command

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/ticketbot/ticketbot/bot"
	"github.com/ticketbot/ticketbot/span"
)

// Reminders is [bot.reminders]: the reminders of tickets that wait on us (bot/remind.go), for
// every chat unless its [[chats]] entry says otherwise.
type Reminders struct {
	// Enabled turns reminders off everywhere when false (default true); a chat's own
	// reminders = true/false wins.
	Enabled *bool `toml:"enabled"`
	ReminderSettings
}

// ReminderSettings are the keys of a reminder schedule: in [bot.reminders], and in a
// [[chats]] entry for that chat alone (a key it leaves out is [bot.reminders]', then the
// default). Durations count working time.
type ReminderSettings struct {
	// RemindAfter is how long a ticket waits on us before its first reminder ("2h");
	// RemindEvery the time between the reminders after it ("4h"). At least a minute.
	RemindAfter span.Duration `toml:"remind_after,omitempty"`
	RemindEvery span.Duration `toml:"remind_every,omitempty"`
	// EscalateAfter is how long it waits before a reminder also @-mentions the chat's
	// admins and escalate_to is told ("10h"); "0s" never escalates.
	EscalateAfter span.Duration `toml:"escalate_after,omitempty"`
	// WorkingHours ("09:00-18:00", "00:00-24:00" for round the clock) and WorkingDays
	// ("mon-fri", "mon,wed,fri", 周一-周五) are when time counts and reminders are posted, in
	// [bot] timezone.
	WorkingHours string `toml:"working_hours,omitempty"`
	WorkingDays  string `toml:"working_days,omitempty"`
	// EscalateTo is the chat an escalated ticket is posted into once, "<platform>:<chat_id>";
	// "off" for none where [bot.reminders] names one.
	EscalateTo string `toml:"escalate_to,omitempty"`
}

// The defaults of [bot.reminders] (bot.DefaultReminders): `check -v` prints them.
const (
	DefaultRemindAfter   = 2 * time.Hour
	DefaultRemindEvery   = 4 * time.Hour
	DefaultEscalateAfter = 10 * time.Hour
	DefaultWorkingHours  = "09:00-18:00"
	DefaultWorkingDays   = "mon-fri"
)

// minReminder is the shortest time to a reminder: the watcher looks once a minute.
const minReminder = time.Minute

// WithDefaults is r with every unset key at the value the bot uses.
func (r Reminders) WithDefaults() Reminders {
	if r.Enabled == nil {
		on := true
		r.Enabled = &on
	}
	for _, f := range []struct {
		v *span.Duration
		d time.Duration
	}{{&r.RemindAfter, DefaultRemindAfter}, {&r.RemindEvery, DefaultRemindEvery}, {&r.EscalateAfter, DefaultEscalateAfter}} {
		if !f.v.IsSet() {
			*f.v = span.Of(f.d)
		}
	}
	r.WorkingHours = cmp.Or(r.WorkingHours, DefaultWorkingHours)
	r.WorkingDays = cmp.Or(r.WorkingDays, DefaultWorkingDays)
	return r
}

// reminders is the reminder schedule of a chat whose [[chats]] entry is ch (nil for a chat
// not listed); nil when reminders are off there. A value Validate refuses takes the default.
func (c Config) reminders(ch *Chat) *bot.Reminders {
	on := c.Reminders.Enabled == nil || *c.Reminders.Enabled
	var own ReminderSettings
	if ch != nil {
		if ch.Reminders != nil {
			on = *ch.Reminders
		}
		own = ch.ReminderSettings
	}
	if !on {
		return nil
	}
	base := c.Reminders.ReminderSettings
	r := bot.DefaultReminders()
	first := func(a, b span.Duration) span.Duration {
		if a.IsSet() {
			return a
		}
		return b
	}
	if d := first(own.RemindAfter, base.RemindAfter); d.IsSet() && d.D() >= minReminder {
		r.After = d.D()
	}
	if d := first(own.RemindEvery, base.RemindEvery); d.IsSet() && d.D() >= minReminder {
		r.Every = d.D()
	}
	if d := first(own.EscalateAfter, base.EscalateAfter); d.IsSet() && (d.D() == 0 || d.D() >= minReminder) {
		r.EscalateAfter = d.D()
	}
	if w, err := parseWorkingHours(cmp.Or(own.WorkingHours, base.WorkingHours)); err == nil && w != nil {
		r.Hours = *w
	}
	if days, err := parseWorkingDays(cmp.Or(own.WorkingDays, base.WorkingDays)); err == nil && days != nil {
		r.Days = *days
	}
	if to := cmp.Or(own.EscalateTo, base.EscalateTo); to != "" && !strings.EqualFold(to, "off") {
		if platform, chat, ok := strings.Cut(to, ":"); ok && platform != "" && chat != "" {
			r.EscalatePlatform, r.EscalateChat = platform, chat
		}
	}
	return &r
}

// validate reports the problems of the schedule's keys under key ("bot.reminders",
// "chats[1]").
func (s ReminderSettings) validate(key string, platforms []string) []error {
	var errs []error
	for _, f := range []struct {
		name string
		v    span.Duration
	}{{"remind_after", s.RemindAfter}, {"remind_every", s.RemindEvery}} {
		if f.v.IsSet() && f.v.D() < minReminder {
			errs = append(errs, fmt.Errorf("%s.%s: want at least %q of working time, got %q", key, f.name, span.Format(minReminder), span.Format(f.v.D())))
		}
	}
	if e := s.EscalateAfter; e.IsSet() && e.D() != 0 && e.D() < minReminder {
		errs = append(errs, fmt.Errorf("%s.escalate_after: want at least %q of working time, or \"0s\" never to escalate; got %q",
			key, span.Format(minReminder), span.Format(e.D())))
	}
	if _, err := parseWorkingHours(s.WorkingHours); err != nil {
		errs = append(errs, fmt.Errorf("%s.working_hours: %w", key, err))
	}
	if _, err := parseWorkingDays(s.WorkingDays); err != nil {
		errs = append(errs, fmt.Errorf("%s.working_days: %w", key, err))
	}
	if to := s.EscalateTo; to != "" && !strings.EqualFold(to, "off") {
		platform, chat, ok := strings.Cut(to, ":")
		switch {
		case !ok || chat == "":
			errs = append(errs, fmt.Errorf("%s.escalate_to: want \"<platform>:<chat_id>\" (platforms: %s), or \"off\"; got %q", key, strings.Join(platforms, ", "), to))
		case !slices.Contains(platforms, platform):
			errs = append(errs, fmt.Errorf("%s.escalate_to: unknown platform %q (platforms: %s)", key, platform, strings.Join(platforms, ", ")))
		}
	}
	return errs
}

// parseWorkingHours reads "09:00-18:00" (the start before the end; "24:00" ends at
// midnight); "" is none (nil).
func parseWorkingHours(s string) (*bot.Window, error) {
	if s == "" {
		return nil, nil
	}
	bad := fmt.Errorf(`want HH:MM-HH:MM within one day, the start first, such as "09:00-18:00"; got %q`, s)
	from, to, ok := strings.Cut(s, "-")
	if !ok {
		return nil, bad
	}
	f, err1 := clock(from)
	t, err2 := clock(to)
	if strings.TrimSpace(to) == "24:00" {
		t, err2 = 24*time.Hour, nil
	}
	if err1 != nil || err2 != nil || f >= t {
		return nil, bad
	}
	return &bot.Window{From: f, To: t}, nil
}

// parseWorkingDays reads days and ranges of days separated by commas ("mon-fri",
// "mon,wed,fri", "周一-周五", "sun-thu"); "" is none (nil).
func parseWorkingDays(s string) (*[7]bool, error) {
	if s == "" {
		return nil, nil
	}
	bad := fmt.Errorf(`want days (mon…sun or 周一…周日) and ranges such as "mon-fri" or "mon,wed,fri"; got %q`, s)
	var days [7]bool
	for _, part := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == '，' || r == ' ' }) {
		from, to, isRange := strings.Cut(part, "-")
		a, ok1 := weekdays[strings.ToLower(strings.TrimSpace(from))]
		b, ok2 := a, true
		if isRange {
			b, ok2 = weekdays[strings.ToLower(strings.TrimSpace(to))]
		}
		if !ok1 || !ok2 {
			return nil, bad
		}
		for d := a; ; d = (d + 1) % 7 {
			days[d] = true
			if d == b {
				break
			}
		}
	}
	if days == ([7]bool{}) {
		return nil, bad
	}
	return &days, nil
}
