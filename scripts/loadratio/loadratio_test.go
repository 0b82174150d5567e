package main

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"log/slog"
	"math"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ticketbot/ticketbot/bot"
	"github.com/ticketbot/ticketbot/bot/feishu"
	"github.com/ticketbot/ticketbot/bot/wecom"
	"github.com/ticketbot/ticketbot/internal/testbin"
)

// The quantile of what a histogram observed between two readings is its bucket's upper bound.
func TestBucketQuantile(t *testing.T) {
	before := map[float64]float64{0.001: 10, 0.005: 10, math.Inf(1): 10}
	for _, tt := range []struct {
		after map[float64]float64
		q     float64
		want  time.Duration
	}{
		{map[float64]float64{0.001: 110, 0.005: 110, math.Inf(1): 110}, 0.99, time.Millisecond},
		{map[float64]float64{0.001: 108, 0.005: 110, math.Inf(1): 110}, 0.99, 5 * time.Millisecond},
		{map[float64]float64{0.001: 10, 0.005: 10, math.Inf(1): 11}, 0.99, -1},
		{before, 0.99, 0},
		{nil, 0.99, 0},
	} {
		if got := bucketQuantile(before, tt.after, tt.q); got != tt.want {
			t.Errorf("bucketQuantile(%v) = %v, want %v", tt.after, got, tt.want)
		}
	}
}

// With -bare-body, bare answers that many bytes.
func TestBareBody(t *testing.T) {
	for _, n := range []int{0, 3000} {
		w := httptest.NewRecorder()
		bareEngine(n).ServeHTTP(w, httptest.NewRequest(http.MethodPost, wecom.CallbackPath, strings.NewReader("{}")))
		if w.Code != http.StatusOK || w.Body.Len() != n {
			t.Errorf("-bare-body %d: %d with %d bytes", n, w.Code, w.Body.Len())
		}
	}
}

// TestMain lets the test binary stand in for the tool: the smoke test re-executes it as
// `bare`, `gen` and `stub`.
func TestMain(m *testing.M) {
	if len(os.Args) > 1 {
		if code, ok := subcommand(os.Args[1], os.Args[2:]); ok {
			os.Exit(code)
		}
	}
	code := m.Run()
	if bin, err := buildOnce(); built && err == nil {
		_ = os.RemoveAll(filepath.Dir(bin))
	}
	os.Exit(code)
}

// sink records what a platform hands over.
type sink struct {
	mu   sync.Mutex
	msgs []bot.Message
}

func (s *sink) HandleMessage(_ context.Context, m bot.Message) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.msgs = append(s.msgs, m)
	return nil
}

func (s *sink) HandleAction(context.Context, bot.Action) (bot.ActionResult, error) {
	return bot.ActionResult{}, nil
}

func quiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// deliver sends the raw request to h as the server would read it and returns the status.
func deliver(t *testing.T, h http.Handler, raw []byte) int {
	t.Helper()
	req, err := http.ReadRequest(bufio.NewReader(bytes.NewReader(raw)))
	if err != nil {
		t.Fatalf("request does not parse: %v", err)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec.Code
}

// The requests pass the repo's own Feishu webhook (signature, decryption, verification token,
// decoding): chatter is overheard, a command is for the bot, each a delivery of its own.
func TestFeishuRequestsPassTheWebhook(t *testing.T) {
	cfg := feishu.Config{AppID: "cli_loadratio", AppSecret: "s", VerificationToken: feishuToken, EncryptKey: feishuEncryptKey, BaseURL: "http://127.0.0.1:1"}
	cfg.Defaults()
	for _, tc := range []struct {
		workload  string
		overheard bool
		text      string
	}{{workChatter, true, ""}, {workCommand, false, "help"}} {
		t.Run(tc.workload, func(t *testing.T) {
			s := &sink{}
			f, err := feishu.New(cfg, s, quiet())
			if err != nil {
				t.Fatal(err)
			}
			b := &builder{path: pathFeishu, workload: tc.workload, command: "help", host: "127.0.0.1:8080", prefix: "t", chats: 2}
			if err := b.validate(); err != nil {
				t.Fatal(err)
			}
			for i := range 3 {
				raw, err := b.build(i)
				if err != nil {
					t.Fatal(err)
				}
				if code := deliver(t, f.Handler(), raw); code != http.StatusOK {
					t.Fatalf("request %d: status %d", i, code)
				}
			}
			if len(s.msgs) != 3 {
				t.Fatalf("sink got %d messages, want 3", len(s.msgs))
			}
			seen := map[string]bool{}
			for _, m := range s.msgs {
				if m.Overheard != tc.overheard {
					t.Errorf("Overheard = %v, want %v (%+v)", m.Overheard, tc.overheard, m)
				}
				if tc.text != "" && m.Text != tc.text {
					t.Errorf("Text = %q, want %q", m.Text, tc.text)
				}
				if m.ChatType != "group" {
					t.Errorf("ChatType = %q, want group", m.ChatType)
				}
				if seen[m.EventID] || seen[m.MessageID] {
					t.Errorf("delivery ids repeat: %s %s", m.EventID, m.MessageID)
				}
				seen[m.EventID], seen[m.MessageID] = true, true
			}
		})
	}
}

// The same through the repo's WeCom callback: every message @-mentions the bot (WeCom has no
// chatter); the chatter workload's text is no command, the command's is.
func TestWeComRequestsPassTheCallback(t *testing.T) {
	cfg := wecom.Config{Token: wecomToken, EncodingAESKey: wecomAESKey, APIBaseURL: "http://127.0.0.1:1"}
	cfg.Defaults()
	if errs := cfg.Validate(); len(errs) > 0 {
		t.Fatal(errs)
	}
	for _, tc := range []struct{ workload, text string }{{workChatter, chatterText}, {workCommand, "help"}} {
		t.Run(tc.workload, func(t *testing.T) {
			s := &sink{}
			w, err := wecom.New(cfg, s, quiet())
			if err != nil {
				t.Fatal(err)
			}
			b := &builder{path: pathWeCom, workload: tc.workload, command: "help", host: "127.0.0.1:8080", prefix: "t", chats: 2}
			if err := b.validate(); err != nil {
				t.Fatal(err)
			}
			for i := range 3 {
				raw, err := b.build(i)
				if err != nil {
					t.Fatal(err)
				}
				if code := deliver(t, w.Handler(), raw); code != http.StatusOK {
					t.Fatalf("request %d: status %d", i, code)
				}
			}
			if len(s.msgs) != 3 {
				t.Fatalf("sink got %d messages, want 3", len(s.msgs))
			}
			seen := map[string]bool{}
			for _, m := range s.msgs {
				if m.Text != tc.text || m.Overheard || m.ChatType != "group" {
					t.Errorf("got %+v, want group text %q", m, tc.text)
				}
				if seen[m.MessageID] {
					t.Errorf("msgid repeats: %s", m.MessageID)
				}
				seen[m.MessageID] = true
			}
		})
	}
}

func TestBuilderRefusesUnknown(t *testing.T) {
	for _, b := range []builder{{path: "slack", workload: workChatter}, {path: pathFeishu, workload: "noise"}} {
		if err := b.validate(); err == nil {
			t.Errorf("%s/%s: no error", b.path, b.workload)
		}
	}
}

func TestMedian(t *testing.T) {
	for _, tc := range []struct {
		in   []float64
		want float64
	}{{nil, 0}, {[]float64{3}, 3}, {[]float64{5, 1, 3}, 3}, {[]float64{4, 1, 3, 2}, 2.5}} {
		in := append([]float64(nil), tc.in...)
		if got := median(tc.in); got != tc.want {
			t.Errorf("median(%v) = %v, want %v", tc.in, got, tc.want)
		}
		if !equal(in, tc.in) {
			t.Errorf("median changed its input: %v", tc.in)
		}
	}
	if got := medianDuration([]time.Duration{3, 1, 2}); got != 2 {
		t.Errorf("medianDuration = %v", got)
	}
}

func equal(a, b []float64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestPercentile(t *testing.T) {
	var d []time.Duration
	for i := 1; i <= 100; i++ {
		d = append(d, time.Duration(i))
	}
	for _, tc := range []struct {
		p    float64
		want time.Duration
	}{{50, 50}, {99, 99}, {100, 100}, {0.1, 1}, {99.5, 100}} {
		if got := percentile(d, tc.p); got != tc.want {
			t.Errorf("p%v = %v, want %v", tc.p, got, tc.want)
		}
	}
	if got := percentile(nil, 99); got != 0 {
		t.Errorf("p99 of nothing = %v", got)
	}
	if got := percentile([]time.Duration{7}, 50); got != 7 {
		t.Errorf("p50 of one = %v", got)
	}
}

func TestSummarizePairsRounds(t *testing.T) {
	r := func(sent, ok int64, secs float64) genResult {
		return genResult{Sent: sent, OK: ok, Non200: sent - ok, Seconds: secs}
	}
	c := &cell{
		bare: []genResult{r(100, 100, 1), r(200, 200, 1), r(300, 300, 1)},
		bot:  []genResult{r(50, 50, 1), r(100, 50, 1), r(30, 30, 1)},
	}
	s := summarize(c)
	if s.botRPS != 50 || s.bareRPS != 200 {
		t.Errorf("medians %v / %v, want 50 / 200", s.botRPS, s.bareRPS)
	}
	if s.ratio != 0.25 { // per round 0.5, 0.25, 0.1
		t.Errorf("ratio %v, want 0.25", s.ratio)
	}
	if s.non200 != 50.0/180 {
		t.Errorf("non-200 share %v", s.non200)
	}
}

func TestProcParsers(t *testing.T) {
	if n, err := parseKB("   12345 kB"); err != nil || n != 12345<<10 {
		t.Errorf("parseKB = %d, %v", n, err)
	}
	stat := "4242 (ticket bot) S 1 4242 4242 0 -1 4194560 1 0 0 0 150 25 0 0 20 0 9 0 1 2 3"
	if d, err := parseStatCPU(stat); err != nil || d != 175*clockTick {
		t.Errorf("parseStatCPU = %v, %v", d, err)
	}
	if rss, err := rssBytes(os.Getpid()); err != nil || rss <= 0 {
		t.Errorf("own RSS = %d, %v", rss, err)
	}
	if _, err := cpuTime(os.Getpid()); err != nil {
		t.Error(err)
	}
}

// buildOnce builds ./cmd/ticketbot for the tests that run it, as the test is built (with -race
// under go test -race: testbin); TestMain removes it.
var built bool

var buildOnce = sync.OnceValues(func() (string, error) {
	built = true
	dir, err := os.MkdirTemp("", "loadratio-test-")
	if err != nil {
		return "", err
	}
	return buildTicketbot(context.Background(), dir, testbin.Flags()...)
})

func ticketbot(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("builds and runs ticketbot")
	}
	bin, err := buildOnce()
	if err != nil {
		t.Fatal(err)
	}
	return bin
}

// The generated configuration passes ticketbot's own check.
func TestConfigPassesCheck(t *testing.T) {
	bin := ticketbot(t)
	dir := t.TempDir()
	cfg, err := writeConfig(dir, serverConfig{Listen: "127.0.0.1:18080", Admin: "127.0.0.1:18090", DB: filepath.Join(dir, "t.db"), Platform: "http://127.0.0.1:1", Vendor: "http://127.0.0.1:2"})
	if err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(bin, "check", "--config", cfg).CombinedOutput()
	if err != nil {
		t.Fatalf("ticketbot check: %v\n%s", err, out)
	}
}

// The whole tool, briefly, against a built ticketbot: every cell got 200s from both servers
// and the table printed; then a small -million run. Speeds are not asserted. The Feishu
// command workload is left out: its answers wait for Feishu's rate, so ticketbot takes up to
// its shutdown timeout to exit (the request builders' tests cover its requests).
func TestSmoke(t *testing.T) {
	bin := ticketbot(t)
	o := options{bin: bin, self: os.Args[0], conns: 4, dur: 300 * time.Millisecond, rounds: 1,
		paths: []string{pathFeishu, pathWeCom}, workloads: []string{workChatter},
		command: "help", chats: 8, maxRate: 5000, paced: true, idleWait: time.Second, n: 300, rssSettle: 2 * time.Second,
		bareBody: 3000, profDir: t.TempDir()}
	var out bytes.Buffer
	o.out = &out
	rep, err := run(context.Background(), o)
	if err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	if len(rep.cells) != 2 {
		t.Fatalf("%d cells, want 2\n%s", len(rep.cells), out.String())
	}
	for _, c := range rep.cells {
		if len(c.bot) != 1 || c.bot[0].OK == 0 || c.bare[0].OK == 0 || c.paced == nil || c.pacedBare == nil || c.pacedBare.OK == 0 {
			t.Errorf("%s %s: no 200s: bot %+v bare %+v", c.path, c.workload, c.bot, c.bare)
		}
		if c.exitErr != nil {
			t.Errorf("%s %s: %v", c.path, c.workload, c.exitErr)
		}
		for _, name := range []string{"r1.cpu", "r1.allocs", "paced.cpu", "paced.allocs"} {
			if fi, err := os.Stat(filepath.Join(o.profDir, c.path+"-"+c.workload+"-"+name)); err != nil || fi.Size() == 0 {
				t.Errorf("%s %s: no profile %s: %v", c.path, c.workload, name, err)
			}
		}
		if c.pacedServerP99 <= 0 {
			t.Errorf("%s %s: no time in the handler read from /metrics", c.path, c.workload)
		}
		// WeCom answers text that is no command in the callback's own response (help and
		// usage hints need no queue), from a fresh process's first messages.
		if c.path == pathWeCom && (c.paced == nil || c.pacedInAck < float64(c.paced.OK)/2) {
			t.Errorf("wecom chatter: %v of the paced requests answered in the ack, want most of %+v", c.pacedInAck, c.paced)
		}
	}
	if !strings.Contains(out.String(), "| path | workload | bot req/s | bot non-200 share | bare req/s | ratio (200s only) | p50 | p99 |") {
		t.Errorf("no table:\n%s", out.String())
	}

	o.million, o.paths = true, []string{pathFeishu}
	out.Reset()
	if rep, err = run(context.Background(), o); err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	if len(rep.million) != 1 || rep.million[0].res.OK == 0 || rep.million[0].rssAfter == 0 {
		t.Errorf("million: %+v\n%s", rep.million, out.String())
	}
	if !strings.Contains(out.String(), "per 100k messages") {
		t.Errorf("no store growth:\n%s", out.String())
	}
	t.Log("\n" + out.String())
}
