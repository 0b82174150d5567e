package command

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ticketbot/ticketbot/bot"
	"github.com/ticketbot/ticketbot/bot/wecom"
	"github.com/ticketbot/ticketbot/bot/wecom/wecomtest"
	"github.com/ticketbot/ticketbot/providers"
	"github.com/ticketbot/ticketbot/store"
	"github.com/ticketbot/ticketbot/templates"
)

// The test (#20 item 2): one WeCom chat asks for 60 answers within a minute while
// another asks for one. The real dispatcher and its 8 workers, this package's Bot over
// SQLite, the real WeCom platform and its fake (which keeps 30 a minute per chat, as WeCom
// does), all on one clock the test moves. The other chat is answered within 2 s; every one
// of the busy chat's 60 answers arrives, once, within WeCom's limits (the fake refuses
// nothing).

// simClock is the simulation's clock: the test moves it, and a platform's wait for a slot
// takes that long in real time (so a worker held by a wait is really held) and moves it on.
type simClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *simClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *simClock) to(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if t.After(c.t) {
		c.t = t
	}
}

func (c *simClock) sleep(ctx context.Context, d time.Duration) error {
	start := c.now()
	if err := bot.Sleep(ctx, d); err != nil {
		return err
	}
	c.to(start.Add(d))
	return nil
}

// weComRig is the Bot and the dispatcher answering on a WeCom platform against its fake.
type weComRig struct {
	t     *testing.T
	clk   *simClock
	fake  *wecomtest.Server
	wc    *wecom.WeCom
	bot   *Bot
	st    *store.SQL
	disp  *bot.Dispatcher
	url   string // the HTTP callback (webhook mode)
	logs  *strings.Builder
	logMu *sync.Mutex
}

func newWeComRig(t *testing.T, mode string, tickets int) *weComRig {
	t.Helper()
	clk := &simClock{t: time.Now().Truncate(time.Second)}
	r := &weComRig{t: t, clk: clk, logs: &strings.Builder{}, logMu: &sync.Mutex{}}
	r.fake = wecomtest.New(wecomtest.Config{Now: clk.now})
	t.Cleanup(r.fake.Close)
	st, err := store.OpenSQLite(context.Background(), filepath.Join(t.TempDir(), "bot.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	r.st = st
	rend, err := templates.New("")
	if err != nil {
		t.Fatal(err)
	}
	vendor := newStubVendor("ksyun")
	for i := 1; i <= tickets; i++ {
		vendor.put(providerTicket(fmt.Sprint(1000+i), fmt.Sprint("工单 ", i)))
	}
	log := slog.New(slog.NewTextHandler(lockedWriter{r.logMu, r.logs}, &slog.HandlerOptions{Level: slog.LevelInfo}))
	platforms := map[string]bot.Platform{}
	r.bot = New(Config{DefaultProvider: "ksyun"}, Deps{Vendors: testVendors, Providers: map[string]providers.Provider{"ksyun": vendor},
		Store: st, Renderer: rend, Platforms: platforms, Log: log, Now: clk.now})
	r.disp = bot.NewDispatcher(bot.DispatcherConfig{}, r.bot, st, platforms, nil, log)
	r.disp.Start()
	t.Cleanup(func() { _ = r.disp.Shutdown(context.Background()) })
	fc := r.fake.Config()
	cfg := wecom.Config{Mode: mode, Token: bot.Secret(fc.Token), EncodingAESKey: bot.Secret(fc.EncodingAESKey),
		BotID: fc.BotID, Secret: bot.Secret(fc.Secret), APIBaseURL: r.fake.URL(), WSURL: r.fake.WSURL()}
	r.wc, err = wecom.New(cfg, r.disp, log, wecom.WithClock(clk.now), wecom.WithSleep(clk.sleep))
	if err != nil {
		t.Fatal(err)
	}
	platforms[wecom.Platform] = r.wc
	if mode == wecom.ModeWebsocket {
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() { defer close(done); _ = r.wc.Run(ctx) }()
		t.Cleanup(func() { cancel(); <-done })
		if !r.fake.WaitSubscribed(1, 10*time.Second) {
			t.Fatal("the bot never subscribed")
		}
	} else {
		mux := http.NewServeMux()
		mux.Handle(wecom.CallbackPath, r.wc.Handler())
		srv := httptest.NewServer(mux)
		t.Cleanup(srv.Close)
		r.url = srv.URL + wecom.CallbackPath
	}
	return r
}

func (r *weComRig) log() string {
	r.logMu.Lock()
	defer r.logMu.Unlock()
	return r.logs.String()
}

// ask sends the command 查看 ksyun:<1000+n> from chat, as message msgID.
func (r *weComRig) ask(mode, chat, msgID string, n int) {
	r.t.Helper()
	text := fmt.Sprint("查看 ksyun:", 1000+n)
	user := fmt.Sprint("user", n%6) // several people: each stays within the per-person budget
	if mode == wecom.ModeWebsocket {
		if _, err := r.fake.PushMessage(wecomtest.TextMessage(msgID, chat, user, text)); err != nil {
			r.t.Fatal(err)
		}
		return
	}
	if rep, err := r.fake.PostText(context.Background(), r.url, msgID, chat, user, text); err != nil || rep.Status != http.StatusOK {
		r.t.Fatalf("callback %s: %d %v", msgID, rep.Status, err)
	}
}

// answered lists the tickets of the cards chat received, in the order they arrived.
func answered(sent []wecomtest.Sent, chat string) []int {
	var out []int
	for _, s := range sent {
		if s.Chat != chat || s.MsgType != "template_card" {
			continue
		}
		var n int
		if _, err := fmt.Sscanf(cardRef(string(s.Card())), "ksyun:%d", &n); err == nil {
			out = append(out, n-1000)
		}
	}
	return out
}

// cardRef finds the "ksyun:NNNN" a ticket card shows.
func cardRef(card string) string {
	i := strings.Index(card, "ksyun:")
	if i < 0 || len(card) < i+10 {
		return ""
	}
	return card[i : i+10]
}

// handled waits until the answer to msgID was posted or kept in the outbox for later.
func (r *weComRig) handled(chat, msgID string, n int) {
	r.t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		for _, got := range answered(r.fake.Sent(), chat) {
			if got == n {
				return
			}
		}
		if _, err := r.st.Job(context.Background(), "say/late-card/wecom/"+msgID); err == nil {
			return
		}
		time.Sleep(2 * time.Millisecond)
	}
	r.t.Fatalf("command %s neither answered nor kept within 5 s\n%s", msgID, r.log())
}

func TestBusyWeComChatDoesNotStallOthers(t *testing.T) {
	const chatA, chatB, total = "wrkBusyChatAAAA", "wrkQuietChatBBBB", 60
	tests := []struct {
		name, mode string
		// burst sends the 60 at once; otherwise one every half second, each handled before
		// the next (so the order they were answered in is the order they were asked).
		burst bool
	}{
		{"webhook, one every half second", wecom.ModeWebhook, false},
		{"long connection, all at once", wecom.ModeWebsocket, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := newWeComRig(t, tc.mode, total+1)
			t0 := r.clk.now()
			for i := 1; i <= total; i++ {
				msgID := fmt.Sprint("a-", i)
				if !tc.burst {
					r.clk.to(t0.Add(time.Duration(i-1) * 500 * time.Millisecond))
				}
				r.ask(tc.mode, chatA, msgID, i)
				if !tc.burst {
					r.handled(chatA, msgID, i)
				}
			}
			// Chat B asks once, while chat A is far over its rate: answered within 2 s.
			start := time.Now()
			r.ask(tc.mode, chatB, "b-1", total+1)
			if got, ok := r.fake.WaitFor(2*time.Second, func(s []wecomtest.Sent) bool { return len(answered(s, chatB)) == 1 }); !ok {
				t.Fatalf("chat B not answered within 2 s (%d sends in all)\n%s", len(got), r.log())
			}
			t.Logf("chat B answered in %v of real time", time.Since(start).Round(time.Millisecond))
			if tc.burst {
				// Chats take turns: B may be answered while A's burst is still being handled.
				for i := 1; i <= total; i++ {
					r.handled(chatA, fmt.Sprint("a-", i), i)
				}
			}
			if got := len(answered(r.fake.Sent(), chatA)); got != 30 {
				t.Fatalf("chat A got %d answers at once, want its 30 a minute", got)
			}

			// The outbox sends the rest as chat A gets room: step the clock a second at a
			// time for three minutes.
			for s := 1; s <= 180 && len(answered(r.fake.Sent(), chatA)) < total; s++ {
				r.clk.to(t0.Add(time.Duration(s) * time.Second))
				r.bot.DrainOutbox(context.Background())
			}
			got := answered(r.fake.Sent(), chatA)
			seen := map[int]int{}
			for _, n := range got {
				seen[n]++
			}
			for i := 1; i <= total; i++ {
				if seen[i] != 1 {
					t.Fatalf("answer %d arrived %d times; chat A got %v\n%s", i, seen[i], got, r.log())
				}
			}
			if len(got) != total {
				t.Fatalf("chat A got %d answers: %v", len(got), got)
			}
			if !tc.burst {
				for i, n := range got {
					if n != i+1 {
						t.Fatalf("out of order: %v", got)
					}
				}
			}
			if n := r.fake.FrequencyRefusals(); n != 0 {
				t.Fatalf("the fake refused %d messages for WeCom's rate", n)
			}
			t.Logf("chat A's last answer at +%v of simulated time", r.clk.now().Sub(t0))
		})
	}
}
