package app

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// /readyz says whether this replica can take deliveries, and why not; /healthz only that the
// process is alive, so a database outage does not get it restarted.
func TestReadiness(t *testing.T) {
	down := errors.New("dial tcp 127.0.0.1:5432: connection refused")
	for _, tt := range []struct {
		name       string
		a          adminRoutes
		code       int
		reasons    []string
		conns      map[string]string
		healthCode int
	}{
		{name: "ready", a: adminRoutes{Store: func(context.Context) error { return nil }}, code: 200},
		{name: "the store does not answer", a: adminRoutes{Store: func(context.Context) error { return down }}, code: 503,
			reasons: []string{"the store does not answer"}},
		{name: "shutting down", a: adminRoutes{Stopping: func() bool { return true }}, code: 503, reasons: []string{"shutting down"}},
		{name: "a long connection still connecting", a: adminRoutes{Connections: map[string]func() string{
			"alpha": func() string { return connConnected }, "beta": func() string { return connConnecting }}}, code: 503,
			reasons: []string{"beta long connection not connected"}, conns: map[string]string{"alpha": "connected", "beta": "connecting"}},
		{name: "another replica holds the connection", a: adminRoutes{Connections: map[string]func() string{
			"beta": func() string { return connStandby }}}, code: 200, conns: map[string]string{"beta": "standby"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var logs strings.Builder
			tt.a.Log = slog.New(slog.NewTextHandler(&logs, nil))
			srv := httptest.NewServer(newAdmin(tt.a))
			defer srv.Close()
			code, body := getJSON(t, srv.URL+"/readyz")
			var got struct {
				Status      string            `json:"status"`
				Reasons     []string          `json:"reasons"`
				Connections map[string]string `json:"connections"`
			}
			if err := json.Unmarshal(body, &got); err != nil {
				t.Fatalf("%s: %v", body, err)
			}
			if code != tt.code || strings.Join(got.Reasons, "|") != strings.Join(tt.reasons, "|") {
				t.Errorf("/readyz %d %s, want %d with reasons %q", code, body, tt.code, tt.reasons)
			}
			if (code == 200) != (got.Status == "ready") {
				t.Errorf("/readyz %d says %q", code, got.Status)
			}
			for name, state := range tt.conns {
				if got.Connections[name] != state {
					t.Errorf("connection %s: %q, want %q", name, got.Connections[name], state)
				}
			}
			if strings.Contains(string(body), "5432") || strings.Contains(string(body), "refused") {
				t.Errorf("/readyz shows the store's error: %s", body)
			}
			if code, body := getJSON(t, srv.URL+"/healthz"); code != 200 || !strings.Contains(string(body), `"status":"ok"`) {
				t.Errorf("/healthz %d %s while /readyz says %s", code, body, got.Status)
			}
		})
	}
}

// /healthz says which roles a replica of several leads; /debug/pprof is there only when
// asked for.
func TestAdminRolesAndPprof(t *testing.T) {
	a := adminRoutes{Leads: func() map[string]bool { return map[string]bool{"watcher": true, "beta connection": false} }, Log: slog.Default()}
	off := httptest.NewServer(newAdmin(a))
	defer off.Close()
	if code, body := getJSON(t, off.URL+"/healthz"); code != 200 || !strings.Contains(string(body), `"leader":true`) ||
		!strings.Contains(string(body), `"watcher":true`) {
		t.Errorf("/healthz %d %s", code, body)
	}
	if code, _ := getJSON(t, off.URL+"/debug/pprof/"); code != 404 {
		t.Errorf("/debug/pprof/ without pprof: %d", code)
	}
	a.Pprof = true
	on := httptest.NewServer(newAdmin(a))
	defer on.Close()
	if code, body := getJSON(t, on.URL+"/debug/pprof/"); code != 200 || !strings.Contains(string(body), "goroutine") {
		t.Errorf("/debug/pprof/ with pprof: %d %.200s", code, body)
	}
}

func getJSON(t *testing.T, url string) (int, []byte) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}
