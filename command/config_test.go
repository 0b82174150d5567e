package command

import (
	"strings"
	"testing"
	"time"

	"github.com/ticketbot/ticketbot/bot"
)

// Validate names the key of every problem in [bot], [[chats]] and [[users]], and says what
// would be valid.
func TestConfigValidate(t *testing.T) {
	known := Known{Vendors: map[string]bool{"ksyun": true}, AllVendors: []string{"ksyun", "aliyun"},
		Platforms: []bot.PlatformDescriptor{{Name: "feishu", Label: "Feishu"}, {Name: "wecom", Label: "WeCom", Robots: true}}}
	tests := []struct {
		name string
		cfg  Config
		want []string // each in one of the errors; none at all when empty
	}{
		{"valid", Config{DefaultProvider: "ksyun", Timezone: "Asia/Shanghai",
			Chats: []Chat{{Platform: "wecom", ChatID: "c1", Provider: "ksyun", NotifyStatuses: []string{"closed"},
				QuietHours: "22:00-08:00", DailySummary: "09:30", WebhookKey: "k", Language: "en"}},
			Users: []User{{Name: "张三", IDs: map[string]string{"feishu": "ou_1", "ksyun": "38361"}}}}, nil},
		{"default provider", Config{DefaultProvider: "aliyun"}, []string{`bot.default_provider: "aliyun" is not a configured provider`}},
		{"time zone", Config{Timezone: "Mars/Base"}, []string{`bot.timezone: unknown time zone "Mars/Base"`}},
		{"chat platform missing", Config{Chats: []Chat{{ChatID: "c"}}}, []string{"chats[0].platform: missing (feishu or wecom)"}},
		{"chat platform unknown", Config{Chats: []Chat{{Platform: "slack", ChatID: "c"}}}, []string{`chats[0].platform: unknown platform "slack"`}},
		{"chat id missing", Config{Chats: []Chat{{Platform: "feishu"}}}, []string{"chats[0].chat_id: missing"}},
		{"chat provider", Config{Chats: []Chat{{Platform: "feishu", ChatID: "c", Provider: "aliyun"}}}, []string{`chats[0].provider: "aliyun" is not a configured provider`}},
		{"notices", Config{Chats: []Chat{{Platform: "feishu", ChatID: "c", NotifyStatuses: []string{"notes", "open", "bogus"}}}},
			[]string{"notify_notes = true/false", "going back to open is never announced", `unknown notice "bogus"`}},
		{"quiet hours", Config{Chats: []Chat{{Platform: "feishu", ChatID: "c", QuietHours: "late"}}}, []string{"chats[0].quiet_hours: want HH:MM-HH:MM"}},
		{"quiet hours' times", Config{Chats: []Chat{{Platform: "feishu", ChatID: "c", QuietHours: "25:00-08:00"}}}, []string{"chats[0].quiet_hours"}},
		{"daily summary", Config{Chats: []Chat{{Platform: "feishu", ChatID: "c", DailySummary: "9h"}}}, []string{`chats[0].daily_summary: want HH:MM, got "9h"`}},
		{"weekly report", Config{WeeklyReport: "monday", Chats: []Chat{{Platform: "feishu", ChatID: "c", WeeklyReport: "fri 25:00"},
			{Platform: "wecom", ChatID: "c", WeeklyReport: "someday 09:30"}}},
			[]string{`bot.weekly_report: want a day and a time such as "mon 09:30", or "off"; got "monday"`,
				`chats[0].weekly_report: want a day and a time such as "mon 09:30", or "off"; got "fri 25:00"`,
				`chats[1].weekly_report: want a day and a time such as "mon 09:30", or "off"; got "someday 09:30"`}},
		{"weekly report spelled every way", Config{WeeklyReport: "Monday 09:30", Chats: []Chat{{Platform: "feishu", ChatID: "c", WeeklyReport: "周五 17:00"},
			{Platform: "wecom", ChatID: "c", WeeklyReport: "OFF"}}}, nil},
		{"language", Config{Chats: []Chat{{Platform: "feishu", ChatID: "c", Language: "fr"}, {Platform: "wecom", ChatID: "c", Language: "English"}}},
			[]string{`chats[0].language: unknown language "fr" (zh or en)`, `chats[1].language: unknown language "English" (zh or en)`}},
		{"webhook robot", Config{Chats: []Chat{{Platform: "feishu", ChatID: "c", WebhookKey: "k"}}}, []string{"chats[0].webhook_key: only a WeCom group"}},
		{"chat twice", Config{Chats: []Chat{{Platform: "feishu", ChatID: "c"}, {Platform: "feishu", ChatID: "c"}}}, []string{"chats[1].chat_id: c listed twice"}},
		{"user key", Config{Users: []User{{IDs: map[string]string{"feishu": "ou_1", "slack": "x"}}}}, []string{`users[0].ids.slack: no platform or vendor is called "slack"`}},
		{"user without a platform id", Config{Users: []User{{IDs: map[string]string{"ksyun": "1"}}}}, []string{"users[0].ids: needs the person's id on a chat platform"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			errs := tt.cfg.Validate(known)
			var all []string
			for _, err := range errs {
				all = append(all, err.Error())
			}
			if len(tt.want) == 0 && len(errs) > 0 {
				t.Fatalf("errors for a valid config: %q", all)
			}
			for _, w := range tt.want {
				if !strings.Contains(strings.Join(all, "\n"), w) {
					t.Errorf("no error says %q: %q", w, all)
				}
			}
		})
	}
}

// A chat's notification policy and robot come from its [[chats]] entry; other chats get the
// defaults.
func TestConfigPolicyAndRobots(t *testing.T) {
	off := false
	c := Config{Chats: []Chat{{Platform: "wecom", ChatID: "c1", NotifyStatuses: []string{"closed"}, NotifyNotes: &off,
		QuietHours: "22:00-08:00", DailySummary: "09:30", WebhookKey: "key-1"}, {Platform: "feishu", ChatID: "c2"}}}
	p := c.Policy("wecom", "c1")
	if !p.Notify["closed"] || len(p.Notify) != 1 || !p.MuteNotes || p.Summary != "09:30" ||
		p.Quiet == nil || p.Quiet.From != 22*time.Hour || p.Quiet.To != 8*time.Hour {
		t.Errorf("policy %+v", p)
	}
	if p := c.Policy("feishu", "c2"); p.Notify != nil || p.MuteNotes || p.Quiet != nil {
		t.Errorf("default policy %+v", p)
	}
	if p := c.Policy("feishu", "nowhere"); p.Notify != nil {
		t.Errorf("policy of an unknown chat %+v", p)
	}
	if r := c.Robots("wecom"); len(r) != 1 || r["c1"] != "key-1" {
		t.Errorf("robots %v", r)
	}
	if r := c.Robots("feishu"); len(r) != 0 {
		t.Errorf("feishu robots %v", r)
	}
	if loc, err := (Config{}).Location(); err != nil || loc.String() != bot.DefaultLocation().String() {
		t.Errorf("default location %v, %v", loc, err)
	}
	if loc, err := (Config{Timezone: "UTC"}).Location(); err != nil || loc.String() != "UTC" {
		t.Errorf("UTC location %v, %v", loc, err)
	}
}

// The weekly report is on by default, Monday 09:30, in every chat; [bot] weekly_report moves
// it for all, a [[chats]] entry for its own chat, and "off" turns it off.
func TestConfigWeeklyReport(t *testing.T) {
	mon930 := &bot.Weekly{Day: time.Monday, At: 9*time.Hour + 30*time.Minute}
	fri17 := &bot.Weekly{Day: time.Friday, At: 17 * time.Hour}
	sun8 := &bot.Weekly{Day: time.Sunday, At: 8 * time.Hour}
	chats := []Chat{{Platform: "feishu", ChatID: "own", WeeklyReport: "fri 17:00"}, {Platform: "feishu", ChatID: "off", WeeklyReport: "off"},
		{Platform: "feishu", ChatID: "inherits"}}
	for _, tc := range []struct {
		name, bot, chat string
		want            *bot.Weekly
	}{
		{"default, an unlisted chat", "", "unlisted", mon930},
		{"default, a listed chat", "", "inherits", mon930},
		{"the chat's own", "", "own", fri17},
		{"the chat's own wins over [bot]'s", "sun 08:00", "own", fri17},
		{"the chat turned it off", "", "off", nil},
		{"[bot]'s for an unlisted chat", "周日 08:00", "unlisted", sun8},
		{"[bot]'s for a listed chat", "Sunday 8:00", "inherits", sun8},
		{"[bot] turned it off", "off", "inherits", nil},
		{"[bot] off, the chat's own still", "off", "own", fri17},
	} {
		got := Config{WeeklyReport: tc.bot, Chats: chats}.Policy("feishu", tc.chat).Report
		if (got == nil) != (tc.want == nil) || got != nil && *got != *tc.want {
			t.Errorf("%s: %+v, want %+v", tc.name, got, tc.want)
		}
	}
}
