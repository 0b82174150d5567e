// Command loadratio measures the Feishu webhook ack path against a bare Gin handler, side by
// side in one run on one machine, and prints the throughput ratio and server-side latency.
//
//	go run ./scripts/loadratio            # defaults: 32 connections, 3 s per round, 2 rounds
//	go run ./scripts/loadratio -c 64 -d 5s -rounds 3
//
// "ours" is the real path: the gin router of handlers, the feishu webhook (signature check,
// AES decrypt, token check, decode), the dispatcher (in-memory claim, enqueue) and its workers
// deduping in a real SQLite store. The bare handler only reads the body. Every request carries
// a distinct, freshly signed and encrypted event, so nothing is answered from the dedupe
// cache. All traffic stays on 127.0.0.1.
package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/ticketbot/ticketbot/bot"
	"github.com/ticketbot/ticketbot/bot/feishu"
	"github.com/ticketbot/ticketbot/handlers"
	"github.com/ticketbot/ticketbot/store"
)

const (
	encryptKey = "loadratio-encrypt-key"
	token      = "loadratio-token"
)

func main() {
	conns := flag.Int("c", 32, "concurrent connections")
	dur := flag.Duration("d", 3*time.Second, "duration of each measurement")
	rounds := flag.Int("rounds", 2, "alternating rounds (best of each is reported)")
	flag.Parse()
	if err := run(*conns, *dur, *rounds); err != nil {
		fmt.Fprintln(os.Stderr, "loadratio:", err)
		os.Exit(1)
	}
}

type result struct {
	rps    float64
	p50    time.Duration
	p99    time.Duration
	errors int64
}

func run(conns int, dur time.Duration, rounds int) error {
	bare, stopBare, err := serve(bareEngine())
	if err != nil {
		return err
	}
	defer stopBare()
	engine, shutdown, err := oursEngine()
	if err != nil {
		return err
	}
	defer shutdown()
	ours, stopOurs, err := serve(engine)
	if err != nil {
		return err
	}
	defer stopOurs()

	// Enough distinct events for the fastest plausible rate; sealed before timing starts.
	n := int(dur.Seconds()*(float64(rounds)+0.5)*45000) + 1000
	fmt.Printf("sealing %d events…\n", n)
	bodies, headers := seal(n)
	runtime.GC() // sealing allocated a lot; do not bill that to the first round
	for _, s := range []*server{bare, ours} {
		load(s, bodies, headers, conns, dur/5) // warm up connections, caches and the store
	}

	var best [2]result
	var ratios []float64
	for r := range rounds {
		var round [2]result
		for i, s := range []*server{bare, ours} {
			res := load(s, bodies, headers, conns, dur)
			fmt.Printf("round %d %-5s %8.0f req/s  p50 %-9v p99 %-9v errors %d\n", r+1, []string{"bare", "ours"}[i], res.rps, res.p50, res.p99, res.errors)
			round[i] = res
			if res.rps > best[i].rps {
				best[i] = res
			}
		}
		ratios = append(ratios, round[1].rps/round[0].rps)
	}
	slices.Sort(ratios)
	fmt.Printf("per-round ratios %.2f (median %.2f)\n", ratios, ratios[len(ratios)/2])
	ratio := best[1].rps / best[0].rps
	fmt.Printf("\nbare gin %.0f req/s; ticketbot webhook %.0f req/s; ratio %.2f (target ≥ 0.50)\n", best[0].rps, best[1].rps, ratio)
	fmt.Printf("ticketbot server-side p99 %v (target < 5ms)\n", best[1].p99)
	if ratio < 0.5 || best[1].p99 >= 5*time.Millisecond || best[1].errors > 0 {
		fmt.Println("TARGET MISSED")
	} else {
		fmt.Println("target met")
	}
	return nil
}

// server records how long its handler took for every request (server-side latency).
type server struct {
	url  string
	mu   sync.Mutex
	durs []time.Duration
}

func (s *server) reset() {
	s.mu.Lock()
	s.durs = s.durs[:0]
	s.mu.Unlock()
}

func serve(e *gin.Engine) (*server, func(), error) {
	s := &server{durs: make([]time.Duration, 0, 1<<20)}
	timed := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		e.ServeHTTP(w, r)
		d := time.Since(start)
		s.mu.Lock()
		s.durs = append(s.durs, d)
		s.mu.Unlock()
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, nil, err
	}
	srv := &http.Server{Handler: timed}
	go func() { _ = srv.Serve(ln) }()
	s.url = "http://" + ln.Addr().String() + "/feishu/webhook"
	return s, func() { _ = srv.Close() }, nil
}

func bareEngine() *gin.Engine {
	gin.SetMode(gin.ReleaseMode)
	e := gin.New()
	e.POST("/feishu/webhook", func(c *gin.Context) {
		_, _ = io.ReadAll(c.Request.Body)
		c.Status(http.StatusOK)
	})
	return e
}

// noop is a bot.Handler that does nothing: the measurement is of the ack path.
type noop struct{}

func (noop) HandleMessage(context.Context, bot.Message)                {}
func (noop) HandleAction(context.Context, bot.Action) bot.ActionResult { return bot.ActionResult{} }

func oursEngine() (*gin.Engine, func(), error) {
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	dir, err := os.MkdirTemp("", "loadratio")
	if err != nil {
		return nil, nil, err
	}
	st, err := store.OpenSQLite(context.Background(), filepath.Join(dir, "load.db"))
	if err != nil {
		return nil, nil, err
	}
	cached := store.NewCached(st, time.Minute)
	d := bot.NewDispatcher(bot.DispatcherConfig{Queue: 1 << 20}, noop{}, cached, map[string]bot.Platform{}, nil, log)
	d.Start()
	cfg := feishu.Config{AppID: "cli_load", AppSecret: "s", VerificationToken: token, EncryptKey: encryptKey, BaseURL: "http://127.0.0.1:1"}
	cfg.Defaults()
	fs, err := feishu.New(cfg, d, log)
	if err != nil {
		return nil, nil, err
	}
	e := handlers.Router(handlers.Routes{Webhooks: map[string]http.Handler{"/feishu/webhook": fs.Handler()}, Log: log})
	return e, func() {
		_ = d.Shutdown(context.Background())
		_ = cached.Close()
		_ = os.RemoveAll(dir)
	}, nil
}

func seal(n int) ([][]byte, []http.Header) {
	bodies := make([][]byte, n)
	headers := make([]http.Header, n)
	now := time.Now()
	for i := range n {
		plain := feishu.TextMessageEvent(fmt.Sprintf("ev-%d", i), fmt.Sprintf("om_load_%d", i), "oc_load", "ou_load",
			"建单 ksyun 压测工单", feishu.WithVerificationToken(token))
		bodies[i], headers[i] = feishu.SealRequest(encryptKey, plain, now, fmt.Sprintf("n%d", i))
	}
	return bodies, headers
}

var next atomic.Int64 // events are never reused, across rounds and servers

func load(s *server, bodies [][]byte, headers []http.Header, conns int, dur time.Duration) result {
	s.reset()
	tr := &http.Transport{MaxIdleConns: conns, MaxIdleConnsPerHost: conns}
	client := &http.Client{Transport: tr}
	defer tr.CloseIdleConnections()
	var done, errs atomic.Int64
	deadline := time.Now().Add(dur)
	var wg sync.WaitGroup
	start := time.Now()
	for range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for time.Now().Before(deadline) {
				i := int(next.Add(1)-1) % len(bodies)
				req, _ := http.NewRequest(http.MethodPost, s.url, bytes.NewReader(bodies[i]))
				for k, v := range headers[i] {
					req.Header[k] = v
				}
				resp, err := client.Do(req)
				if err != nil {
					errs.Add(1)
					continue
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != http.StatusOK {
					errs.Add(1)
				}
				done.Add(1)
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	s.mu.Lock()
	durs := slices.Clone(s.durs)
	s.mu.Unlock()
	slices.Sort(durs)
	pct := func(p float64) time.Duration {
		if len(durs) == 0 {
			return 0
		}
		return durs[int(float64(len(durs)-1)*p)]
	}
	return result{rps: float64(done.Load()) / elapsed.Seconds(), p50: pct(0.50), p99: pct(0.99), errors: errs.Load()}
}
