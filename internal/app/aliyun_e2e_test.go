package app

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/ticketbot/ticketbot/bot/feishu/feishutest"
	"github.com/ticketbot/ticketbot/bot/wecom"
	"github.com/ticketbot/ticketbot/bot/wecom/wecomtest"
	"github.com/ticketbot/ticketbot/providers/aliyun"
	"github.com/ticketbot/ticketbot/providers/aliyun/aliyuntest"
)

func startAliyunHarness(t *testing.T) (*harness, *aliyuntest.Server) {
	t.Helper()
	af := aliyuntest.New("ali-key-id", "ali-key-secret-e2e")
	t.Cleanup(af.Close)
	c := af.Config()
	h := startHarness(t, fmt.Sprintf(`
[providers.aliyun]
base_url = %q
access_key_id = %q
access_key_secret = %q
ali_uid = %d
product_id = %d
param_names = %q
`, c.BaseURL, c.AccessKeyID, c.AccessKeySecret.Reveal(), c.AliUID, c.ProductID, c.ParamNames))
	return h, af
}

func TestEndToEndAliyunThroughFeishu(t *testing.T) {
	h, af := startAliyunHarness(t)

	// Create: the ticket at Aliyun for the configured account, the card in the chat.
	h.say("ev-1", "om_a1", "建单 aliyun ECS 无法登录\n登录报错 Permission denied")
	h.waitFor("the card", func() bool { return len(h.messages("interactive")) == 1 })
	tickets := af.Tickets()
	if len(tickets) != 1 || tickets[0].Title != "ECS 无法登录" || !strings.Contains(tickets[0].Content, "Permission denied") ||
		tickets[0].AliUID != aliyuntest.AliUID {
		t.Fatalf("tickets at Aliyun: %+v", tickets)
	}
	id := tickets[0].ID
	card := h.messages("interactive")[0]
	if !strings.Contains(card.Content, "aliyun:"+id) || strings.Contains(card.Content, `"cmd":"close `) {
		t.Errorf("card (the 2016 API has no close: no button): %s", card.Content)
	}

	// A thread answer becomes a QuestionReply.
	h.waitCardRecorded(card.ID)
	h.say("ev-2", "om_a2", "实例 ID 是 i-bp1abc", feishutest.WithRootID(card.ID), feishutest.WithParentID(card.ID))
	h.waitFor("the reply at Aliyun", func() bool { return len(af.CallsTo("QuestionReply")) == 1 })

	// 刷新 shows the conversation's latest note (小二).
	if err := af.AddOfficialNote(id, "已为您重置密码，请重试"); err != nil {
		t.Fatal(err)
	}
	a := h.click("ev-3", card.ID, "show aliyun:"+id, nil)
	for _, want := range []string{"最近回复", "**小二**", "已为您重置密码", "**用户**", "实例 ID 是 i-bp1abc"} {
		if !strings.Contains(string(a.Card.Data), want) {
			t.Errorf("refreshed card lacks %q: %s", want, a.Card.Data)
		}
	}

	// close says why it cannot.
	h.say("ev-4", "om_a4", "关闭 aliyun:"+id)
	if a := h.waitAnswer("om_a4", "不支持"); !strings.Contains(a, "api_version") || !strings.Contains(a, "2021-06-10") {
		t.Errorf("close on the 2016 API: %s", a)
	}
}

func TestConfidentialContentOnlyOneToOne(t *testing.T) {
	h, af := startAliyunHarness(t)
	const secret = "root 密码 Tb#2026-secret"
	h.say("ev-1", "om_c1", "建单 aliyun RDS 连接失败")
	h.waitFor("the card", func() bool { return len(h.messages("interactive")) == 1 })
	id := af.Tickets()[0].ID

	// In the group: refused, nothing sent to Aliyun, the secret not repeated.
	h.say("ev-2", "om_c2", "回复 aliyun:"+id+"\n机密: "+secret)
	if txt := h.waitAnswer("om_c2", "单聊"); strings.Contains(txt, secret) {
		t.Errorf("group refusal: %s", txt)
	}
	if n := len(af.CallsTo("QuestionReply")); n != 0 {
		t.Fatalf("a confidential reply from a group reached Aliyun (%d calls)", n)
	}

	// Aliyun down: not kept (confidential content is never stored), and the person is told.
	af.FailAction("QuestionReply", 1, 503)
	h.say("ev-2b", "om_c2b", "回复 aliyun:"+id+"\n机密: "+secret, feishutest.WithChatType("p2p"))
	if txt := h.waitAnswer("om_c2b", "没有排队重试"); strings.Contains(txt, secret) {
		t.Errorf("outage answer repeats the secret: %s", txt)
	}
	jobs, err := h.openStore().JobsSince(context.Background(), time.Now().Add(-time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	for _, j := range jobs {
		if strings.Contains(string(j.Payload), secret) || j.Kind == "reply" {
			t.Errorf("a confidential reply was kept as job %s", j.ID)
		}
	}

	// One to one with the bot: sent as secContent, never echoed.
	before := len(af.CallsTo("QuestionReply")) // the one refused by the outage
	h.say("ev-3", "om_c3", "回复 aliyun:"+id+"\n机密: "+secret, feishutest.WithChatType("p2p"))
	h.waitFor("the confidential reply", func() bool { return len(af.CallsTo("QuestionReply")) == before+1 })
	var sentAsSecret bool
	for k, v := range af.CallsTo("QuestionReply")[before].Params {
		if strings.Contains(strings.ToLower(k), "seccontent") && len(v) == 1 && v[0] == secret {
			sentAsSecret = true
		}
	}
	if !sentAsSecret {
		t.Errorf("secret not sent as secContent: %v", af.CallsTo("QuestionReply")[before].Params)
	}
	h.waitFor("the confirmation", func() bool { return len(h.messages("text")) == 3 })
	for _, m := range h.feishu.Messages() {
		if strings.Contains(m.Content, secret) {
			t.Errorf("the secret was echoed into chat: %s", m.Content)
		}
	}
	if strings.Contains(h.logs.String(), secret) {
		t.Error("the secret reached the logs")
	}
}

// A screenshot sent with the command becomes an attachment of the new ticket; a file posted
// in the card's thread becomes an attachment of a reply.
func TestAttachmentsThroughFeishu(t *testing.T) {
	h, af := startAliyunHarness(t)
	png := []byte("\x89PNG\r\n\x1a\nscreenshot")
	h.feishu.PutResource("om_f1", "img_shot", png)
	post := `{"title":"","content":[[{"tag":"at","user_id":"@_user_1"},{"tag":"text","text":" 建单 aliyun ECS 无法登录"}],[{"tag":"text","text":"见截图"}],[{"tag":"img","image_key":"img_shot"}]]}`
	h.say("ev-1", "om_f1", "", feishutest.WithContent("post", post, feishutest.Mention{Key: "@_user_1", OpenID: feishutest.BotOpenID, Name: "ticketbot", Type: "bot"}))
	h.waitFor("the card", func() bool { return len(h.messages("interactive")) == 1 })
	tk := af.Tickets()[0]
	if tk.Title != "ECS 无法登录" || len(tk.Notes) == 0 || len(tk.Notes[0].AttachIDs) != 1 {
		t.Fatalf("ticket at Aliyun: %+v", tk)
	}
	if uploads := ossUploads(af); len(uploads) != 1 || uploads[0] != "img_shot.png" {
		t.Fatalf("OSS uploads: %v", uploads)
	}

	card := h.messages("interactive")[0]
	h.waitCardRecorded(card.ID)
	h.feishu.PutResource("om_f2", "file_log", []byte("2026-11-21 10:00 ERROR too many connections"))
	h.say("ev-2", "om_f2", "", feishutest.WithContent("file", `{"file_key":"file_log","file_name":"slow.log"}`),
		feishutest.WithRootID(card.ID), feishutest.WithParentID(card.ID))
	h.waitFor("the reply with the file", func() bool { return len(af.CallsTo("QuestionReply")) == 1 })
	if uploads := ossUploads(af); len(uploads) != 2 || uploads[1] != "slow.log" {
		t.Fatalf("OSS uploads: %v", uploads)
	}

	// Too big: refused with a sentence, nothing uploaded.
	h.feishu.PutResource("om_f3", "file_big", make([]byte, aliyun.MaxUploadSize+1))
	h.say("ev-3", "om_f3", "", feishutest.WithContent("file", `{"file_key":"file_big","file_name":"core.dump"}`),
		feishutest.WithRootID(card.ID), feishutest.WithParentID(card.ID))
	h.waitFor("the refusal", func() bool {
		for _, m := range h.messages("text") {
			if strings.Contains(m.Content, "core.dump") && strings.Contains(m.Content, "2 MB") {
				return true
			}
		}
		return false
	})
	if n := len(ossUploads(af)); n != 2 {
		t.Errorf("%d uploads after a refused file, want 2", n)
	}
}

// A file posted in a card's thread while the vendor is down is not lost: the reply is kept
// in the work engine (the file as a reference, fetched again at the next try), the person is
// told, and once the vendor answers again the reply reaches it once, with its file.
func TestAttachmentKeptThroughAnOutage(t *testing.T) {
	h, af := startAliyunHarness(t)
	h.say("ev-1", "om_o1", "建单 aliyun RDS 连接数打满")
	h.waitFor("the card", func() bool { return len(h.messages("interactive")) == 1 })
	card := h.messages("interactive")[0]
	h.waitCardRecorded(card.ID)

	af.FailAction("getOSSTempAuthor", 3, 503) // the client tries a read three times
	h.feishu.PutResource("om_o2", "file_slow", []byte("2026-12-06 10:00 ERROR too many connections"))
	h.say("ev-2", "om_o2", "", feishutest.WithContent("file", `{"file_key":"file_slow","file_name":"slow.log"}`),
		feishutest.WithRootID(card.ID), feishutest.WithParentID(card.ID))
	h.waitAnswer("om_o2", "回复已保存")
	h.waitAnswer("om_o2", "✅ 回复已送达")
	if n := len(af.CallsTo("QuestionReply")); n != 1 {
		t.Errorf("the reply reached Aliyun %d times, want 1", n)
	}
	if uploads := ossUploads(af); len(uploads) != 1 || uploads[0] != "slow.log" {
		t.Errorf("OSS uploads: %v, want the file once", uploads)
	}
	jobs, err := h.openStore().JobsSince(context.Background(), time.Now().Add(-time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	for _, j := range jobs {
		if strings.Contains(string(j.Payload), "too many connections") {
			t.Errorf("the file's content was stored in job %s", j.ID)
		}
	}
}

// ossUploads lists the names of the files posted to the fake OSS.
func ossUploads(af *aliyuntest.Server) []string {
	var out []string
	for _, c := range af.Calls() {
		if c.Action == "" && c.Method == "POST" {
			if name := c.Params.Get("file"); name != "" {
				out = append(out, name)
			}
		}
	}
	return out
}

func TestAliyunThroughWeCom(t *testing.T) {
	af := aliyuntest.New("ali-key-id", "ali-key-secret-e2e")
	t.Cleanup(af.Close)
	c := af.Config()
	h, wf := startWeComHarness(t, "webhook", fmt.Sprintf(`
[providers.aliyun]
base_url = %q
access_key_id = %q
access_key_secret = %q
ali_uid = %d
product_id = %d
param_names = %q
`, c.BaseURL, c.AccessKeyID, c.AccessKeySecret.Reveal(), c.AliUID, c.ProductID, c.ParamNames))
	url := h.url + wecom.CallbackPath
	if _, err := wf.PostText(context.Background(), url, "ali-1", wecomChat, "wangwu", "@ticketbot 建单 aliyun OSS 上传失败"); err != nil {
		t.Fatal(err)
	}
	card := waitCard(t, wf, "OSS 上传失败")
	id := af.Tickets()[0].ID
	if !strings.Contains(string(card.Body), "aliyun:"+id) || strings.Contains(string(card.Body), `"key":"close `) {
		t.Errorf("card: %s", card.Body)
	}
	if _, err := wf.PostText(context.Background(), url, "ali-2", wecomChat, "wangwu", "@ticketbot 报错码 403",
		wecomtest.WithQuote("OSS 上传失败 aliyun:"+id)); err != nil {
		t.Fatal(err)
	}
	h.waitFor("the quoted reply at Aliyun", func() bool { return len(af.CallsTo("QuestionReply")) == 1 })
}
