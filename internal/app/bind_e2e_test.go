package app

import (
	"fmt"
	"testing"

	"github.com/ticketbot/ticketbot/bot/feishu/feishutest"
)

// 绑定 through the real server: a chat admin binds a colleague they @-mention on Feishu, the
// colleague's ticket is filed at Kingsoft as their 长工号 (not the configured default), and
// 我是谁 shows them the stored binding.
func TestEndToEndBindActsAsThePerson(t *testing.T) {
	const li = "ou_e2e_lisi"
	chats := fmt.Sprintf("[[chats]]\nplatform = \"feishu\"\nchat_id = %q\nadmins = [%q]\n", e2eChat, e2eUser)
	h := startHarness(t, chats)

	mentions := []feishutest.Mention{
		{Key: "@_user_1", OpenID: feishutest.BotOpenID, Name: "ticketbot", Type: "bot"},
		{Key: "@_user_2", OpenID: li, Name: "李四", Type: "user"},
	}
	h.say("ev-bind", "om_bind", "", feishutest.WithContent("text", `{"text":"@_user_1 绑定 ksyun 40001 @_user_2"}`, mentions...))
	h.waitAnswer("om_bind", "已将 @李四 绑定为金山云长工号 40001")

	// 李四 files a ticket: Kingsoft has it as created by 40001.
	if code, body := h.post(feishutest.TextMessageEvent("ev-li-new", "om_li_new", e2eChat, li, "建单 ksyun 磁盘告警",
		feishutest.WithVerificationToken(e2eToken))); code != 200 {
		t.Fatalf("HTTP %d %s", code, body)
	}
	h.waitFor("the ticket at the vendor", func() bool { return len(h.ksyun.Tickets()) == 1 })
	if got := h.ksyun.Tickets()[0].CreatorID; got != 40001 {
		t.Errorf("the ticket's creator_id at Kingsoft = %d, want 40001 (李四's bound 长工号)", got)
	}

	// The binding is stored: 李四 sees it with 我是谁.
	if code, body := h.post(feishutest.TextMessageEvent("ev-li-who", "om_li_who", e2eChat, li, "我是谁",
		feishutest.WithVerificationToken(e2eToken))); code != 200 {
		t.Fatalf("HTTP %d %s", code, body)
	}
	h.waitAnswer("om_li_who", "金山云 长工号 40001（已绑定）")
}
