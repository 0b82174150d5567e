package app

import (
	"strings"
	"testing"
	"time"

	"github.com/ticketbot/ticketbot/bot/feishu/feishutest"
)

// Kingsoft through Feishu: a screenshot sent with 建单 is uploaded and attached to the new
// ticket; an alert's screenshot goes along when 建单 answers it; a file posted under the card
// is refused with a sentence, because Kingsoft's comments take no attachments.
func TestKingsoftAttachmentsThroughFeishu(t *testing.T) {
	h := startHarness(t, "")
	botMention := feishutest.Mention{Key: "@_user_1", OpenID: feishutest.BotOpenID, Name: "ticketbot", Type: "bot"}
	h.feishu.PutResource("om_k1", "img_shot", []byte("\x89PNG\r\n\x1a\nscreenshot"))
	post := `{"title":"","content":[[{"tag":"at","user_id":"@_user_1"},{"tag":"text","text":" 建单 ksyun 控制台 502"}],[{"tag":"img","image_key":"img_shot"}]]}`
	h.say("ev-k1", "om_k1", "", feishutest.WithContent("post", post, botMention))
	h.waitFor("the ticket", func() bool { return len(h.ksyun.Tickets()) == 1 })
	if tk := h.ksyun.Tickets()[0]; tk.Title != "控制台 502" || len(tk.Attachments) != 1 || tk.Attachments[0].FileName != "img_shot.png" {
		t.Fatalf("ticket at Kingsoft: title %q, attachments %+v", tk.Title, tk.Attachments)
	}

	// An alert with a screenshot, answered with 建单.
	h.feishu.PutMessage(feishutest.ChatMessage{ID: "om_alert", ChatID: e2eChat, MsgType: "post", SenderID: "ou_wangwu",
		CreateTime: time.Now(), Content: `{"title":"磁盘告警","content":[[{"tag":"text","text":"/data 95%"}],[{"tag":"img","image_key":"img_disk"}]]}`})
	h.feishu.PutResource("om_alert", "img_disk", []byte("\x89PNG\r\n\x1a\ndisk"))
	h.say("ev-k2", "om_k2", "建单 ksyun", feishutest.WithParentID("om_alert"), feishutest.WithRootID("om_alert"))
	h.waitFor("the ticket from the alert", func() bool { return len(h.ksyun.Tickets()) == 2 })
	if tk := h.ksyun.Tickets()[1]; tk.Title != "磁盘告警" || len(tk.Attachments) != 1 || tk.Attachments[0].FileName != "img_disk.png" {
		t.Fatalf("ticket from the alert: title %q, attachments %+v", tk.Title, tk.Attachments)
	}

	// A file under the first ticket's card: refused, nothing sent to Kingsoft. The card is posted
	// after the ticket is filed: wait for it.
	h.waitFor("the first ticket's card", func() bool { return len(h.messages("interactive")) >= 1 })
	card := h.messages("interactive")[0]
	h.waitCardRecorded(card.ID)
	h.feishu.PutResource("om_k3", "file_log", []byte("ERROR 502"))
	h.say("ev-k3", "om_k3", "", feishutest.WithContent("file", `{"file_key":"file_log","file_name":"app.log"}`),
		feishutest.WithRootID(card.ID), feishutest.WithParentID(card.ID))
	h.waitAnswer("om_k3", "金山云的工单评论不支持附件，文件没有发送")
	if n := len(h.commentCalls()); n != 0 {
		t.Errorf("%d comments sent to Kingsoft with a refused file", n)
	}
	for _, c := range h.ksyun.Calls() {
		if strings.HasSuffix(c.Path, "/upload_file") && c.Body["file_name"] == "app.log" {
			t.Error("the refused file was uploaded")
		}
	}
}
