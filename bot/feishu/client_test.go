package feishu

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ticketbot/ticketbot/bot"
	"github.com/ticketbot/ticketbot/bot/feishu/feishutest"
)

const testCard = `{"schema":"2.0","config":{"update_multi":true},"header":{"title":{"tag":"plain_text","content":"工单 #T-1024 · 处理中"}},"body":{"elements":[{"tag":"markdown","content":"**问题**：打印机卡纸 \"quoted\" 😀"}]}}`

func card(s string) bot.Outgoing { return bot.Outgoing{Kind: bot.KindCard, Body: []byte(s)} }

// newClient builds a Feishu against a fresh fake.
func newClient(t *testing.T, mutate ...func(*Config)) (*Feishu, *feishutest.Server) {
	t.Helper()
	fake := feishutest.New(testAppID, testAppSecret)
	t.Cleanup(fake.Close)
	cfg := testConfig()
	cfg.BaseURL = fake.URL() + "/" // a trailing slash is tolerated
	for _, m := range mutate {
		m(&cfg)
	}
	f, err := New(cfg, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	return f, fake
}

func TestSendCard(t *testing.T) {
	f, fake := newClient(t)
	ref, err := f.Send(context.Background(), testChat, card(testCard))
	if err != nil {
		t.Fatal(err)
	}
	if ref.Platform != "feishu" || ref.ChatID != testChat || ref.MessageID != "om_fake_1" {
		t.Fatalf("ref %+v", ref)
	}
	m, _ := fake.Message(ref.MessageID)
	if m.MsgType != "interactive" || m.Content != testCard || m.ChatID != testChat {
		t.Fatalf("message %+v", m)
	}
	reqs := fake.Requests()
	last := reqs[len(reqs)-1]
	if last.Method != http.MethodPost || last.Path != "/open-apis/im/v1/messages" || last.Query != "receive_id_type=chat_id" || !strings.HasPrefix(last.Authorization, "Bearer t-") {
		t.Fatalf("request %+v", last)
	}
}

func TestSendText(t *testing.T) {
	f, fake := newClient(t)
	ref, err := f.Send(context.Background(), testChat, bot.Outgoing{Kind: bot.KindText, Body: []byte(`工单已创建 "T-1"`)})
	if err != nil {
		t.Fatal(err)
	}
	m, _ := fake.Message(ref.MessageID)
	if m.MsgType != "text" || m.Content != `{"text":"工单已创建 \"T-1\""}` {
		t.Fatalf("message %+v", m)
	}
}

func TestSendRejectsBadInput(t *testing.T) {
	f, fake := newClient(t)
	if _, err := f.Send(context.Background(), testChat, card(`{"schema":`)); err == nil {
		t.Fatal("invalid card JSON sent")
	}
	if _, err := f.Send(context.Background(), testChat, bot.Outgoing{Kind: "video"}); err == nil {
		t.Fatal("unknown kind sent")
	}
	// A 1.0 card is refused by Feishu's rules as the fake applies them.
	_, err := f.Send(context.Background(), testChat, card(`{"elements":[]}`))
	var apiErr *APIError
	if !errors.As(err, &apiErr) || apiErr.Code == 0 || apiErr.Temporary {
		t.Fatalf("1.0 card: %v", err)
	}
	big := `{"schema":"2.0","config":{"update_multi":true},"body":{"elements":[{"tag":"markdown","content":"` + strings.Repeat("x", 31<<10) + `"}]}}`
	if _, err := f.Send(context.Background(), testChat, card(big)); !errors.As(err, &apiErr) || apiErr.Code != feishutest.CodeTooLong {
		t.Fatalf("31 KB card: %v", err)
	}
	if len(fake.Messages()) != 0 {
		t.Fatal("a message was created")
	}
}

func TestReplyInThread(t *testing.T) {
	f, fake := newClient(t)
	ctx := context.Background()
	root, err := f.Send(ctx, testChat, card(testCard))
	if err != nil {
		t.Fatal(err)
	}
	r1, err := f.Reply(ctx, root, bot.Outgoing{Kind: bot.KindText, Body: []byte("状态变更：已解决")})
	if err != nil {
		t.Fatal(err)
	}
	r2, err := f.Reply(ctx, r1, bot.Outgoing{Kind: bot.KindText, Body: []byte("second")})
	if err != nil {
		t.Fatal(err)
	}
	m1, _ := fake.Message(r1.MessageID)
	m2, _ := fake.Message(r2.MessageID)
	if m1.ParentID != root.MessageID || m1.ThreadOf != root.MessageID || m1.ChatID != testChat || r1.ChatID != testChat {
		t.Fatalf("reply %+v", m1)
	}
	if m2.ThreadOf != root.MessageID {
		t.Fatalf("second reply not in the same topic: %+v", m2)
	}
	var body struct {
		ReplyInThread bool `json:"reply_in_thread"`
	}
	reqs := fake.Requests()
	_ = json.Unmarshal(reqs[len(reqs)-1].Body, &body)
	if !body.ReplyInThread || reqs[len(reqs)-1].Path != "/open-apis/im/v1/messages/"+r1.MessageID+"/reply" {
		t.Fatalf("request %+v", reqs[len(reqs)-1])
	}

	// A reply to a person's message, unknown to the fake, keeps the caller's chat.
	r3, err := f.Reply(ctx, bot.CardRef{Platform: "feishu", ChatID: testChat, MessageID: "om_user_msg"}, bot.Outgoing{Kind: bot.KindText, Body: []byte("ok")})
	if err != nil || r3.ChatID != testChat {
		t.Fatalf("reply to a user message: %+v %v", r3, err)
	}
}

func TestReplyNotInThread(t *testing.T) {
	off := false
	f, fake := newClient(t, func(c *Config) { c.ReplyInThread = &off })
	ref, _ := f.Send(context.Background(), testChat, card(testCard))
	r, err := f.Reply(context.Background(), ref, bot.Outgoing{Kind: bot.KindText, Body: []byte("x")})
	if err != nil {
		t.Fatal(err)
	}
	if m, _ := fake.Message(r.MessageID); m.ParentID != ref.MessageID || m.ThreadOf != "" {
		t.Fatalf("reply %+v", m)
	}
}

func TestUpdate(t *testing.T) {
	f, fake := newClient(t)
	ctx := context.Background()
	ref, _ := f.Send(ctx, testChat, card(testCard))
	updated := strings.Replace(testCard, "处理中", "已关闭", 1)
	if err := f.Update(ctx, ref, card(updated)); err != nil {
		t.Fatal(err)
	}
	m, _ := fake.Message(ref.MessageID)
	if m.Patches != 1 || m.Content != updated {
		t.Fatalf("message %+v", m)
	}
	last := fake.Requests()[len(fake.Requests())-1]
	if last.Method != http.MethodPatch || last.Path != "/open-apis/im/v1/messages/"+ref.MessageID {
		t.Fatalf("request %+v", last)
	}

	// A 2.0 card without update_multi cannot be the patch: Feishu would stop updating it.
	noMulti := `{"schema":"2.0","body":{"elements":[]}}`
	var apiErr *APIError
	if err := f.Update(ctx, ref, card(noMulti)); !errors.As(err, &apiErr) || apiErr.Code == 0 {
		t.Fatalf("patch without update_multi: %v", err)
	}
	if m, _ := fake.Message(ref.MessageID); m.Patches != 1 || m.Content != updated {
		t.Fatalf("rejected patch changed the message: %+v", m)
	}

	// Only cards.
	if err := f.Update(ctx, ref, bot.Outgoing{Kind: bot.KindText, Body: []byte("x")}); !errors.Is(err, errNotCard) {
		t.Fatalf("text update: %v", err)
	}
	text, _ := f.Send(ctx, testChat, bot.Outgoing{Kind: bot.KindText, Body: []byte("x")})
	if err := f.Update(ctx, text, card(testCard)); !errors.As(err, &apiErr) {
		t.Fatalf("patching a text message: %v", err)
	}
	if err := f.Update(ctx, bot.CardRef{MessageID: "om_unknown"}, card(testCard)); !errors.As(err, &apiErr) {
		t.Fatalf("patching an unknown message: %v", err)
	}
}

func TestSendIdempotent(t *testing.T) {
	f, fake := newClient(t)
	ctx := context.Background()
	for _, key := range []string{"ticket:ksyun:1204:chat:oc_1", strings.Repeat("long-key-", 10)} {
		m := card(testCard)
		m.Key = key
		a, err := f.Send(ctx, testChat, m)
		if err != nil {
			t.Fatal(err)
		}
		b, err := f.Send(ctx, testChat, m)
		if err != nil {
			t.Fatal(err)
		}
		if a != b {
			t.Fatalf("key %q: %+v then %+v", key, a, b)
		}
		got, _ := fake.Message(a.MessageID)
		if len(got.UUID) > 50 || got.UUID == "" {
			t.Fatalf("uuid %q", got.UUID)
		}
	}
	if n := len(fake.Messages()); n != 2 {
		t.Fatalf("%d messages, want 2", n)
	}
	if uuidFor(strings.Repeat("a", 51)) == uuidFor(strings.Repeat("a", 52)) {
		t.Fatal("different long keys, same uuid")
	}
}

func TestUpdateByToken(t *testing.T) {
	f, fake := newClient(t)
	ctx := context.Background()
	ref, _ := f.Send(ctx, testChat, card(testCard))
	tok := fake.CardToken(ref.MessageID)
	v2 := strings.Replace(testCard, "处理中", "已回复", 1)
	for i := range 2 {
		if err := f.UpdateByToken(ctx, tok, []byte(v2)); err != nil {
			t.Fatalf("use %d: %v", i+1, err)
		}
	}
	var apiErr *APIError
	err := f.UpdateByToken(ctx, tok, []byte(v2))
	if !errors.As(err, &apiErr) || apiErr.Code == 0 {
		t.Fatalf("third use: %v", err)
	}
	if strings.Contains(err.Error(), tok) {
		t.Fatalf("error holds the token: %v", err)
	}
	m, _ := fake.Message(ref.MessageID)
	if m.TokenUpdates != 2 || m.Content != v2 {
		t.Fatalf("message %+v", m)
	}
	var body struct {
		Token string          `json:"token"`
		Card  json.RawMessage `json:"card"`
	}
	reqs := fake.Requests()
	_ = json.Unmarshal(reqs[len(reqs)-1].Body, &body)
	if body.Token != tok || string(body.Card) != v2 || reqs[len(reqs)-1].Path != "/open-apis/interactive/v1/card/update" {
		t.Fatalf("request %s", reqs[len(reqs)-1].Body)
	}
	if err := f.UpdateByToken(ctx, "c-unknown", []byte(v2)); err == nil {
		t.Fatal("unknown token accepted")
	}
	if err := f.UpdateByToken(ctx, tok, []byte("{")); err == nil {
		t.Fatal("invalid card accepted")
	}
}

func TestAPIErrors(t *testing.T) {
	tests := []struct {
		name      string
		status    int
		code      int
		msg       string
		temporary bool
		retry     time.Duration
		text      string
	}{
		{"429", http.StatusTooManyRequests, 99991400, "request trigger frequency limit", true, time.Second,
			"feishu: send: code 99991400: request trigger frequency limit"},
		{"rate limit code with 400", http.StatusBadRequest, 99991400, "request trigger frequency limit", true, time.Second, ""},
		{"bare 429", http.StatusTooManyRequests, 0, "", true, time.Second, "feishu: send: rate limited"},
		{"bot not in chat", http.StatusBadRequest, 230002, "bot not in chat", false, 0,
			"feishu: send: code 230002: bot not in chat"},
		{"server error", http.StatusBadGateway, 0, "", true, 0, "feishu: send: http 502 Bad Gateway"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, fake := newClient(t)
			f.sleep = func(context.Context, time.Duration) error { return nil }
			fails := 1
			if tt.retry > 0 {
				fails = limitRetries + 1 // a rate limit is waited out first; this one outlasts it
			}
			fake.FailNext(fails, tt.status, tt.code, tt.msg)
			// A caller that may wait long enough for every retry (the default bound makes
			// the later ones a busy error: TestPacedIsBounded).
			ctx := bot.WithSendWait(context.Background(), time.Minute)
			_, err := f.Send(ctx, testChat, card(testCard))
			if sends := countPath(fake.Requests(), "/open-apis/im/v1/messages"); sends != fails {
				t.Fatalf("%d sends, want %d", sends, fails)
			}
			var apiErr *APIError
			if !errors.As(err, &apiErr) {
				t.Fatalf("err %T %v", err, err)
			}
			if apiErr.Temporary != tt.temporary || apiErr.RetryAfter != tt.retry || apiErr.Op != "send" {
				t.Fatalf("err %+v", apiErr)
			}
			if tt.text != "" && err.Error() != tt.text {
				t.Fatalf("Error() = %q, want %q", err.Error(), tt.text)
			}
			// Nothing was posted, and the next try goes through.
			if len(fake.Messages()) != 0 {
				t.Fatal("message created")
			}
			if _, err := f.Send(ctx, testChat, card(testCard)); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// A send refused for Feishu's rate waits as Feishu says and goes again, once, with the same
// uuid: the answer arrives late, not degraded, and never twice.
func TestSendWaitsOutARateLimit(t *testing.T) {
	f, fake := newClient(t)
	var slept []time.Duration
	f.sleep = func(_ context.Context, d time.Duration) error { slept = append(slept, d); return nil }
	fake.FailNext(2, http.StatusTooManyRequests, 99991400, "request trigger frequency limit")
	ref, err := f.Send(context.Background(), testChat, bot.Outgoing{Kind: bot.KindCard, Body: []byte(testCard), Key: "card:om_1"})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(slept, time.Second) || countPath(fake.Requests(), "/open-apis/im/v1/messages") != 3 {
		t.Fatalf("waited %v in %d sends, want Feishu's 1 s and three sends", slept, countPath(fake.Requests(), "/open-apis/im/v1/messages"))
	}
	msgs := fake.Messages()
	if len(msgs) != 1 || msgs[0].ID != ref.MessageID || msgs[0].MsgType != "interactive" {
		t.Fatalf("messages %+v", msgs)
	}
	// Eleven answers into one chat at once: those whose slot comes within the bound go,
	// a quarter second apart; the others are busy until their slot, posting nothing, and go
	// when sent again then (as the outbox does). The fake's 5/s is never exceeded.
	var wg sync.WaitGroup
	var busy atomic.Int32
	f.sleep = bot.Sleep
	for i := range 11 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				_, err := f.Send(context.Background(), testChat, bot.Outgoing{Kind: bot.KindText, Body: []byte("hi"), Key: fmt.Sprintf("burst-%d", i)})
				at, isBusy := bot.BusyUntil(err)
				if !isBusy {
					if err != nil {
						t.Error(err)
					}
					return
				}
				busy.Add(1)
				_ = bot.Sleep(context.Background(), time.Until(at))
			}
		}()
	}
	wg.Wait()
	if fake.Limited() != 0 || len(fake.Messages()) != 12 || busy.Load() == 0 {
		t.Fatalf("limited %d, messages %d, busy %d", fake.Limited(), len(fake.Messages()), busy.Load())
	}
}

// TestPacedIsBounded: a send whose chat, card or app slot is further away than the wait
// bound, or whom Feishu asks to wait longer than that, is busy at once: nothing posted,
// nothing slept, every slot it took given back.
func TestPacedIsBounded(t *testing.T) {
	tests := []struct {
		name  string
		setup func(f *Feishu, fake *feishutest.Server)
		send  func(f *Feishu) error
		// wantRetry is how far on the busy error says to come back.
		wantRetry time.Duration
	}{
		{"the chat's slot is 2 s away", func(f *Feishu, _ *feishutest.Server) {
			for range 8 {
				f.pace.chats.Reserve(testChat)
			}
		}, func(f *Feishu) error {
			_, err := f.Send(context.Background(), testChat, bot.Outgoing{Kind: bot.KindText, Body: []byte("x"), Key: "k1"})
			return err
		}, 2 * time.Second},
		{"the card's slot is 2 s away", func(f *Feishu, _ *feishutest.Server) {
			for range 8 {
				f.pace.cards.Reserve("om_card")
			}
		}, func(f *Feishu) error {
			return f.Update(context.Background(), bot.CardRef{ChatID: testChat, MessageID: "om_card"}, bot.Outgoing{Kind: bot.KindCard, Body: []byte(testCard)})
		}, 2 * time.Second},
		{"the app's minute is used up", func(f *Feishu, _ *feishutest.Server) {
			for range appPerMinute.N {
				f.pace.app.Reserve("app")
			}
		}, func(f *Feishu) error {
			_, err := f.Send(context.Background(), testChat, bot.Outgoing{Kind: bot.KindText, Body: []byte("x"), Key: "k2"})
			return err
		}, time.Minute},
		{"Feishu asks for longer than the bound", func(_ *Feishu, fake *feishutest.Server) {
			fake.FailNext(1, http.StatusTooManyRequests, 99991400, "request trigger frequency limit")
		}, func(f *Feishu) error {
			// The fake's 429 says 1 s (x-ogw-ratelimit-reset); this caller waits 0.5 s.
			ctx := bot.WithSendWait(context.Background(), 500*time.Millisecond)
			_, err := f.Send(ctx, testChat, bot.Outgoing{Kind: bot.KindText, Body: []byte("x"), Key: "k3"})
			return err
		}, -1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f, fake := newClient(t)
			now := time.Date(2026, 11, 21, 10, 0, 0, 0, time.UTC)
			f.now = func() time.Time { return now }
			f.pace = newPacer(f.now)
			var slept time.Duration
			f.sleep = func(_ context.Context, d time.Duration) error { slept += d; return nil }
			tc.setup(f, fake)
			err := tc.send(f)
			at, busy := bot.BusyUntil(err)
			if !busy || !errors.Is(err, bot.ErrChatBusy) {
				t.Fatalf("err = %v", err)
			}
			want := tc.wantRetry
			if want < 0 {
				want = time.Second // the fake's Retry-After hint for a 429
				var ae *APIError
				if !errors.As(err, &ae) || ae.Code != 99991400 {
					t.Fatalf("busy without Feishu's answer: %v", err)
				}
			}
			if got := at.Sub(now); got > want+250*time.Millisecond || got < want-250*time.Millisecond {
				t.Fatalf("retry in %v, want about %v", got, want)
			}
			if slept != 0 || len(fake.Messages()) != 0 {
				t.Fatalf("slept %v, posted %d", slept, len(fake.Messages()))
			}
			// The chat's slot taken before the app's was busy is given back: still free now.
			if tc.name == "the app's minute is used up" {
				if at, _ := f.pace.chats.Reserve(testChat); !at.Equal(now) {
					t.Fatalf("the chat's slot was kept: next in %v", at.Sub(now))
				}
			}
		})
	}
}

func TestTransportErrorIsTemporary(t *testing.T) {
	f, fake := newClient(t)
	fake.Close()
	_, err := f.Send(context.Background(), testChat, card(testCard))
	var apiErr *APIError
	if !errors.As(err, &apiErr) || !apiErr.Temporary {
		t.Fatalf("err %v", err)
	}
}

func TestTenantToken(t *testing.T) {
	f, fake := newClient(t)
	ctx := context.Background()
	countTokens := func() (n int) {
		for _, r := range fake.Requests() {
			if r.Path == pathTenantToken {
				n++
			}
		}
		return n
	}

	// Concurrent first calls share one token fetch.
	var wg sync.WaitGroup
	errs := make(chan error, 10)
	for i := range 10 {
		wg.Go(func() {
			// Ten chats: Feishu (and the fake) allow 5 messages a second into one chat.
			_, err := f.Send(ctx, fmt.Sprintf("%s_%d", testChat, i), card(testCard))
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if n := countTokens(); n != 1 {
		t.Fatalf("%d token fetches, want 1", n)
	}

	// A token the server no longer accepts is replaced, and the call retried once.
	fake.RevokeTokens()
	if _, err := f.Send(ctx, testChat, card(testCard)); err != nil {
		t.Fatal(err)
	}
	if n := countTokens(); n != 2 {
		t.Fatalf("%d token fetches, want 2", n)
	}
	if n := len(fake.Messages()); n != 11 {
		t.Fatalf("%d messages, want 11", n)
	}
}

func TestTenantTokenRefreshedBeforeExpiry(t *testing.T) {
	fake := feishutest.New(testAppID, testAppSecret)
	defer fake.Close()
	now := time.Unix(1700000000, 0)
	var mu sync.Mutex
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	cfg := testConfig()
	cfg.BaseURL = fake.URL()
	f, err := New(cfg, nil, nil, WithClock(clock))
	if err != nil {
		t.Fatal(err)
	}
	send := func() {
		if _, err := f.Send(context.Background(), testChat, card(testCard)); err != nil {
			t.Fatal(err)
		}
	}
	send()
	mu.Lock()
	now = now.Add(7200*time.Second - 4*time.Minute) // still 4 min left: reused
	mu.Unlock()
	send()
	mu.Lock()
	now = now.Add(2 * time.Minute) // 2 min left: refreshed
	mu.Unlock()
	send()
	var auths []string
	for _, r := range fake.Requests() {
		if r.Path == pathMessages {
			auths = append(auths, r.Authorization)
		}
	}
	if auths[0] != auths[1] || auths[1] == auths[2] {
		t.Fatalf("tokens %v", auths)
	}
}

func TestWrongSecretErrorLeaksNothing(t *testing.T) {
	f, _ := newClient(t, func(c *Config) { c.AppSecret = "wrong-secret-xyz" })
	_, err := f.Send(context.Background(), testChat, card(testCard))
	var apiErr *APIError
	if !errors.As(err, &apiErr) || apiErr.Code != feishutest.CodeBadSecret || apiErr.Temporary {
		t.Fatalf("err %v", err)
	}
	if !strings.Contains(err.Error(), "tenant token") || strings.Contains(err.Error(), "wrong-secret-xyz") {
		t.Fatalf("Error() = %q", err.Error())
	}
}

// TestFakeAcrossInstances shows why the token cache is per Feishu: two fakes with the same
// credentials issue different tokens, and each client keeps its own.
func TestFakeAcrossInstances(t *testing.T) {
	f1, _ := newClient(t)
	f2, _ := newClient(t)
	for _, f := range []*Feishu{f1, f2, f1} {
		if _, err := f.Send(context.Background(), testChat, card(testCard)); err != nil {
			t.Fatal(err)
		}
	}
}

var _ bot.Platform = (*Feishu)(nil)

func TestName(t *testing.T) {
	f, _ := newClient(t)
	if f.Name() != "feishu" {
		t.Fatal(f.Name())
	}
}

func countPath(reqs []feishutest.Request, path string) int {
	n := 0
	for _, r := range reqs {
		if r.Path == path {
			n++
		}
	}
	return n
}
