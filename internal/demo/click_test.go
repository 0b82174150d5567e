package demo

import (
	"context"
	"io"
	"log/slog"
	"maps"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/ticketbot/ticketbot/bot"
	"github.com/ticketbot/ticketbot/bot/feishu"
	"github.com/ticketbot/ticketbot/bot/feishu/feishutest"
)

// actionSink is a bot.Sink that records the clicks Feishu's webhook decoded and answers each
// with a toast.
type actionSink struct {
	mu   sync.Mutex
	acts []bot.Action
}

func (s *actionSink) HandleMessage(context.Context, bot.Message) error { return nil }

func (s *actionSink) HandleAction(_ context.Context, a bot.Action) (bot.ActionResult, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.acts = append(s.acts, a)
	return bot.ActionResult{Toast: bot.Toast{Type: "info", Text: "收到"}}, nil
}

func (s *actionSink) take() []bot.Action {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := s.acts
	s.acts = nil
	return out
}

// The page's clicks through Feishu's real webhook decoding: a choice in a select that calls
// back reaches the bot as its command with Form[name] = option (Feishu's action.name and
// action.option, no form_value); a button still brings its form's values; a select without
// its choice, or on WeCom, is refused.
func TestDemoClickSelect(t *testing.T) {
	fakes := startDemoFakes()
	defer fakes.Close()
	sink := &actionSink{}
	fs, err := feishu.New(feishu.Config{
		AppID: demoFeishuApp, AppSecret: bot.Secret(fakes.feishuSecret),
		VerificationToken: bot.Secret(fakes.feishuToken), EncryptKey: bot.Secret(fakes.feishuEncryptKey),
		BaseURL: fakes.feishu.URL(), BotOpenID: feishutest.BotOpenID,
	}, sink, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle("/feishu/webhook", fs.Handler())
	botSrv := httptest.NewServer(mux)
	defer botSrv.Close()
	d := newDemo(fakes, botSrv.URL, "", slog.New(slog.NewTextHandler(io.Discard, nil)))
	done := make(chan struct{})
	defer close(done)
	page := httptest.NewServer(d.routes(done))
	defer page.Close()

	for _, c := range []struct {
		name string
		body map[string]any
		want map[string]string // the action's Form
	}{
		{"select", map[string]any{"platform": "feishu", "message_id": "om_form", "cmd": "newform k1 pick",
			"select": map[string]string{"name": "vendor", "option": "ksyun"}}, map[string]string{"vendor": "ksyun"}},
		// Feishu sends no form_value with a select's choice: a stray form is not sent.
		{"select with a stray form", map[string]any{"platform": "feishu", "message_id": "om_form", "cmd": "newform k1 pick",
			"form": map[string]string{"title": "x"}, "select": map[string]string{"name": "product", "option": "ecs"}},
			map[string]string{"product": "ecs"}},
		{"button with its form", map[string]any{"platform": "feishu", "message_id": "om_form", "cmd": "newform k1",
			"form": map[string]string{"vendor": "ksyun", "title": "磁盘告警"}}, map[string]string{"vendor": "ksyun", "title": "磁盘告警"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			code, out := demoPost(t, page.URL+"/api/click", c.body)
			if toast, _ := out["toast"].(map[string]any); code != 200 || toast["content"] != "收到" {
				t.Fatalf("click: %d %v", code, out)
			}
			acts := sink.take()
			if len(acts) != 1 {
				t.Fatalf("the bot got %d actions, want 1: %+v", len(acts), acts)
			}
			a := acts[0]
			if a.Command != c.body["cmd"] || a.MessageID != "om_form" || a.ChatID != demoFeishuChat || a.UserID != demoOpenID || !maps.Equal(a.Form, c.want) {
				t.Errorf("the bot got %+v, want command %q with form %v", a, c.body["cmd"], c.want)
			}
		})
	}

	for _, body := range []map[string]any{
		{"platform": "feishu", "message_id": "om_form", "cmd": "newform k1 pick", "select": map[string]string{"name": "vendor"}},
		{"platform": "feishu", "message_id": "om_form", "cmd": "newform k1 pick", "select": map[string]string{"option": "ksyun"}},
		{"platform": "wecom", "message_id": "task-1", "cmd": "show ksyun:1", "select": map[string]string{"name": "vendor", "option": "ksyun"}},
	} {
		if code, out := demoPost(t, page.URL+"/api/click", body); code != http.StatusBadRequest || out["error"] == nil {
			t.Errorf("click %v: %d %v", body, code, out)
		}
	}
	if acts := sink.take(); len(acts) != 0 {
		t.Errorf("refused clicks reached the bot: %+v", acts)
	}
}
