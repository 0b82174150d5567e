package demo

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ticketbot/ticketbot/providers/ksyun/ksyuntest"
)

// startDemo runs `ticketbot demo` in-process on a free loopback port, logging at info
// level, and stops it when the test ends, checking then that it stopped cleanly and printed
// one URL and none of its generated secrets.
func startDemo(t *testing.T) (string, *demo) {
	t.Helper()
	base, d, _ := startStoppableDemo(t)
	return base, d
}

// startStoppableDemo is startDemo that also returns a function stopping the demo before the
// test ends (it waits until it stopped; a second call does nothing).
func startStoppableDemo(t *testing.T) (string, *demo, func()) {
	t.Helper()
	return startStoppableDemoAt(t, "127.0.0.1:0")
}

// startStoppableDemoAt is startStoppableDemo listening at listen.
func startStoppableDemoAt(t *testing.T, listen string) (string, *demo, func()) {
	t.Helper()
	var stdout, stderr syncBuffer
	type ready struct {
		url string
		d   *demo
	}
	readyc := make(chan ready, 1)
	done := make(chan error, 1)
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		done <- Run(ctx, Options{Listen: listen, Verbose: true, Stdout: &stdout, Stderr: &stderr,
			ready: func(url string, d *demo) { readyc <- ready{url, d} }})
	}()
	var r ready
	select {
	case r = <-readyc:
	case err := <-done:
		t.Fatalf("demo: %v\n%s", err, stderr.String())
	case <-time.After(20 * time.Second):
		t.Fatal("the demo did not start")
	}
	var once sync.Once
	stop := func() {
		once.Do(func() {
			cancel()
			select {
			case err := <-done:
				if err != nil {
					t.Errorf("demo returned %v", err)
				}
			case <-time.After(20 * time.Second):
				t.Error("the demo did not stop")
			}
		})
	}
	t.Cleanup(func() {
		stop()
		if out := stdout.String(); strings.Count(out, "http://") != 1 || !strings.Contains(out, r.url) {
			t.Errorf("stdout should name the page's URL once: %q", out)
		}
		for _, s := range r.d.fakes.secrets() {
			if strings.Contains(stdout.String(), s) || strings.Contains(stderr.String(), s) {
				t.Errorf("a generated secret was printed")
			}
		}
	})
	return strings.TrimSuffix(r.url, "/"), r.d, stop
}

// demoPost posts a JSON body to the demo's API and decodes the answer.
func demoPost(t *testing.T, url string, body any) (int, map[string]any) {
	t.Helper()
	b, _ := json.Marshal(body)
	resp, err := http.Post(url, "application/json", bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&out)
	return resp.StatusCode, out
}

// demoState reads the page's snapshot.
func demoState(t *testing.T, base string) demoSnapshot {
	t.Helper()
	resp, err := http.Get(base + "/api/state")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var s struct {
		Version uint64       `json:"version"`
		State   demoSnapshot `json:"state"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&s); err != nil {
		t.Fatal(err)
	}
	return s.State
}

// waitMessage waits until a message of the chat satisfies ok, and returns it.
func waitMessage(t *testing.T, base, what string, chat func(demoSnapshot) chatView, ok func(chatMessage) bool) chatMessage {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		s := demoState(t, base)
		for _, m := range chat(s).Messages {
			if ok(m) {
				return m
			}
		}
		if time.Now().After(deadline) {
			b, _ := json.MarshalIndent(chat(s), "", "  ")
			t.Fatalf("timed out waiting for %s; chat:\n%s", what, b)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func feishuView(s demoSnapshot) chatView { return s.Feishu }
func wecomView(s demoSnapshot) chatView  { return s.WeCom }

// cardWith accepts a card that holds every one of the strings.
func cardWith(want ...string) func(chatMessage) bool {
	return func(m chatMessage) bool {
		if m.Type != "card" {
			return false
		}
		for _, w := range want {
			if !strings.Contains(string(m.Card), w) {
				return false
			}
		}
		return true
	}
}

// buttonCmd finds the command of the button labelled text anywhere in a card: Feishu
// buttons carry it in behaviors[].value.cmd, WeCom buttons in key.
func buttonCmd(t *testing.T, card json.RawMessage, text string) string {
	t.Helper()
	var walk func(v any) string
	walk = func(v any) string {
		switch x := v.(type) {
		case map[string]any:
			if label, _ := x["text"].(map[string]any); label != nil && label["content"] == text {
				for _, b := range x["behaviors"].([]any) {
					if cmd, ok := b.(map[string]any)["value"].(map[string]any)["cmd"].(string); ok {
						return cmd
					}
				}
			}
			if x["text"] == text && x["key"] != nil {
				return x["key"].(string)
			}
			for _, e := range x {
				if c := walk(e); c != "" {
					return c
				}
			}
		case []any:
			for _, e := range x {
				if c := walk(e); c != "" {
					return c
				}
			}
		}
		return ""
	}
	var v any
	_ = json.Unmarshal(card, &v)
	cmd := walk(v)
	if cmd == "" {
		t.Fatalf("no %q button in %s", text, card)
	}
	return cmd
}

// The demo's API end to end, without a browser: a typed create reaches Kingsoft through
// Feishu's signed webhook, a click closes it there and the card changes; the same through
// WeCom's encrypted callback; vendor-console changes reach the chat through the watcher and
// through Weiban's push.
func TestDemoAPI(t *testing.T) {
	base, d := startDemo(t)

	// Feishu: create, card, close.
	if code, out := demoPost(t, base+"/api/say", map[string]string{"platform": "feishu", "text": "建单 ksyun 数据库连接超时"}); code != 200 {
		t.Fatalf("say: %d %v", code, out)
	}
	card := waitMessage(t, base, "the ticket card", feishuView, cardWith("数据库连接超时", "待处理"))
	first := ksyunTicket(t, d, "数据库连接超时")
	// Filed on the wall clock: the samples' clocks are gone.
	if age := time.Since(time.Unix(first.CreatedTime, 0)); age < -time.Minute || age > time.Minute {
		t.Errorf("the new ticket was created %v ago at Kingsoft", age)
	}
	id := fmt.Sprint(first.ID)
	code, out := demoPost(t, base+"/api/click", map[string]string{"platform": "feishu", "message_id": card.ID, "cmd": buttonCmd(t, card.Card, "关闭")})
	toast, _ := out["toast"].(map[string]any)
	if code != 200 || toast["type"] != "success" || !strings.Contains(fmt.Sprint(toast["content"]), "已关闭") {
		t.Fatalf("close click: %d %v", code, out)
	}
	if tk, _ := d.fakes.ksyun.Ticket(id); tk.Status != 3 {
		t.Errorf("Kingsoft status %d after 关闭, want 3", tk.Status)
	}
	waitMessage(t, base, "the card redrawn closed", feishuView, func(m chatMessage) bool {
		return m.ID == card.ID && cardWith("已关闭")(m) && !strings.Contains(string(m.Card), `"cmd":"close `)
	})

	// The vendor console: Kingsoft finishes a second ticket; the watcher tells the group.
	demoPost(t, base+"/api/say", map[string]string{"platform": "feishu", "text": "建单 磁盘空间告警"})
	second := waitMessage(t, base, "the second card", feishuView, cardWith("磁盘空间告警"))
	secondID := fmt.Sprint(ksyunTicket(t, d, "磁盘空间告警").ID)
	for _, action := range []map[string]string{
		{"vendor": "ksyun", "ticket": secondID, "action": "note", "text": "已扩容，请确认"},
		{"vendor": "ksyun", "ticket": secondID, "action": "finished"},
	} {
		if code, out := demoPost(t, base+"/api/vendor", action); code != 200 {
			t.Fatalf("vendor %v: %d %v", action, code, out)
		}
	}
	notice := waitMessage(t, base, "the watcher's notice", feishuView, cardWith("工单状态更新", "ksyun:"+secondID, "待确认"))
	if notice.ReplyTo != second.ID || !strings.Contains(string(notice.Card), "<at id="+demoOpenID+">") {
		t.Errorf("notice should be in the card's thread and @ its creator: %+v", notice)
	}

	// A thread reply to the card becomes a comment at Kingsoft.
	if code, out := demoPost(t, base+"/api/say", map[string]string{"platform": "feishu", "text": "好的，已确认恢复", "reply_to": notice.ID}); code != 200 {
		t.Fatalf("thread reply: %d %v", code, out)
	}
	waitFor(t, "the comment at Kingsoft", func() bool {
		tk, _ := d.fakes.ksyun.Ticket(secondID)
		for _, a := range tk.Assigns {
			for _, h := range a.History {
				if strings.Contains(h.Detail, "好的，已确认恢复") {
					return true
				}
			}
		}
		return false
	})

	// WeCom: create through the encrypted callback, close by the card's button; the card is
	// replaced by the click's passive reply.
	demoPost(t, base+"/api/say", map[string]string{"platform": "wecom", "text": "建单 ksyun 证书即将过期"})
	wcard := waitMessage(t, base, "the WeCom card", wecomView, cardWith("证书即将过期", "button_list"))
	if code, out := demoPost(t, base+"/api/click", map[string]string{"platform": "wecom", "message_id": wcard.ID, "cmd": buttonCmd(t, wcard.Card, "关闭")}); code != 200 {
		t.Fatalf("WeCom close: %d %v", code, out)
	}
	confirm := waitMessage(t, base, "the WeCom confirmation", wecomView, func(m chatMessage) bool { return m.ID == wcard.ID && cardWith("确认关闭")(m) })
	if code, out := demoPost(t, base+"/api/click", map[string]string{"platform": "wecom", "message_id": wcard.ID, "cmd": buttonCmd(t, confirm.Card, "确认关闭")}); code != 200 {
		t.Fatalf("WeCom 确认关闭: %d %v", code, out)
	}
	waitMessage(t, base, "the WeCom card closed", wecomView, func(m chatMessage) bool { return m.ID == wcard.ID && cardWith("已关闭")(m) })
	if tk := ksyunTicket(t, d, "证书即将过期"); tk.Status != 3 {
		t.Errorf("Kingsoft status %d after the WeCom 关闭, want 3", tk.Status)
	}

	// Weiban pushes: a followed work order's reply reaches the group at once.
	order := demoSampleOf(t, d, "weiban")
	demoPost(t, base+"/api/say", map[string]string{"platform": "feishu", "text": "关注 " + order.Ref()})
	waitMessage(t, base, "the Weiban card", feishuView, cardWith(order.Ref(), order.Title))
	demoPost(t, base+"/api/vendor", map[string]string{"vendor": "weiban", "ticket": order.ID, "action": "note", "text": "消息已补齐，请客户确认"})
	waitMessage(t, base, "the Weiban notice", feishuView, cardWith("消息已补齐，请客户确认", "工单有新回复"))
}

// ksyunTicket finds the Kingsoft ticket titled title.
func ksyunTicket(t *testing.T, d *demo, title string) ksyuntest.Ticket {
	t.Helper()
	for _, tk := range d.fakes.ksyun.Tickets() {
		if tk.Title == title {
			return tk
		}
	}
	t.Fatalf("no Kingsoft ticket titled %q", title)
	return ksyuntest.Ticket{}
}

// demoSampleOf is the first sample ticket the demo filed at the vendor.
func demoSampleOf(t *testing.T, d *demo, vendor string) demoSample {
	t.Helper()
	for _, s := range d.fakes.samples {
		if s.Vendor == vendor {
			return s
		}
	}
	t.Fatalf("no sample ticket at %s", vendor)
	return demoSample{}
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// The page's stream and the API's refusals.
func TestDemoEventsAndBadRequests(t *testing.T) {
	base, _ := startDemo(t)

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, base+"/api/events", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if ct := resp.Header.Get("Content-Type"); ct != "text/event-stream" {
		t.Errorf("events Content-Type %q", ct)
	}
	r := bufio.NewReader(resp.Body)
	first, _ := r.ReadString('\n')
	data, _ := r.ReadString('\n')
	if first != "event: state\n" || !strings.HasPrefix(data, `data: {"version":`) || !strings.Contains(data, `"vendors":`) {
		t.Errorf("first event: %q %q", first, truncate(data, 120))
	}

	page, err := http.Get(base + "/")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(page.Body)
	page.Body.Close()
	if page.StatusCode != 200 || !strings.Contains(string(b), "ticketbot 演示") {
		t.Errorf("page: %d %s", page.StatusCode, truncate(string(b), 200))
	}

	// Only JSON is taken (a cross-site form post is refused), and bad input is a 400.
	plain, err := http.Post(base+"/api/say", "text/plain", strings.NewReader(`{"platform":"feishu","text":"建单 x"}`))
	if err != nil {
		t.Fatal(err)
	}
	plain.Body.Close()
	if plain.StatusCode != http.StatusUnsupportedMediaType {
		t.Errorf("text/plain say: %d", plain.StatusCode)
	}
	for _, body := range []map[string]string{
		{"platform": "slack", "text": "建单 x"},
		{"platform": "feishu", "text": "  "},
		{"platform": "feishu", "text": "回复", "reply_to": "om_unknown"},
	} {
		if code, out := demoPost(t, base+"/api/say", body); code != http.StatusBadRequest || out["error"] == nil {
			t.Errorf("say %v: %d %v", body, code, out)
		}
	}
	if code, _ := demoPost(t, base+"/api/vendor", map[string]string{"vendor": "ksyun", "ticket": "1", "action": "explode"}); code != http.StatusBadRequest {
		t.Errorf("unknown vendor action: %d", code)
	}
}

func TestDemoListensOnLoopbackOnly(t *testing.T) {
	for addr, ok := range map[string]bool{"127.0.0.1:0": true, "localhost:8080": true, "[::1]:0": true, "0.0.0.0:8080": false, ":8080": false, "192.168.1.5:80": false} {
		if err := checkLoopback(addr); (err == nil) != ok {
			t.Errorf("checkLoopback(%q) = %v", addr, err)
		}
	}
}

// syncBuffer is a buffer the demo's goroutines may write logs to while a test reads them.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// truncate keeps a failure message short.
func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}
