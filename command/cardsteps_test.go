package command

import (
	"strings"
	"testing"
)

func button(t *testing.T, card []byte, text string) string {
	t.Helper()
	for _, b := range cardButtons(t, card) {
		if b[0] == text {
			return b[1]
		}
	}
	t.Fatalf("no %s button on %s", text, card)
	return ""
}

// 关闭 on a WeCom card asks first, as Feishu's dialog does: the card turns into 「确认关闭
// ksyun:1204？」 with 确认关闭 / 取消, and nothing reaches the vendor until 确认关闭.
func TestWeComCloseAsksFirst(t *testing.T) {
	h := newHarness(t, Config{DefaultProvider: "ksyun"})
	card := only(t, h.send(msg{platform: "wecom", text: "建单 数据库连接超时"}))
	closeCmd := button(t, card.Out.Body, "关闭")
	if !strings.HasPrefix(closeCmd, "confirm close ksyun:1204 #v") {
		t.Fatalf("WeCom 关闭 carries %q", closeCmd)
	}
	res := h.click("wecom", card.ID, closeCmd, nil)
	if _, _, cl := h.vendors["ksyun"].calls(); cl != 0 {
		t.Fatal("关闭 closed without asking")
	}
	if res.Toast.Text != "" || !strings.Contains(string(res.Card), "确认关闭 ksyun:1204？") {
		t.Fatalf("confirmation: toast %q card %s", res.Toast.Text, res.Card)
	}
	// 取消: the ticket card again, quietly, still open.
	back := h.click("wecom", card.ID, button(t, res.Card, "取消"), nil)
	if back.Toast.Text != "" || !strings.Contains(string(back.Card), "待处理") || button(t, back.Card, "关闭") != closeCmd {
		t.Fatalf("取消: toast %q card %s", back.Toast.Text, back.Card)
	}
	if _, _, cl := h.vendors["ksyun"].calls(); cl != 0 {
		t.Fatal("取消 closed the ticket")
	}
	// 确认关闭: closed at the vendor, the card says so.
	res = h.click("wecom", card.ID, closeCmd, nil)
	done := h.click("wecom", card.ID, button(t, res.Card, "确认关闭"), nil)
	if _, _, cl := h.vendors["ksyun"].calls(); cl != 1 {
		t.Fatalf("确认关闭 made %d closes", cl)
	}
	if !strings.Contains(string(done.Card), "已关闭") {
		t.Fatalf("after 确认关闭: %s", done.Card)
	}
	// Feishu keeps its own dialog: the button closes, after the dialog.
	fcard := only(t, h.say("建单 另一个工单"))
	if cmd := button(t, fcard.Out.Body, "关闭"); !strings.HasPrefix(cmd, "close ksyun:1205 #v") || !strings.Contains(string(fcard.Out.Body), `"confirm"`) {
		t.Errorf("Feishu 关闭: %q", cmd)
	}
}

// Someone who may not close is told so when they press 关闭, not after confirming.
func TestWeComCloseConfirmationChecksWhoMayClose(t *testing.T) {
	h := newHarness(t, Config{DefaultProvider: "ksyun"})
	h.vendors["ksyun"].put(providerTicket("77", "别人的工单"))
	card := only(t, h.send(msg{platform: "wecom", text: "查看 77"}))
	res := h.click("wecom", card.ID, button(t, card.Out.Body, "关闭"), nil)
	if !strings.Contains(res.Toast.Text, "只有工单创建人或群管理员可以关闭") || res.Card != nil {
		t.Fatalf("toast %q card %s", res.Toast.Text, res.Card)
	}
}

// The reply box's 取消 closes the box quietly: no toast, no vendor call.
func TestReplyBoxCancelIsQuiet(t *testing.T) {
	h := newHarness(t, Config{DefaultProvider: "ksyun"})
	card := only(t, h.say("建单 数据库连接超时"))
	box := h.click("feishu", card.ID, button(t, card.Out.Body, "回复"), nil)
	if !strings.Contains(string(box.Card), `"reply_text"`) {
		t.Fatalf("回复 opened no box: %s", box.Card)
	}
	h.vendors["ksyun"].getErr = errFail
	res := h.click("feishu", card.ID, button(t, box.Card, "取消"), nil)
	if res.Toast.Text != "" || strings.Contains(string(res.Card), `"reply_text"`) || !strings.Contains(string(res.Card), "数据库连接超时") {
		t.Fatalf("取消: toast %q card %s", res.Toast.Text, res.Card)
	}
	// The box's 发送回复 sends the text once.
	box = h.click("feishu", card.ID, button(t, card.Out.Body, "回复"), nil)
	h.vendors["ksyun"].getErr = nil
	sent := h.click("feishu", card.ID, button(t, box.Card, "发送回复"), map[string]string{"reply_text": "已重启，请再看看"})
	if _, r, _ := h.vendors["ksyun"].calls(); r != 1 || h.vendors["ksyun"].replies[0] != "1204: 已重启，请再看看" {
		t.Fatalf("reply box sent %v (toast %q)", h.vendors["ksyun"].replies, sent.Toast.Text)
	}
}
