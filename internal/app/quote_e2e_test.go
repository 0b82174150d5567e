package app

import (
	"testing"
	"time"

	"github.com/ticketbot/ticketbot/bot/feishu/feishutest"
)

// An alert in the group becomes a ticket: a Feishu reply to it with @ticketbot 建单 files a
// Kingsoft ticket titled by the alert's first line, with its text, sender and time as the
// details, read from Feishu's message API.
func TestEndToEndCreateFromAnAlert(t *testing.T) {
	h := startHarness(t, "")
	at := time.Date(2026, 12, 7, 1, 40, 0, 0, time.UTC)
	h.feishu.PutMessage(feishutest.ChatMessage{ID: "om_alert", ChatID: e2eChat, MsgType: "text", SenderID: "ou_wangwu",
		Content: `{"text":"【P1】订单服务 502\n从 09:38 起 5xx 比例 35%"}`, CreateTime: at})
	h.feishu.PutUser("ou_wangwu", "王五")

	h.say("ev-from-alert", "om_from_alert", "建单 ksyun", feishutest.WithParentID("om_alert"), feishutest.WithRootID("om_alert"))
	h.waitFor("the ticket at the vendor", func() bool { return len(h.ksyun.Tickets()) == 1 })
	tk := h.ksyun.Tickets()[0]
	if tk.Title != "【P1】订单服务 502" || tk.Detail != "【群聊消息】王五，2026-12-07 09:40：\n【P1】订单服务 502\n从 09:38 起 5xx 比例 35%" {
		t.Errorf("ticket at Kingsoft: title %q, detail %q", tk.Title, tk.Detail)
	}
	h.waitFor("the ticket card", func() bool { return len(h.messages("interactive")) == 1 })
}
