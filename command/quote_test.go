package command

import (
	"testing"
	"time"

	"github.com/ticketbot/ticketbot/bot"
	"github.com/ticketbot/ticketbot/providers"
)

// created records the vendor's create requests into *got.
func created(got *[]providers.CreateRequest) func(v *fakeVendor) {
	return func(v *fakeVendor) {
		v.CreateFn = func(r providers.CreateRequest) (providers.Ticket, error) {
			*got = append(*got, r)
			t := v.ticket("1204")
			t.Title, t.Content = r.Title, r.Content
			return t, nil
		}
	}
}

// filed checks the one create request the vendor got.
func filed(got *[]providers.CreateRequest, title, content string) func(t *testing.T, _ *harness, _ *fakeVendor) {
	return func(t *testing.T, _ *harness, _ *fakeVendor) {
		t.Helper()
		if len(*got) != 1 || (*got)[0].Title != title || (*got)[0].Content != content {
			t.Errorf("filed %+v\nwant one with title %q and content %q", *got, title, content)
		}
	}
}

// 建单 answering or quoting a message files the ticket from it: its first line is the title
// unless one was typed, its text, author and time are the details, its files go along where
// the vendor takes them (and the card says which did not); a message that cannot be read
// creates nothing.
func TestCreateFromAMessage(t *testing.T) {
	at := time.Date(2026, 12, 7, 1, 40, 0, 0, time.UTC) // 09:40 in Asia/Shanghai
	alert := map[string]bot.Quoted{
		"om_alert": {Text: "【P1】CPU 告警\nmysql-prod-01 CPU 97%", Author: "cli_monitor", ByApp: true, At: at},
		"om_wang":  {Text: "  \n订单服务 502 了\n从 9 点开始", Author: "王五", At: at},
		"om_shot": {Text: "", Author: "王五", At: at,
			Files: []bot.FileRef{{Key: "img_1", Name: "img_1.png", Kind: "image", MessageID: "om_shot"}}},
	}
	var (
		fromAlert, typed, fromWeCom, fromShot []providers.CreateRequest
	)
	runCases(t, []cmdCase{{
		name:     "an alert becomes a ticket",
		text:     "建单 ksyun",
		parent:   "om_alert",
		messages: alert,
		vendor:   created(&fromAlert),
		want:     []string{"【P1】CPU 告警"},
		calls:    []string{"create 【P1】CPU 告警"},
		check:    filed(&fromAlert, "【P1】CPU 告警", "【群聊消息】应用 cli_monitor，2026-12-07 09:40：\n【P1】CPU 告警\nmysql-prod-01 CPU 97%"),
	}, {
		name:     "a typed title and details come first",
		text:     "建单 订单服务故障\n影响下单\n优先级: 高",
		parent:   "om_wang",
		messages: alert,
		vendor:   created(&typed),
		check:    filed(&typed, "订单服务故障", "影响下单\n\n【群聊消息】王五，2026-12-07 09:40：\n订单服务 502 了\n从 9 点开始"),
	}, {
		name:     "a WeCom quote carries its text only",
		platform: "wecom",
		text:     "建单",
		quote:    "磁盘告警 /data 95%",
		vendor:   created(&fromWeCom),
		check:    filed(&fromWeCom, "磁盘告警 /data 95%", "【群聊消息】\n磁盘告警 /data 95%"),
	}, {
		name:     "a screenshot to a vendor without attachments",
		text:     "建单",
		parent:   "om_shot",
		messages: alert,
		vendor:   created(&fromShot),
		want:     []string{"所回复消息中的 1 个文件未附上：金山云不接受附件。"},
		check:    filed(&fromShot, "群聊消息 2026-12-07 09:40", "【群聊消息】王五，2026-12-07 09:40："),
	}, {
		name:     "a message that cannot be read",
		text:     "建单 ksyun",
		parent:   "om_gone",
		messages: alert,
		want:     []string{"读不到所回复的消息（230011），没有建单"},
		calls:    []string{},
	}, {
		name:     "建单 alone, answering nothing, still asks for a title",
		platform: "wecom",
		text:     "建单",
		want:     []string{`"card_type":"multiple_interaction"`}, // the guided create (draft_test.go)
		calls:    []string{},
	}})
}
