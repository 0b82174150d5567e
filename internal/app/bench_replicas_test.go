package app

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ticketbot/ticketbot/bot/feishu/feishutest"
	"github.com/ticketbot/ticketbot/providers/ksyun/ksyuntest"
)

// serveForBench runs Serve in this process on the configuration text; it returns its URL and
// stops it when the benchmark ends.
func serveForBench(b *testing.B, text string) string {
	b.Helper()
	cfg, errs := parseConfig([]byte(text))
	if len(errs) > 0 {
		b.Fatalf("config: %v", errs)
	}
	ctx, cancel := context.WithCancel(context.Background())
	ready, done := make(chan Addrs, 1), make(chan error, 1)
	go func() {
		done <- Serve(ctx, cfg, ServeOptions{Stderr: &syncBuffer{}, Ready: func(a Addrs) { ready <- a }})
	}()
	b.Cleanup(func() { cancel(); <-done })
	select {
	case a := <-ready:
		return "http://" + a.Public
	case err := <-done:
		b.Fatalf("serve: %v", err)
	case <-time.After(30 * time.Second):
		b.Fatal("server did not start")
	}
	return ""
}

// BenchmarkAckReplicas is the webhook acknowledgement rate of one replica on SQLite and of
// three replicas on one PostgreSQL database (the second needs TICKETBOT_TEST_POSTGRES), in one
// run on one machine: signed, encrypted help commands posted round-robin by parallel senders,
// across 500 groups. It reports the events acknowledged with 200 per second, and the share
// answered 503 (a full queue: the platform redelivers).
func BenchmarkAckReplicas(b *testing.B) {
	b.Setenv("E2E_FEISHU_SECRET", "feishu-secret-e2e")
	b.Setenv("E2E_KSYUN_SECRET", "ks-secret-e2e")
	run := func(b *testing.B, urls []string) {
		var seq, busy atomic.Int64
		start := time.Now()
		b.ResetTimer()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				n := seq.Add(1)
				// Many groups, as a busy tenant has: one group's answers are paced by the
				// platform, and that is not what this measures.
				ev := feishutest.TextMessageEvent(fmt.Sprintf("ev-bench-%d", n), fmt.Sprintf("om_bench-%d", n),
					fmt.Sprintf("oc_bench_%d", n%500), e2eUser, "帮助", feishutest.WithVerificationToken(e2eToken))
				switch code, body := postSealed(urls[int(n)%len(urls)], ev, n); code {
				case http.StatusOK:
				case http.StatusServiceUnavailable:
					busy.Add(1) // the queue is full: the platform would redeliver
				default:
					b.Errorf("HTTP %d %s", code, body)
					return
				}
			}
		})
		secs := time.Since(start).Seconds()
		b.ReportMetric(float64(int64(b.N)-busy.Load())/secs, "acked/s")
		b.ReportMetric(float64(busy.Load())/float64(b.N), "busy-ratio")
	}
	botExtra := "commands_per_minute = -1\n"
	b.Run("sqlite-1", func(b *testing.B) {
		kf, ff := ksyuntest.New("ks-app", "ks-secret-e2e"), feishutest.New("cli_e2e", "feishu-secret-e2e")
		b.Cleanup(kf.Close)
		b.Cleanup(ff.Close)
		url := serveForBench(b, harnessConfig(filepath.Join(b.TempDir(), "bench.db"), botExtra, "", ff, kf))
		run(b, []string{url})
	})
	b.Run("postgres-3", func(b *testing.B) {
		dsn := postgresDSN(b) // skips without TICKETBOT_TEST_POSTGRES
		kf, ff := ksyuntest.New("ks-app", "ks-secret-e2e"), feishutest.New("cli_e2e", "feishu-secret-e2e")
		b.Cleanup(kf.Close)
		b.Cleanup(ff.Close)
		text := strings.Replace(harnessConfig(dsn, botExtra, "", ff, kf), "[store]\n", "[store]\ndriver = \"postgres\"\n", 1)
		urls := []string{serveForBench(b, text), serveForBench(b, text), serveForBench(b, text)}
		run(b, urls)
	})
}

// postSealed delivers a plaintext event to url's webhook, signed and encrypted as Feishu does.
func postSealed(url string, plain []byte, nonce int64) (int, []byte) {
	body, hdr := feishutest.SealRequest(e2eEncryptKey, plain, time.Now(), fmt.Sprintf("nonce-b%d", nonce))
	req, _ := http.NewRequest(http.MethodPost, url+"/feishu/webhook", bytes.NewReader(body))
	req.Header = hdr
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, []byte(err.Error())
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}
