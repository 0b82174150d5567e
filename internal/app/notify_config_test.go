package app

import (
	"context"
	"io"
	"log/slog"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/BurntSushi/toml"

	"github.com/ticketbot/ticketbot/bot"
	"github.com/ticketbot/ticketbot/bot/feishu/feishutest"
	"github.com/ticketbot/ticketbot/command"
	"github.com/ticketbot/ticketbot/providers"
	"github.com/ticketbot/ticketbot/providers/ksyun/ksyuntest"
)

// exampleNotifyList is the notify_statuses list config.toml.example shows (commented out).
func exampleNotifyList(t *testing.T) []string {
	t.Helper()
	b, err := os.ReadFile("../../config.toml.example")
	if err != nil {
		t.Fatal(err)
	}
	for line := range strings.Lines(string(b)) {
		line = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(line), "#"))
		if !strings.HasPrefix(line, "notify_statuses") {
			continue
		}
		var v struct {
			NotifyStatuses []string `toml:"notify_statuses"`
		}
		if _, err := toml.Decode(line, &v); err != nil {
			t.Fatalf("config.toml.example: %q: %v", line, err)
		}
		return v.NotifyStatuses
	}
	t.Fatal("config.toml.example shows no notify_statuses")
	return nil
}

// TestExampleNotifyListIsTheDefault: uncommenting the example's list changes nothing.
func TestExampleNotifyListIsTheDefault(t *testing.T) {
	if got := exampleNotifyList(t); !reflect.DeepEqual(got, bot.DefaultNotify) {
		t.Errorf("config.toml.example lists %q, the default is %q", got, bot.DefaultNotify)
	}
}

// TestReopenIsAnnouncedWithTheExampleList: a group that copied the example's list hears that
// a ticket it saw closed was reopened at the vendor.
func TestReopenIsAnnouncedWithTheExampleList(t *testing.T) {
	r := newWatchRig(t)
	ctx := context.Background()
	tk := r.follow("oc_example", "证书过期")
	cfg := command.Config{Chats: []command.Chat{{Platform: "feishu", ChatID: "oc_example", NotifyStatuses: exampleNotifyList(t)}}}
	if errs := cfg.Validate(command.Known{Vendors: map[string]bool{"ksyun": true}, Platforms: platformRegistry}); len(errs) > 0 {
		t.Fatalf("the example's list does not validate: %v", errs)
	}
	w := bot.NewWatcher(bot.WatchConfig{ClosedEvery: 1}, r.st, map[string]providers.Provider{"ksyun": r.kp},
		map[string]bot.Platform{"feishu": r.fs}, r.handler, cfg.Policy, nil, slog.New(slog.NewTextHandler(io.Discard, nil)))
	for _, status := range []int{3, 2} { // closed at the console, then reopened
		if err := r.ks.SetStatus(tk.ID, status); err != nil {
			t.Fatal(err)
		}
		if err := w.Sweep(ctx); err != nil {
			t.Fatal(err)
		}
		deadline := time.Now().Add(10 * time.Second)
		for pending(t, r.st) > 0 && time.Now().Before(deadline) {
			if err := w.Deliver(ctx); err != nil {
				t.Fatal(err)
			}
		}
	}
	var got []feishutest.Message
	for _, m := range r.ff.Messages() {
		if m.ChatID == "oc_example" {
			got = append(got, m)
		}
	}
	if len(got) != 2 || !strings.Contains(got[0].Content, "已关闭") || !strings.Contains(got[1].Content, "工单已重新打开") {
		t.Fatalf("want the close and the reopen announced, got %+v", got)
	}
}

// TestCheckNamesBadNoticesZonesAndNoteSettings: every bad value of the keys this change
// added is a check error naming its key and what is valid.
func TestCheckNamesBadNoticesZonesAndNoteSettings(t *testing.T) {
	kf := ksyuntest.New("ks-app", "ks-secret-e2e")
	ff := feishutest.New("cli_e2e", "feishu-secret-e2e")
	t.Cleanup(kf.Close)
	t.Cleanup(ff.Close)
	t.Setenv("E2E_FEISHU_SECRET", "feishu-secret-e2e")
	t.Setenv("E2E_KSYUN_SECRET", "ks-secret-e2e")
	chat := func(list string) string {
		return "[[chats]]\nplatform = \"feishu\"\nchat_id = \"oc_1\"\nnotify_statuses = " + list + "\n"
	}
	for _, tc := range []struct {
		name, bot, extra string
		want             []string // in one error; none for a valid file
	}{
		{name: "the default list", extra: chat(`["waiting_on_us", "resolved_pending_confirm", "in_progress", "closed", "cancelled", "reopened"]`)},
		{name: "reopen misspelt", extra: chat(`["closed", "reopen"]`),
			want: []string{"chats[0].notify_statuses", `"reopen"`, "reopened", "waiting_on_us"}},
		{name: "notes belong to notify_notes", extra: chat(`["note"]`), want: []string{"chats[0].notify_statuses", "notify_notes"}},
		{name: "open never notifies", extra: chat(`["open"]`), want: []string{"chats[0].notify_statuses", `"open"`, "never"}},
		{name: "a zone", bot: `timezone = "Europe/Berlin"`},
		{name: "no such zone", bot: `timezone = "Mars/Olympus"`, want: []string{"bot.timezone", "Mars/Olympus", "Asia/Shanghai"}},
		{name: "note cadence", extra: "[watch]\nnotes_every = \"10m\"\nnotes_budget = 5\n"},
		{name: "no note cadence", extra: "[watch]\nnotes_every = \"0s\"\n", want: []string{"watch.notes_every"}},
		{name: "no note budget", extra: "[watch]\nnotes_budget = -1\n", want: []string{"watch.notes_budget", "-1"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, errs := parseConfig([]byte(harnessConfig("x.db", tc.bot, tc.extra, ff, kf)))
			if len(tc.want) == 0 {
				if len(errs) > 0 {
					t.Fatalf("valid config refused: %v", errs)
				}
				return
			}
			for _, err := range errs {
				ok := true
				for _, w := range tc.want {
					ok = ok && strings.Contains(err.Error(), w)
				}
				if ok {
					return
				}
			}
			t.Errorf("no error says all of %q: %v", tc.want, errs)
		})
	}
}

// TestWatcherTakesTheZoneAndNoteSettings: [bot] timezone reaches the watcher (quiet hours,
// summaries) and [watch] notes_* its note cadence; without them the defaults hold.
func TestWatcherTakesTheZoneAndNoteSettings(t *testing.T) {
	kf := ksyuntest.New("ks-app", "ks-secret-e2e")
	ff := feishutest.New("cli_e2e", "feishu-secret-e2e")
	t.Cleanup(kf.Close)
	t.Cleanup(ff.Close)
	t.Setenv("E2E_FEISHU_SECRET", "feishu-secret-e2e")
	t.Setenv("E2E_KSYUN_SECRET", "ks-secret-e2e")
	for _, tc := range []struct {
		name, bot, extra string
		zone             string
		every            time.Duration
		budget           int
	}{
		{name: "defaults", zone: "Asia/Shanghai", every: 5 * time.Minute, budget: 30},
		{name: "set", bot: `timezone = "Europe/Berlin"`, extra: "[watch]\nnotes_every = \"2m\"\nnotes_budget = 7\n",
			zone: "Europe/Berlin", every: 2 * time.Minute, budget: 7},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg, errs := parseConfig([]byte(harnessConfig("x.db", tc.bot, tc.extra, ff, kf)))
			if len(errs) > 0 {
				t.Fatal(errs)
			}
			wc := watchConfig(cfg)
			if wc.Location == nil || wc.Location.String() != tc.zone || wc.NotesEvery != tc.every || wc.NotesBudget != tc.budget {
				t.Errorf("watcher gets zone %v, notes every %v, budget %d; want %s, %v, %d",
					wc.Location, wc.NotesEvery, wc.NotesBudget, tc.zone, tc.every, tc.budget)
			}
		})
	}
}
