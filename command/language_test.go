package command

import (
	"context"
	"strings"
	"testing"
	"time"
	"unicode"

	"github.com/ticketbot/ticketbot/bot"
	"github.com/ticketbot/ticketbot/providers"
	"github.com/ticketbot/ticketbot/store"
)

// choose stores a language choice, as 语言 would.
func choose(scope, id, lang string) func(t *testing.T, h *harness, _ *fakeVendor) {
	return func(t *testing.T, h *harness, _ *fakeVendor) {
		t.Helper()
		if err := h.store.SetLanguage(context.Background(), store.LanguageChoice{Platform: "feishu", Scope: scope, ID: id,
			Language: lang, By: "ou_admin", At: time.Now()}); err != nil {
			t.Fatal(err)
		}
	}
}

// chosen checks the stored choices of ou_zhang in the test chat.
func chosen(want store.Languages) func(t *testing.T, h *harness, _ *fakeVendor) {
	return func(t *testing.T, h *harness, _ *fakeVendor) {
		t.Helper()
		got, err := h.store.Languages(context.Background(), "feishu", "oc_group", "ou_zhang")
		if err != nil || got != want {
			t.Errorf("stored languages %+v (%v), want %+v", got, err, want)
		}
	}
}

var (
	zhangAdmin = Config{Chats: []Chat{{Platform: "feishu", ChatID: "oc_group", Admins: []string{"ou_zhang"}}}}
	liAdmin    = Config{Chats: []Chat{{Platform: "feishu", ChatID: "oc_group", Admins: []string{"ou_li"}}}}
	englishCfg = Config{Chats: []Chat{{Platform: "feishu", ChatID: "oc_group", Language: "en"}}}
)

// 语言: anyone chooses their own language, a chat's admins the chat's; 语言 alone says what it
// is and why; a word that is no language changes nothing.
func TestLanguageCommand(t *testing.T) {
	runCases(t, []cmdCase{{
		name:  "nothing chosen",
		text:  "语言",
		want:  []string{"机器人对你说中文（默认），对本群说中文（默认）", "语言 en 群"},
		check: chosen(store.Languages{}),
	}, {
		name:  "nothing chosen, asked in English",
		text:  "language",
		want:  []string{"The bot speaks Chinese to you (the default) and Chinese to this chat (the default)", "language en chat"},
		check: chosen(store.Languages{}),
	}, {
		name: "as configured and chosen",
		cfg:  englishCfg,
		setup: func(t *testing.T, h *harness, v *fakeVendor) {
			choose(store.ScopePerson, "ou_zhang", "zh")(t, h, v)
		},
		text: "语言",
		want: []string{"机器人对你说中文（你自己设的），对本群说英文（配置）"},
	}, {
		name:  "one's own",
		text:  "语言 en",
		want:  []string{"the bot now speaks English to you", "stay in its language (Chinese)"},
		check: chosen(store.Languages{Person: "en"}),
	}, {
		name:  "one's own, in its words",
		text:  "language 中文",
		want:  []string{"好的，机器人以后对你说中文"},
		check: chosen(store.Languages{Person: "zh"}),
	}, {
		name:  "back to the default",
		setup: choose(store.ScopePerson, "ou_zhang", "en"),
		text:  "语言 默认",
		want:  []string{"你的语言恢复默认：随本群（中文）"},
		check: chosen(store.Languages{}),
	}, {
		name:  "the chat's, by its admin",
		cfg:   zhangAdmin,
		text:  "语言 en 群",
		want:  []string{"this chat's language is now English"},
		check: chosen(store.Languages{Chat: "en"}),
	}, {
		name:  "the chat's, back to the configuration",
		cfg:   zhangAdmin,
		setup: choose(store.ScopeChat, "oc_group", "en"),
		text:  "language default chat",
		want:  []string{"this chat's language is back to the configured Chinese"},
		check: chosen(store.Languages{}),
	}, {
		name:  "the chat's, where it names no admin",
		text:  "语言 en 群",
		want:  []string{"this chat's language is now English"},
		check: chosen(store.Languages{Chat: "en"}),
	}, {
		name:  "the chat's, by someone else",
		cfg:   liAdmin,
		text:  "语言 en 群",
		want:  []string{"只有本群管理员可以设置本群的语言"},
		check: chosen(store.Languages{}),
	}, {
		name:  "no such language",
		setup: choose(store.ScopePerson, "ou_zhang", "zh"),
		text:  "语言 fr",
		want:  []string{"不认识的语言「fr」（可用：zh / en / 默认", "用法：语言 [zh|en|默认] [群]"},
		check: chosen(store.Languages{Person: "zh"}),
	}, {
		name:  "no such language, in English",
		text:  "language fr",
		want:  []string{`Unknown language "fr" (zh, en or default`, "Usage: language [zh|en|default] [chat]"},
		check: chosen(store.Languages{}),
	}, {
		name:  "words that do not belong",
		text:  "语言 en 群 现在",
		want:  []string{"多余的内容「现在」"},
		check: chosen(store.Languages{}),
	}})
}

// Whose language an answer is in (langs.go): the person's choice, the chat's, the English
// name of a command, the configuration, Chinese. Each case answers 关闭 (or close) without a
// ticket: a usage hint.
func TestLanguagePrecedence(t *testing.T) {
	const zh, en = "缺少工单号。用法：关闭", "The ticket is missing. Usage: close"
	for _, tc := range []struct {
		name       string
		cfg        Config
		user, text string
		setup      []func(*testing.T, *harness, *fakeVendor)
		want       string
	}{
		{name: "nothing chosen", text: "关闭", want: zh},
		{name: "typed in English", text: "close", want: en},
		{name: "the configuration", cfg: englishCfg, text: "关闭", want: en},
		{name: "the English name beats the configuration", cfg: Config{Chats: []Chat{{Platform: "feishu", ChatID: "oc_group", Language: "zh"}}},
			text: "close", want: en},
		{name: "the chat's choice beats the configuration", cfg: englishCfg,
			setup: []func(*testing.T, *harness, *fakeVendor){choose(store.ScopeChat, "oc_group", "zh")}, text: "关闭", want: zh},
		{name: "the chat's choice reaches everyone in it", user: "ou_li",
			setup: []func(*testing.T, *harness, *fakeVendor){choose(store.ScopeChat, "oc_group", "en")}, text: "关闭", want: en},
		{name: "a stored choice beats the English name",
			setup: []func(*testing.T, *harness, *fakeVendor){choose(store.ScopeChat, "oc_group", "zh")}, text: "close", want: zh},
		{name: "one's own beats the chat's",
			setup: []func(*testing.T, *harness, *fakeVendor){choose(store.ScopeChat, "oc_group", "en"), choose(store.ScopePerson, "ou_zhang", "zh")},
			text:  "close", want: zh},
		{name: "one's own follows them into every chat",
			setup: []func(*testing.T, *harness, *fakeVendor){choose(store.ScopePerson, "ou_zhang", "en")}, text: "关闭", want: en},
		{name: "someone else's is theirs", user: "ou_li",
			setup: []func(*testing.T, *harness, *fakeVendor){choose(store.ScopePerson, "ou_zhang", "en")}, text: "关闭", want: zh},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := buildHarness(t, tc.cfg, ":memory:", map[string]providers.Provider{"ksyun": newFakeVendor("ksyun")})
			for _, s := range tc.setup {
				s(t, h, nil)
			}
			got := only(t, h.send(msg{user: tc.user, text: tc.text})).Text()
			if !strings.Contains(got, tc.want) {
				t.Errorf("answered %q, want %q", got, tc.want)
			}
		})
	}
}

// A ticket card is the chat's: drawn in the chat's language whoever asked for it, while the
// sentence and the toast answering the person are in theirs.
func TestTicketCardsAreInTheChatsLanguage(t *testing.T) {
	for _, tc := range []struct {
		name        string
		setup       []func(*testing.T, *harness, *fakeVendor)
		card, toast string
	}{
		{name: "a person reading English in a Chinese chat",
			setup: []func(*testing.T, *harness, *fakeVendor){choose(store.ScopePerson, "ou_zhang", "en")},
			card:  "**工单号**：ksyun:1204", toast: "Refreshed"},
		{name: "a person reading Chinese in an English chat",
			setup: []func(*testing.T, *harness, *fakeVendor){choose(store.ScopeChat, "oc_group", "en"), choose(store.ScopePerson, "ou_zhang", "zh")},
			card:  "**Ticket**: ksyun:1204", toast: "已刷新"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := buildHarness(t, Config{}, ":memory:", map[string]providers.Provider{"ksyun": newFakeVendor("ksyun")})
			for _, s := range tc.setup {
				s(t, h, nil)
			}
			typed := only(t, h.send(msg{text: "查看 ksyun:1204"})).Text()
			res := h.click("feishu", "om_card", "show ksyun:1204", nil)
			for _, card := range []string{typed, string(res.Card)} {
				if !strings.Contains(card, tc.card) {
					t.Errorf("card without %q:\n%s", tc.card, card)
				}
			}
			if res.Toast.Text != tc.toast {
				t.Errorf("toast %q, want %q", res.Toast.Text, tc.toast)
			}
		})
	}
}

// The watcher's notices, cards and daily summary go to a chat: in the chat's language.
func TestWatcherSpeaksTheChatsLanguage(t *testing.T) {
	h := buildHarness(t, englishCfg, ":memory:", map[string]providers.Provider{"ksyun": newFakeVendor("ksyun")})
	choose(store.ScopePerson, "ou_zhang", "zh")(t, h, nil) // a person's own choice is not the chat's
	tk := providers.Ticket{Provider: "ksyun", ID: "1204", Title: "数据库连接超时", Status: providers.StatusWaitingOnUs}
	remember(t, h, tk, "")
	follow(t, h, "1204")
	ctx := context.Background()
	notice, err := h.bot.Notices(ctx, "feishu", "oc_group", []bot.NoticeView{{Ticket: tk, Kind: "status",
		From: providers.StatusInProgress, To: providers.StatusWaitingOnUs}})
	if err != nil {
		t.Fatal(err)
	}
	card, err := h.bot.TicketCard(ctx, "feishu", "oc_group", tk)
	if err != nil {
		t.Fatal(err)
	}
	summary, err := h.bot.Summary(ctx, "feishu", "oc_group")
	if err != nil || summary == nil {
		t.Fatalf("summary %v, %v", summary, err)
	}
	for what, tc := range map[string]struct{ got, want string }{
		"notice":  {string(notice.Body), "Underway → Our turn: the vendor waits for our information"},
		"card":    {string(card.Body), "**Status**: Our turn"},
		"summary": {string(summary.Body), "Daily summary: open tickets in this chat (1)"},
	} {
		if !strings.Contains(tc.got, tc.want) {
			t.Errorf("%s without %q:\n%s", what, tc.want, tc.got)
		}
		if runs := chinese(tc.got, tk.Title); len(runs) > 0 {
			t.Errorf("the English %s says %q:\n%s", what, runs, tc.got)
		}
	}
	// Another chat is told in Chinese.
	other, err := h.bot.Notices(ctx, "feishu", "oc_other", []bot.NoticeView{{Ticket: tk, Kind: "note"}})
	if err != nil || !strings.Contains(string(other.Body), "工单有新回复") {
		t.Errorf("another chat's notice %s, %v", other.Body, err)
	}
}

// The dispatcher's own toasts are in the clicker's language, from what the store's memory
// knows; the ack path is answered in the configured language until it does.
func TestToastsInTheClickersLanguage(t *testing.T) {
	h := buildHarness(t, Config{}, ":memory:", map[string]providers.Provider{"ksyun": newFakeVendor("ksyun")})
	choose(store.ScopePerson, "ou_zhang", "en")(t, h, nil)
	a := bot.Action{Platform: "feishu", ChatID: "oc_group", UserID: "ou_zhang"}
	if got := h.bot.Toasts(a).InProgress; got != "Working on it; the card updates itself when done" {
		t.Errorf("toast %q", got)
	}
	a.UserID = "ou_li"
	if got := h.bot.Toasts(a).Busy; got != "机器人正忙，请稍后再试" {
		t.Errorf("toast %q", got)
	}

	// Through the store's memory: nothing known yet, the configuration's; then the choice.
	h.bot.cfg = englishCfg
	h.cached()
	cached := h.bot
	a.UserID = "ou_zhang"
	if got := cached.Toasts(a).Busy; got != "The bot is busy; please try again shortly" {
		t.Errorf("toast before the memory knows %q", got)
	}
	cached.storedLanguages(context.Background(), "feishu", "oc_group", "ou_zhang")
	choose(store.ScopePerson, "ou_zhang", "zh")(t, h, nil) // stored behind the memory's back
	if got := cached.Toasts(a).Busy; got != "The bot is busy; please try again shortly" {
		t.Errorf("toast from memory %q", got)
	}
}

// The ack path answers help and usage hints from the store's memory alone: when it does not
// know a person's language it leaves the message to the queue, which reads it.
func TestAnswerNowKnowsTheLanguageOrWaits(t *testing.T) {
	h := buildHarness(t, Config{}, ":memory:", map[string]providers.Provider{"ksyun": newFakeVendor("ksyun")})
	choose(store.ScopePerson, "ou_zhang", "en")(t, h, nil)
	h.cached()
	b := h.bot
	m := h.message(msg{text: "关闭"})
	if out, ok := b.AnswerNow(m); ok {
		t.Fatalf("answered now without knowing the language: %s", out.Body)
	}
	n := h.feishu.count()
	b.HandleMessage(context.Background(), m)
	if got := only(t, h.feishu.since(n)).Text(); !strings.Contains(got, "The ticket is missing") {
		t.Fatalf("the queue answered %q", got)
	}
	out, ok := b.AnswerNow(h.message(msg{text: "关闭"}))
	if !ok || !strings.Contains(string(out.Body), "The ticket is missing") {
		t.Errorf("AnswerNow once the memory knows = %v %s", ok, out.Body)
	}
}

// wecomLookAlikes are the full-width characters WeCom markdown's escape puts in place of
// markdown's own (［remark］): no Chinese.
var wecomLookAlikes = strings.NewReplacer("＜", "<", "＞", ">", "［", "[", "］", "]", "＊", "*", "｀", "`", "＃", "#")

// chinese lists the runs of Chinese characters in s that are not in data.
func chinese(s string, data ...string) []string {
	var out []string
	for _, run := range strings.FieldsFunc(wecomLookAlikes.Replace(s), func(r rune) bool {
		return !(unicode.Is(unicode.Han, r) || r >= 0x3000 && r <= 0x303f || r >= 0xff00 && r <= 0xffef)
	}) {
		found := false
		for _, d := range data {
			found = found || strings.Contains(d, run)
		}
		if !found {
			out = append(out, run)
		}
	}
	return out
}

// A person who reads English is answered in English, all of it: every command's answers,
// cards, usage hints and toasts, but the ticket's own title and the person's name.
func TestEnglishIsComplete(t *testing.T) {
	// The ticket's title, the person's name, and words of theirs quoted back (a priority, words
	// that do not belong): what people wrote.
	data := []string{"数据库连接超时", "张三", "超级高", "多余", "不是命令", "上周"}
	cfg := Config{CommandsPerMinute: -1, Chats: []Chat{{Platform: "feishu", ChatID: "oc_group", Admins: []string{"ou_zhang"}, Language: "en"},
		{Platform: "wecom", ChatID: "oc_group", Admins: []string{"ou_zhang"}, Language: "en"}}}
	for _, platform := range []string{"feishu", "wecom"} {
		h := buildHarness(t, cfg, ":memory:", map[string]providers.Provider{"ksyun": newFakeVendor("ksyun")})
		for _, text := range []string{
			"帮助", "帮助 回复", "我是谁", "语言", "语言 en", "列表", "列表 全部", "建单 数据库连接超时", "查看 ksyun:1204", "关注 ksyun:1204",
			"列表", "回复 ksyun:1204 已重启", "关闭", "回复 ksyun:1204", "建单", "建单 ksyun 数据库连接超时\n优先级: 超级高",
			"建单 tencent 数据库连接超时", "关闭 ksyun:abc!", "查看 ksyun:1 多余", "frobnicate", "不是命令", "语言 fr", "关闭 ksyun:1204",
			"关闭 ksyun:1204", "取消关注 ksyun:1204", "取消关注 ksyun:1204",
			"绑定 ksyun 38361", "我是谁", "绑定 ksyun", "解绑 ksyun", "解绑 ksyun", "绑定 tencent 1",
			"重开 ksyun:1204", "驳回 ksyun:1204 不是本组的问题", "驳回 ksyun:1204", "流转 ksyun:1204 lina 请跟进", "流转 ksyun:1204",
			"周报", "周报 上周",
		} {
			answers := h.send(msg{platform: platform, text: text})
			if len(answers) == 0 {
				t.Errorf("%s %q: no answer", platform, text)
			}
			for _, p := range answers {
				if runs := chinese(p.Text(), data...); len(runs) > 0 {
					t.Errorf("%s %q: the English answer says %q:\n%s", platform, text, runs, p.Text())
				}
			}
		}
		for _, click := range []string{"show ksyun:1204", "reply ksyun:1204", "confirm close ksyun:1204", "card ksyun:1204", "watch ksyun:1204", "close ksyun:1204 #v0",
			"reopen ksyun:1204", "reject ksyun:1204", "transfer ksyun:1204"} {
			res := h.click(platform, "om_card", click, nil)
			for _, s := range []string{res.Toast.Text, string(res.Card)} {
				if runs := chinese(s, data...); len(runs) > 0 {
					t.Errorf("%s click %q: the English answer says %q:\n%s", platform, click, runs, s)
				}
			}
		}
	}
}
