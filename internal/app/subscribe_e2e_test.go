package app

import (
	"bufio"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ticketbot/ticketbot/bot/feishu/feishutest"
	"github.com/ticketbot/ticketbot/providers/ksyun/ksyuntest"
)

// sweeps is how many watcher sweeps this server has finished (its /metrics).
func (h *harness) sweeps() int {
	h.t.Helper()
	resp, err := http.Get(h.admin + "/metrics")
	if err != nil {
		h.t.Fatal(err)
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "ticketbot_watch_sweep_seconds_count "); ok {
			n, err := strconv.Atoi(v)
			if err != nil {
				h.t.Fatalf("sweep count %q: %v", v, err)
			}
			return n
		}
	}
	return 0
}

// posted are the messages the chat got whose content holds every one of subs.
func (h *harness) posted(subs ...string) []feishutest.Message {
	var out []feishutest.Message
	for _, m := range h.feishu.Messages() {
		ok := true
		for _, s := range subs {
			ok = ok && strings.Contains(m.Content, s)
		}
		if ok {
			out = append(out, m)
		}
	}
	return out
}

// The whole path of a subscription, on the real server against the Kingsoft and Feishu fakes:
// 订阅 in the group; a ticket opened directly at the vendor (its console) afterwards is posted
// in the group within two sweeps, once; after a restart on the same database it is not posted
// again, and the restarted server goes on finding new ones.
func TestSubscriptionEndToEnd(t *testing.T) {
	const watch = `
[watch]
interval = "300ms"
deliver_every = "10ms"
`
	var cfg *Config
	h := startHarnessEdit(t, "", watch, func(c *Config) { cfg = c })
	h.say("ev-1", "om_1", "订阅 ksyun")
	h.waitFor("the subscription's answer", func() bool { return len(h.posted("已订阅 #1")) == 1 })

	console := func(title string) string {
		now := time.Now().Unix()
		return h.ksyun.Put(ksyuntest.Ticket{Title: title, Detail: "在控制台提交", Type: 1, Priority: 3, Status: 1,
			CreatorID: 40084, CreatorName: "田金秀", CustomerOrganizationID: 1, CustomerOrganizationName: "北京金山云网络技术有限公司",
			CreatedTime: now, UpdatedTime: now, ReportedTime: now})
	}
	before := h.sweeps()
	id := console("控制台提交的工单")
	h.waitFor("the new ticket's notice", func() bool { return len(h.posted("订阅的新工单", "ksyun:"+id)) == 1 })
	if n := h.sweeps() - before; n > 2 {
		t.Errorf("the ticket was posted after %d sweeps, want at most two", n)
	}
	if m := h.posted("订阅的新工单", "ksyun:"+id)[0]; !strings.Contains(m.Content, "控制台提交的工单") || !strings.Contains(m.Content, "新工单 · 订阅 &#35;1") {
		t.Errorf("notice: %s", m.Content)
	}
	db := h.openStore()
	fs, err := db.Followers(t.Context(), "ksyun", id)
	if err != nil || len(fs) != 1 || fs[0].ChatID != e2eChat {
		t.Fatalf("followers of the console ticket: %+v, %v", fs, err)
	}

	h.stop()
	again := &harness{t: t, ksyun: h.ksyun, feishu: h.feishu, logs: &syncBuffer{}, dbPath: h.dbPath}
	again.start(cfg)
	again.waitFor("three sweeps after the restart", func() bool { return again.sweeps() >= 3 })
	if n := len(again.posted("订阅的新工单", "ksyun:"+id)); n != 1 {
		t.Fatalf("after the restart the ticket was posted %d times in all, want once", n)
	}
	next := console("重启后提交的工单")
	again.waitFor("the next ticket's notice", func() bool { return len(again.posted("订阅的新工单", "ksyun:"+next)) == 1 })
}
