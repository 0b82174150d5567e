package app

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/ticketbot/ticketbot/bot/wecom"
	"github.com/ticketbot/ticketbot/bot/wecom/wecomtest"
)

// WeCom's images reach the vendor: a screenshot in a mixed (图文) 建单 is downloaded,
// decrypted with the robot's key and attached to the Kingsoft ticket; quoting an image with
// 建单 files a ticket from it, the image decrypted with its link's own aeskey.
func TestEndToEndWeComImagesBecomeAttachments(t *testing.T) {
	h, wf := startWeComHarness(t, "webhook", "")
	ctx := context.Background()
	url := h.url + wecom.CallbackPath

	shot, _ := wf.PutFile([]byte("\x89PNG\r\n\x1a\nconsole 502"), false)
	if r, err := wf.PostText(ctx, url, "msg-img", wecomChat, "zhangsan", "建单 ksyun 控制台 502",
		wecomtest.WithMixedImages([2]string{shot, ""})); err != nil || r.Status != 200 {
		t.Fatalf("message: %+v %v", r, err)
	}
	h.waitFor("the ticket", func() bool { return len(h.ksyun.Tickets()) == 1 })
	if tk := h.ksyun.Tickets()[0]; tk.Title != "控制台 502" || len(tk.Attachments) != 1 || tk.Attachments[0].FileName != "image-1.png" ||
		tk.Attachments[0].FileSize != int64(len("\x89PNG\r\n\x1a\nconsole 502")) {
		t.Fatalf("ticket at Kingsoft: title %q, attachments %+v", tk.Title, tk.Attachments)
	}

	alert, key := wf.PutFile([]byte("\x89PNG\r\n\x1a\ndisk 95%"), true)
	quote, _ := json.Marshal(map[string]any{"msgtype": "image", "image": map[string]string{"url": alert, "aeskey": key}})
	if r, err := wf.PostText(ctx, url, "msg-quote", wecomChat, "zhangsan", "建单 ksyun 磁盘告警", wecomtest.WithQuoteJSON(quote)); err != nil || r.Status != 200 {
		t.Fatalf("message: %+v %v", r, err)
	}
	h.waitFor("the ticket from the quote", func() bool { return len(h.ksyun.Tickets()) == 2 })
	if tk := h.ksyun.Tickets()[1]; tk.Title != "磁盘告警" || len(tk.Attachments) != 1 || tk.Attachments[0].FileName != "quoted-1.png" {
		t.Fatalf("ticket from the quote: title %q, attachments %+v", tk.Title, tk.Attachments)
	}
}
