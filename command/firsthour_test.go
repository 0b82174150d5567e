package command

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/ticketbot/ticketbot/bot"
	"github.com/ticketbot/ticketbot/providers"
)

// A usage mistake is answered with the command's usage, never 「内部错误」, and logs no ERROR.
func TestUsageMistakesAreNoInternalError(t *testing.T) {
	h := newHarness(t, Config{DefaultProvider: "ksyun"})
	for _, tc := range []struct{ platform, in, want string }{
		{"feishu", "回复 ksyun:1204", "缺少回复内容。用法：回复 工单号 内容（也可以在工单卡片的话题里直接回复）"},
		{"wecom", "回复 ksyun:1204", "缺少回复内容。用法：回复 工单号 内容（也可以引用工单卡片直接回复）"},
		{"feishu", "reply ksyun:1204", "The reply text is missing. Usage: reply ticket text (or answer in the ticket card's thread)"},
		{"feishu", "查看 ksyun:1204 谢谢", "多余的内容「谢谢」。用法：查看 工单号"},
		{"feishu", "关闭 ../../etc", "「../../etc」不是工单号"},
		{"feishu", "deploy prod", "There is no command \"deploy\""},
		{"feishu", "部署 生产", "没有「部署」这个命令"},
	} {
		p := only(t, h.send(msg{platform: tc.platform, text: tc.in}))
		if p.Op != "reply" || !strings.Contains(p.Text(), tc.want) || strings.Contains(p.Text(), "内部错误") {
			t.Errorf("%s %q answered %s %q, want ~%q", tc.platform, tc.in, p.Op, p.Text(), tc.want)
		}
	}
	if c, r, cl := h.vendors["ksyun"].calls(); c+r+cl != 0 {
		t.Errorf("the vendor was called: %d %d %d", c, r, cl)
	}
	if strings.Contains(h.log(), "level=ERROR") {
		t.Errorf("a usage mistake logged an error:\n%s", h.log())
	}
}

// "回复" alone in a ticket card's thread is about that ticket: the text is what is missing.
func TestUsageInACardsThread(t *testing.T) {
	h := newHarness(t, Config{DefaultProvider: "ksyun"})
	card := only(t, h.say("建单 数据库连接超时"))
	if card.Op != "send" {
		t.Fatalf("create answered %+v", card)
	}
	p := only(t, h.send(msg{text: "回复", parent: card.ID}))
	if !strings.Contains(p.Text(), "缺少回复内容") {
		t.Errorf("回复 alone in the thread: %q", p.Text())
	}
	h.send(msg{text: "回复 ok", parent: card.ID})
	if _, r, _ := h.vendors["ksyun"].calls(); r != 1 || h.vendors["ksyun"].replies[0] != "1204: ok" {
		t.Errorf("回复 ok in the thread reached the vendor as %v", h.vendors["ksyun"].replies)
	}
}

// A first word that looks like a vendor's name is asked about and nothing is created; a
// vendor ticketbot knows but this deployment lacks is refused by name; the create answer
// names the vendor.
func TestCreateAsksAboutAVendorThatLooksMistyped(t *testing.T) {
	h := newHarness(t, Config{DefaultProvider: "ksyun"}, "ksyun", "aliyun", "weiban")
	for _, tc := range []struct{ in, want string }{
		{"建单 aliyn ECS 无法登录", "没有供应商 aliyn，你是想用 aliyun 吗？可用：ksyun、aliyun、weiban"},
		{"建单 ksyn 数据库超时", "你是想用 ksyun 吗？"},
		{"建单 weibna 消息同步失败", "你是想用 weiban 吗？"},
		{"建单 阿里 ECS 无法登录", "没有供应商 阿里，你是想用 aliyun 吗？"},
		{"建单 tencent 服务器宕机", "ticketbot 不能在腾讯云建单（tencent）"},
		{"new aliyn ECS down", "There is no vendor aliyn; did you mean aliyun?"},
	} {
		p := only(t, h.say(tc.in))
		if !strings.Contains(p.Text(), tc.want) || !strings.Contains(p.Text()+"|", "建单 ksyun ") && !strings.Contains(p.Text(), "new ksyun ") {
			t.Errorf("%q answered %q, want ~%q with the way out", tc.in, p.Text(), tc.want)
		}
	}
	for name, v := range h.vendors {
		if c, _, _ := v.calls(); c != 0 {
			t.Errorf("%s got %d creates from a question", name, c)
		}
	}
	// Ordinary first words are titles: 微信 is not 微伴, api is not aliyun.
	for _, in := range []string{"建单 微信 消息同步失败", "建单 api 超时", "建单 ksyun aliyn 是标题的一部分"} {
		p := only(t, h.say(in))
		if p.Op != "send" {
			t.Errorf("%q was not created: %q", in, p.Text())
		}
	}
	if n := len(h.vendors["ksyun"].creates); n != 3 || h.vendors["ksyun"].creates[2].Title != "aliyn 是标题的一部分" {
		t.Errorf("ksyun creates: %+v", h.vendors["ksyun"].creates)
	}

	h2 := newHarness(t, Config{DefaultProvider: "ksyun"}, "ksyun")
	p := only(t, h2.say("建单 aliyun ECS 无法登录"))
	if !strings.Contains(p.Text(), "本部署没有配置阿里云（aliyun）") || !strings.Contains(p.Text(), "可用：ksyun") {
		t.Errorf("unconfigured vendor: %q", p.Text())
	}
	if c, _, _ := h2.vendors["ksyun"].calls(); c != 0 {
		t.Error("a create for an unconfigured vendor went to the default one")
	}
}

// Every create answer names the vendor: the card's subtitle, and the sentence where there is
// no card.
func TestCreateAnswerNamesTheVendor(t *testing.T) {
	h := newHarness(t, Config{}, "ksyun", "aliyun")
	p := only(t, h.say("建单 aliyun ECS 无法登录"))
	if p.Op != "send" || !strings.Contains(p.Text(), "阿里云 · aliyun:1204") {
		t.Errorf("card: %s", p.Text())
	}
	p = only(t, h.say("建单 数据库超时"))
	if !strings.Contains(p.Text(), "请写明在哪个供应商建单，例如「建单 ksyun 数据库超时」。可用：ksyun、aliyun") {
		t.Errorf("no vendor named: %q", p.Text())
	}
	o := h.bot.env.createdOutcome(&req{}, providers.Ticket{Provider: "ksyun", ID: "7"}, "", false)
	if o.text != "已在金山云创建工单 ksyun:7" {
		t.Errorf("created text %q", o.text)
	}
}

// A ticket card that the chat cannot take now is late, not degraded: it waits in the outbox
// and comes as the card, once.
func TestAnswerTheChatCannotTakeNowComesLater(t *testing.T) {
	h := newHarness(t, Config{DefaultProvider: "ksyun"})
	busy := errors.New("feishu: send: code 99991400: request trigger frequency limit")
	h.feishu.fail = func(n int, p posted) error {
		if p.Op == "send" && n == 1 {
			return busy
		}
		return nil
	}
	if got := h.say("建单 数据库连接超时"); len(got) != 0 {
		t.Fatalf("a refused card turned into %+v", got)
	}
	h.bot.Now = func() time.Time { return time.Now().Add(time.Minute) }
	h.bot.DrainOutbox(context.Background())
	sent := h.feishu.since(0)
	if len(sent) != 1 || sent[0].Op != "send" || sent[0].Out.Kind != bot.KindCard || sent[0].Out.Key == "" || !strings.Contains(sent[0].Text(), "数据库连接超时") {
		t.Fatalf("later: %+v", sent)
	}
	// The late card is the ticket's card: a reply in its thread reaches the ticket.
	h.send(msg{text: "已重启", parent: sent[0].ID})
	if _, r, _ := h.vendors["ksyun"].calls(); r != 1 {
		t.Error("the late card is not the ticket's card")
	}
	before := h.feishu.count()
	h.bot.DrainOutbox(context.Background())
	if again := h.feishu.since(before); len(again) != 0 {
		t.Errorf("the late card was sent again: %+v", again)
	}
}

// A span reads as people say it, never as Go prints a duration ("24h0m0s").
func TestSpanReadsAsPeopleSayIt(t *testing.T) {
	for _, tc := range []struct {
		d      time.Duration
		zh, en string
	}{
		{24 * time.Hour, "24 小时", "24 hours"},
		{90 * time.Minute, "1 小时 30 分钟", "1 hour 30 minutes"},
		{time.Minute, "1 分钟", "1 minute"},
		{45 * time.Second, "45 秒", "45 seconds"},
	} {
		if zh, en := spanZh(tc.d), spanEN(tc.d); zh != tc.zh || en != tc.en {
			t.Errorf("%v reads %q / %q, want %q / %q", tc.d, zh, en, tc.zh, tc.en)
		}
	}
	if s := testEnv.failSentence(&providers.VendorError{Provider: "ksyun", Code: "503", Temporary: true}, "ksyun", "ksyun:1", false, 24*time.Hour); s != "金山云在 24 小时内一直无法访问（最后错误 503）。" {
		t.Errorf("give-up sentence %q", s)
	}
}
