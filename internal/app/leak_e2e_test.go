package app

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ticketbot/ticketbot/bot/feishu/feishutest"
	"github.com/ticketbot/ticketbot/providers/aliyun/aliyuntest"
)

// TestNoSecretLeaks runs the flows that touch secrets — signed webhooks, vendor signatures,
// tokens, confidential content, vendor errors, an outage — at debug level, then looks for
// every secret in every log line, every message posted to the group, the audit table and
// the database file itself.
func TestNoSecretLeaks(t *testing.T) {
	af := aliyuntest.New("ali-key-id", "ali-key-secret-e2e")
	t.Cleanup(af.Close)
	c := af.Config()
	h := startHarness(t, `timeout = "2s"
[providers.aliyun]
base_url = "`+c.BaseURL+`"
access_key_id = "`+c.AccessKeyID+`"
access_key_secret = "`+c.AccessKeySecret.Reveal()+`"
ali_uid = `+itoa(c.AliUID)+`
product_id = `+itoa(c.ProductID)+`
param_names = "`+c.ParamNames+`"
[log]
level = "debug"
`+fastRetry)
	const confidential = "root 密码 Tb#2026-secret"

	// Kingsoft: create, reply, a vendor error, an outage and its recovery, close.
	id, card := h.createTicket("连接数告警")
	h.say("ev-r1", "om_r1", "已调大连接池", feishutest.WithRootID(card.ID), feishutest.WithParentID(card.ID))
	h.waitFor("the reply", func() bool { return h.vendorComments(id, "已调大连接池") == 1 })
	h.ksyun.FailNext(5, 10001, "app secret mismatch") // the watcher may take some
	h.say("ev-r2", "om_r2", "查看 "+id)
	h.waitFor("the vendor error", func() bool { return len(h.answersTo("om_r2")) == 1 })
	h.ksyun.Recover() // drop the failures the watcher did not take
	h.ksyun.Down()
	h.say("ev-r3", "om_r3", "补充监控截图", feishutest.WithRootID(card.ID), feishutest.WithParentID(card.ID))
	h.waitAnswer("om_r3", "回复已保存")
	h.ksyun.Recover()
	h.waitAnswer("om_r3", "✅")
	h.click("ev-close", card.ID, "close ksyun:"+id, nil)

	// Aliyun: confidential content refused in the group, accepted one to one.
	h.say("ev-a1", "om_a1", "建单 aliyun RDS 无法连接\n连接超时")
	h.waitFor("the Aliyun card", func() bool { return len(h.messages("interactive")) == 2 })
	aid := af.Tickets()[0].ID
	h.say("ev-a2", "om_a2", "回复 aliyun:"+aid+"\n机密: "+confidential)
	h.waitFor("the refusal", func() bool { return len(h.answersTo("om_a2")) == 1 })
	h.say("ev-a3", "om_a3", "回复 aliyun:"+aid+"\n机密: "+confidential, feishutest.WithChatType("p2p"))
	h.waitFor("the confidential reply at Aliyun", func() bool { return len(af.CallsTo("QuestionReply")) == 1 })

	// A forged webhook: the wrong key.
	body, hdr := feishutest.SealRequest("not-the-key-0123456789abcdef", feishutest.TextMessageEvent("ev-f", "om_f", e2eChat, e2eUser, "帮助"), time.Now(), "n")
	req, _ := http.NewRequest(http.MethodPost, h.url+"/feishu/webhook", bytes.NewReader(body))
	req.Header = hdr
	if resp, err := http.DefaultClient.Do(req); err == nil {
		resp.Body.Close()
	}
	time.Sleep(100 * time.Millisecond)
	h.stop() // shutdown logs too

	secrets := map[string]string{
		"Feishu app secret":         "feishu-secret-e2e",
		"Feishu encrypt key":        e2eEncryptKey,
		"Feishu verification token": e2eToken,
		"Kingsoft app secret":       "ks-secret-e2e",
		"Aliyun access key secret":  "ali-key-secret-e2e",
		"confidential content":      confidential,
	}
	for _, r := range h.feishu.Requests() {
		if tok, ok := strings.CutPrefix(r.Authorization, "Bearer "); ok && tok != "" {
			secrets["Feishu tenant token"] = tok
		}
	}
	if _, ok := secrets["Feishu tenant token"]; !ok {
		t.Fatal("no tenant token was issued: the flows did not run")
	}

	var group strings.Builder
	for _, m := range h.feishu.Messages() {
		group.WriteString(m.Content + "\n")
	}
	audit, err := h.openStore().Audit(context.Background(), time.Now().Add(-time.Hour), time.Now().Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	auditJSON, _ := json.Marshal(audit)
	places := map[string]string{
		"logs":          h.logs.String(),
		"group chat":    group.String(),
		"audit table":   string(auditJSON),
		"database file": readDB(t, h.dbPath),
	}
	if !strings.Contains(places["logs"], `level=DEBUG`) || len(audit) < 6 {
		t.Fatalf("the flows left too little to scan: %d audit entries\n%s", len(audit), places["logs"])
	}
	for what, secret := range secrets {
		for where, text := range places {
			if where == "database file" && what != "confidential content" {
				continue // the database holds no configuration; only content could reach it
			}
			if strings.Contains(text, secret) {
				t.Errorf("the %s leaked into the %s", what, where)
			}
		}
	}
}

// readDB reads the database and its write-ahead log as bytes.
func readDB(t *testing.T, path string) string {
	t.Helper()
	var all []byte
	for _, p := range []string{path, path + "-wal"} {
		b, err := os.ReadFile(filepath.Clean(p))
		if err == nil {
			all = append(all, b...)
		}
	}
	if len(all) == 0 {
		t.Fatal("no database file")
	}
	return string(all)
}

func itoa[T ~int | ~int64](n T) string {
	b, _ := json.Marshal(n)
	return string(b)
}
