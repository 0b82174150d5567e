package app

import (
	"context"
	"io"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ticketbot/ticketbot/bot"
	"github.com/ticketbot/ticketbot/bot/feishu/feishutest"
	"github.com/ticketbot/ticketbot/providers"
	"github.com/ticketbot/ticketbot/providers/ksyun/ksyuntest"
	"github.com/ticketbot/ticketbot/tickets"
)

// Every bad value of [bot.reminders] and of a chat's reminder keys is a check problem that
// names its key, in the file's order, with what is valid.
func TestCheckPlacesBadReminderSettings(t *testing.T) {
	const base = `
[server]
listen = "127.0.0.1:8080"
[store]
dsn = "ticketbot.db"
[bot]
default_provider = "ksyun"
[bot.reminders]
%s
[feishu]
app_id = "cli_a1b2c3d4e5f6"
app_secret = "${FEISHU_APP_SECRET}"
verification_token = "${FEISHU_VERIFICATION_TOKEN}"
encrypt_key = "${FEISHU_ENCRYPT_KEY}"
[providers.ksyun]
app_id = "ks-app-1"
app_secret = "${KSYUN_APP_SECRET}"
customer_organization_id = 1
customer_organization_name = "北京金山云网络技术有限公司"
repository_product_id = 36
type = 1
creator_id = 38361
creator_name = "姜程"
[[chats]]
platform = "feishu"
chat_id = "oc_ops"
%s
`
	for _, tc := range []struct {
		name        string
		global, own string
		want        []string
	}{{
		name: "durations too short, negative or no duration at all",
		global: `remind_after = "30s"
remind_every = "0s"
escalate_after = "-1h"`,
		own: `remind_every = "4 hours"`,
		want: []string{
			`bot.reminders.remind_after: want at least "1m" of working time, got "30s"`,
			`bot.reminders.remind_every: want at least "1m" of working time, got "0s"`,
			`bot.reminders.escalate_after: want at least "1m" of working time, or "0s" never to escalate; got "-1h"`,
			`chats[0].remind_every: "4 hours" is not a duration such as "30s", "5m" or "24h"`,
		},
	}, {
		name:   "working hours and days",
		global: `working_hours = "18:00-09:00"` + "\n" + `working_days = "mon-fry"`,
		own:    `working_hours = "9-18"` + "\n" + `working_days = ""` + "\n" + `reminders = "yes"`,
		want: []string{
			`bot.reminders.working_hours: want HH:MM-HH:MM within one day, the start first, such as "09:00-18:00"; got "18:00-09:00"`,
			`bot.reminders.working_days: want days (mon…sun or 周一…周日) and ranges such as "mon-fri" or "mon,wed,fri"; got "mon-fry"`,
			`chats[0].working_hours: want HH:MM-HH:MM within one day, the start first, such as "09:00-18:00"; got "9-18"`,
			`chats[0].reminders: must be true or false, not text "yes"`,
		},
	}, {
		name:   "the escalation chat",
		global: `escalate_to = "oc_boss"`,
		own:    `escalate_to = "slack:C123"` + "\n" + `remind_aftr = "1h"`,
		want: []string{
			`bot.reminders.escalate_to: want "<platform>:<chat_id>" (platforms: feishu, wecom), or "off"; got "oc_boss"`,
			`chats[0].escalate_to: unknown platform "slack" (platforms: feishu, wecom)`,
			`chats[0].remind_aftr: unknown key (did you mean remind_after?)`,
		},
	}, {
		name:   "a key of the chats' in [bot.reminders]",
		global: `reminders = false`,
		want:   []string{`bot.reminders.reminders: unknown key (known: enabled, escalate_after, escalate_to, remind_after, remind_every, working_days, working_hours)`},
	}} {
		t.Run(tc.name, func(t *testing.T) {
			setSecrets(t)
			path := writeConfig(t, strings.Replace(strings.Replace(base, "%s", tc.global, 1), "%s", tc.own, 1))
			got, _ := checkProblems(t, path)
			if !slices.Equal(got, tc.want) {
				t.Fatalf("problems:\n  %s\nwant:\n  %s", strings.Join(got, "\n  "), strings.Join(tc.want, "\n  "))
			}
		})
	}
}

// [bot.reminders] is every chat's schedule, defaults filled in; a [[chats]] entry overrides it
// key by key or turns it off (and on, where [bot.reminders] is off), and its admins are those
// an escalation calls in.
func TestReminderSettingsReachTheWatcher(t *testing.T) {
	kf := ksyuntest.New("ks-app", "ks-secret-e2e")
	ff := feishutest.New("cli_e2e", "feishu-secret-e2e")
	t.Cleanup(kf.Close)
	t.Cleanup(ff.Close)
	t.Setenv("E2E_FEISHU_SECRET", "feishu-secret-e2e")
	t.Setenv("E2E_KSYUN_SECRET", "ks-secret-e2e")
	chats := `
[[chats]]
platform = "feishu"
chat_id = "oc_night"
admins = ["ou_admin"]
remind_every = "1h"
working_hours = "00:00-24:00"
working_days = "周一-周日"
escalate_after = "0s"
[[chats]]
platform = "feishu"
chat_id = "oc_quiet"
reminders = false
[[chats]]
platform = "wecom"
chat_id = "wr_on"
reminders = true
escalate_to = "off"
`
	def := bot.DefaultReminders()
	everyDay := [7]bool{true, true, true, true, true, true, true}
	for _, tc := range []struct {
		name, bot string
		want      map[string]*bot.Reminders // by chat
	}{{
		name: "defaults",
		want: map[string]*bot.Reminders{
			"oc_other": &def,
			"oc_night": {After: 2 * time.Hour, Every: time.Hour, Hours: bot.Window{To: 24 * time.Hour}, Days: everyDay},
			"oc_quiet": nil,
			"wr_on":    &def,
		},
	}, {
		name: "set in [bot.reminders]",
		bot:  "[bot.reminders]\nremind_after = \"30m\"\nescalate_to = \"feishu:oc_boss\"\nworking_days = \"sun-thu\"\n",
		want: map[string]*bot.Reminders{
			"oc_other": {After: 30 * time.Minute, Every: 4 * time.Hour, EscalateAfter: 10 * time.Hour, Hours: def.Hours,
				Days: [7]bool{true, true, true, true, true}, EscalatePlatform: "feishu", EscalateChat: "oc_boss"},
			"oc_night": {After: 30 * time.Minute, Every: time.Hour, Hours: bot.Window{To: 24 * time.Hour}, Days: everyDay,
				EscalatePlatform: "feishu", EscalateChat: "oc_boss"},
			"wr_on": {After: 30 * time.Minute, Every: 4 * time.Hour, EscalateAfter: 10 * time.Hour, Hours: def.Hours,
				Days: [7]bool{true, true, true, true, true}},
		},
	}, {
		name: "off but where a chat turns them on",
		bot:  "[bot.reminders]\nenabled = false\n",
		want: map[string]*bot.Reminders{"oc_other": nil, "oc_night": nil, "wr_on": &def},
	}} {
		t.Run(tc.name, func(t *testing.T) {
			cfg, errs := parseConfig([]byte(harnessConfig("x.db", tc.bot, chats, ff, kf)))
			if len(errs) > 0 {
				t.Fatal(errs)
			}
			for chat, want := range tc.want {
				platform := "feishu"
				if strings.HasPrefix(chat, "wr_") {
					platform = "wecom"
				}
				got := cfg.Bot.Policy(platform, chat).Remind
				if (got == nil) != (want == nil) || got != nil && *got != *want {
					t.Errorf("%s: %+v, want %+v", chat, got, want)
				}
			}
			if admins := cfg.Bot.Policy("feishu", "oc_night").Admins; !slices.Equal(admins, []string{"ou_admin"}) {
				t.Errorf("oc_night's admins: %v", admins)
			}
		})
	}
	// check -v shows the defaults of [bot.reminders], and a chat's own keys only.
	cfg, errs := parseConfig([]byte(harnessConfig("x.db", "", chats, ff, kf)))
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	printed := cfg.String()
	for _, want := range []string{"[bot.reminders]\n    enabled = true\n    remind_after = \"2h\"\n    remind_every = \"4h\"\n    escalate_after = \"10h\"\n    working_hours = \"09:00-18:00\"\n    working_days = \"mon-fri\"",
		"reminders = false"} {
		if !strings.Contains(printed, want) {
			t.Errorf("check -v lacks %q:\n%s", want, printed)
		}
	}
	if strings.Count(printed, "remind_after") != 1 {
		t.Errorf("check -v prints a chat's unset remind_after:\n%s", printed)
	}
}

// Reminders through the real wiring: the configuration's schedule, the command layer's card
// on the platform, the owner @-mentioned; escalation to the admins and into the escalation
// chat; and a reply through the bot restarts the count.
func TestRemindersThroughTheWiring(t *testing.T) {
	r := newWatchRig(t)
	ctx := context.Background()
	var mu sync.Mutex
	clock := time.Date(2026, 11, 23, 10, 0, 0, 0, bot.DefaultLocation()) // a Monday
	now := func() time.Time { mu.Lock(); defer mu.Unlock(); return clock }
	set := func(t time.Time) { mu.Lock(); defer mu.Unlock(); clock = t }
	r.handler.Now = now
	t.Setenv("E2E_FEISHU_SECRET", "fs-secret")
	t.Setenv("E2E_KSYUN_SECRET", "ks-secret")
	cfg, errs := parseConfig([]byte(harnessConfig("x.db", "[bot.reminders]\nescalate_after = \"3h\"\nescalate_to = \"feishu:oc_esc\"\n",
		"[[chats]]\nplatform = \"feishu\"\nchat_id = \"oc_ops\"\nadmins = [\"ou_admin\"]\n", r.ff, r.ks)))
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	tk := r.follow("oc_ops", "证书过期")
	// Kingsoft finished it at 10:00 and waits for our confirmation.
	book := tickets.New(r.st, now)
	prev, err := book.State(ctx, "ksyun", tk.ID)
	if err != nil {
		t.Fatal(err)
	}
	done := tk
	done.Status, done.RawLabel = providers.StatusPendingConfirm, ""
	if ok, err := book.Advance(ctx, prev, book.Observed(prev, done), nil); err != nil || !ok {
		t.Fatalf("advance: %v %v", ok, err)
	}
	if err := r.ks.Finish(tk.ID); err != nil { // as the vendor shows it to a sweep
		t.Fatal(err)
	}
	w := bot.NewWatcher(bot.WatchConfig{Now: now, Location: bot.DefaultLocation(), Interval: time.Hour, DeliverEvery: 5 * time.Millisecond},
		r.st, map[string]providers.Provider{"ksyun": r.kp}, map[string]bot.Platform{"feishu": r.fs}, r.handler, cfg.Bot.Policy, nil,
		slog.New(slog.NewTextHandler(io.Discard, nil)))
	runCtx, stop := context.WithCancel(ctx)
	stopped := make(chan error, 1)
	go func() { stopped <- w.Run(runCtx) }()
	defer func() {
		stop()
		if err := <-stopped; err != context.Canceled {
			t.Errorf("watcher: %v", err)
		}
	}()
	posted := func() []string {
		var out []string
		for _, m := range r.ff.Messages() {
			if m.MsgType == "interactive" && (strings.Contains(m.Content, "工单提醒") || strings.Contains(m.Content, "工单升级")) {
				out = append(out, m.ChatID+" "+m.Content)
			}
		}
		return out
	}
	// turn moves the clock and waits for the watcher's loop to have posted n reminders, or,
	// when none more are wanted, gives it time to post one it should not.
	turn := func(at time.Time, n int) []string {
		t.Helper()
		// The platform's own pacing spaces one chat's messages (its clock is the real
		// one, which the watcher's busy hold would mistake for days away on this one).
		time.Sleep(300 * time.Millisecond)
		set(at)
		if len(posted()) == n {
			time.Sleep(300 * time.Millisecond) // many turns of the loop
		}
		for deadline := time.Now().Add(10 * time.Second); len(posted()) < n && time.Now().Before(deadline); {
			time.Sleep(5 * time.Millisecond)
		}
		got := posted()
		if len(got) != n {
			t.Fatalf("at %s: %d reminders, want %d:\n%s", at.Format("15:04"), len(got), n, strings.Join(got, "\n"))
		}
		return got
	}
	at := func(hh, mm int) time.Time { return time.Date(2026, 11, 23, hh, mm, 0, 0, bot.DefaultLocation()) }
	turn(at(11, 59), 0)
	got := turn(at(12, 0), 1)
	if !strings.HasPrefix(got[0], "oc_ops ") || !strings.Contains(got[0], "<at id=ou_owner></at> 请确认是否已解决") ||
		!strings.Contains(got[0], "已等待我方 2小时") || !strings.Contains(got[0], `"cmd":"claim ksyun:`+tk.ID+`"`) {
		t.Fatalf("at 12:00: %q", got)
	}
	got = turn(at(13, 0), 3) // the escalated reminder and the escalation
	slices.Sort(got[1:])
	if !strings.HasPrefix(got[1], "oc_esc ") || !strings.Contains(got[1], "在群 oc&#95;ops 已等待我方 3小时") ||
		!strings.HasPrefix(got[2], "oc_ops ") || !strings.Contains(got[2], "请管理员跟进：</font> <at id=ou_admin></at>") {
		t.Fatalf("at 13:00: %q", got[1:])
	}
	// 13:30: a reply through the bot. The count starts again: the next reminder comes two
	// working hours later, at 15:30 (by the old count none was due then, the next at 16:00),
	// and none at 16:00.
	set(at(13, 30))
	r.handler.HandleMessage(ctx, bot.Message{Platform: "feishu", EventID: "ev_reply", MessageID: "om_reply", ChatID: "oc_ops",
		ChatType: "group", UserID: "ou_owner", UserName: "张三", Text: "回复 ksyun:" + tk.ID + " 已验证，证书已更新"})
	turn(at(15, 29), 3)
	got = turn(at(15, 30), 4)
	if !strings.Contains(got[3], "已等待我方 2小时") || strings.Contains(got[3], "已升级") {
		t.Fatalf("two working hours after the reply: %q", got[3])
	}
	turn(at(16, 0), 4)
}
