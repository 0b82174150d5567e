package app

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"github.com/ticketbot/ticketbot/bot"
)

// A webhook handler that panics answers 500 with nothing of the panic, and the server goes
// on serving.
func TestRouterRecoversPanics(t *testing.T) {
	var logs strings.Builder
	r := newRouter(routes{Log: slog.New(slog.NewTextHandler(&logs, nil)), Webhooks: map[string]http.Handler{
		"/boom": http.HandlerFunc(func(http.ResponseWriter, *http.Request) { panic("secret-looking panic value") }),
		"/fine": http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusOK) }),
	}})
	srv := httptest.NewServer(r)
	defer srv.Close()
	for range 3 {
		resp, err := http.Post(srv.URL+"/boom", "application/json", strings.NewReader(`{}`))
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusInternalServerError || strings.Contains(string(body), "panic") {
			t.Fatalf("panic answered %d %q", resp.StatusCode, body)
		}
	}
	resp, err := http.Post(srv.URL+"/fine", "application/json", strings.NewReader(`{}`))
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("another webhook after panics: %v %v", resp, err)
	}
	resp.Body.Close()
	if !strings.Contains(logs.String(), "panic serving request") {
		t.Errorf("the panic was not logged: %s", logs.String())
	}
}

// Each webhook's handler is timed under its path (ticketbot_webhook_seconds); a panic that
// the router answers is no observation that hides it.
func TestRouterTimesWebhooks(t *testing.T) {
	reg := prometheus.NewRegistry()
	r := newRouter(routes{Log: slog.New(slog.NewTextHandler(io.Discard, nil)), Metrics: bot.NewMetrics(reg), Webhooks: map[string]http.Handler{
		"/slow": http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			time.Sleep(3 * time.Millisecond)
			w.WriteHeader(http.StatusOK)
		}),
		"/fast": http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusOK) }),
	}})
	for _, path := range []string{"/slow", "/slow", "/fast"} {
		w := httptest.NewRecorder()
		r.ServeHTTP(w, httptest.NewRequest(http.MethodPost, path, strings.NewReader(`{}`)))
		if w.Code != http.StatusOK {
			t.Fatalf("%s answered %d", path, w.Code)
		}
	}
	got := map[string]*dto.Histogram{}
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != "ticketbot_webhook_seconds" {
			continue
		}
		for _, m := range mf.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == "path" {
					got[l.GetValue()] = m.GetHistogram()
				}
			}
		}
	}
	if h := got["/slow"]; h == nil || h.GetSampleCount() != 2 || h.GetSampleSum() < 0.006 {
		t.Errorf("/slow: %v; want 2 observations of at least 3 ms", h)
	}
	if h := got["/fast"]; h == nil || h.GetSampleCount() != 1 || h.GetSampleSum() >= 0.003 {
		t.Errorf("/fast: %v; want 1 quick observation", h)
	}
}
