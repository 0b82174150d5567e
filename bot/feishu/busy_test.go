package feishu

import (
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/ticketbot/ticketbot/bot"
	"github.com/ticketbot/ticketbot/bot/feishu/feishutest"
)

// A full queue refuses with 503 every time, but the log gets a line a second saying how many
// it stands for, not a line per refused request, and chatter is still decoded as overheard.
func TestBusyRefusalsLogALineASecond(t *testing.T) {
	var logs logBuffer
	sink := &recordingSink{msgErr: bot.ErrBusy}
	f, err := New(testConfig(), sink, slog.New(slog.NewTextHandler(&logs, nil)), WithClock(func() time.Time { return testNow }))
	if err != nil {
		t.Fatal(err)
	}
	h := f.Handler()
	for i := range 200 {
		body, hdr := sealed(feishutest.TextMessageEvent(fmt.Sprintf("ev-%d", i), fmt.Sprintf("om_%d", i), "oc_1", "ou_1", "帮助", feishutest.WithVerificationToken(testToken)))
		if rec := post(t, h, body, hdr); rec.Code != http.StatusServiceUnavailable {
			t.Fatalf("refusal %d answered %d", i, rec.Code)
		}
	}
	if n := strings.Count(logs.String(), "sink busy"); n < 1 || n > 2 {
		t.Errorf("%d busy lines for 200 refusals, want one or two:\n%s", n, logs.String())
	}
	if len(sink.messages()) != 200 {
		t.Errorf("the sink saw %d messages", len(sink.messages()))
	}
}

// Whether a group message is for the bot: a mention of the bot (by type, by the configured
// open_id, or leading where nothing says), or a one-to-one chat; anything else is overheard.
func TestOverheard(t *testing.T) {
	tests := []struct {
		name string
		opts []feishutest.EventOpt
		want bool
	}{
		{"mentions the bot", nil, false},
		{"no mention", []feishutest.EventOpt{feishutest.WithContent("text", `{"text":"今天开会"}`)}, true},
		{"mentions someone else", []feishutest.EventOpt{feishutest.WithContent("text", `{"text":"@_user_1 看下"}`, feishutest.Mention{Key: "@_user_1", OpenID: "ou_x", Name: "张三", Type: "user"})}, true},
		{"leading mention, type unknown", []feishutest.EventOpt{feishutest.WithContent("text", `{"text":"@_user_1 帮助"}`, feishutest.Mention{Key: "@_user_1", OpenID: "ou_b", Name: "ticketbot"})}, false},
		{"one-to-one", []feishutest.EventOpt{feishutest.WithContent("text", `{"text":"帮助"}`), feishutest.WithChatType("p2p")}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sink := &recordingSink{}
			f := newWebhook(t, sink)
			opts := append([]feishutest.EventOpt{feishutest.WithVerificationToken(testToken)}, tt.opts...)
			body, hdr := sealed(feishutest.TextMessageEvent("ev-1", "om_1", "oc_1", "ou_1", "帮助", opts...))
			if rec := post(t, f.Handler(), body, hdr); rec.Code != http.StatusOK {
				t.Fatalf("HTTP %d", rec.Code)
			}
			if ms := sink.messages(); len(ms) != 1 || ms[0].Overheard != tt.want {
				t.Fatalf("messages %+v, want overheard %v", ms, tt.want)
			}
		})
	}
}
