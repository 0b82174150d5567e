package main

import (
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// TestHealth: `ticketbot health` exits 0 on 200 only, and otherwise says why on one line of
// stderr.
func TestHealth(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/healthz":
			w.Write([]byte(`{"status":"ok"}`))
		case "/readyz":
			http.Error(w, "not ready:\n  store: connection refused", http.StatusServiceUnavailable)
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()

	closed, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closedURL := "http://" + closed.Addr().String() + "/healthz"
	closed.Close()

	for _, tc := range []struct {
		name     string
		url      string
		wantCode int
		want     string // on stdout for 0, on stderr otherwise
	}{
		{"200", srv.URL + "/healthz", 0, srv.URL + "/healthz: 200 OK\n"},
		{"503 with its reasons", srv.URL + "/readyz", 1,
			"ticketbot health: " + srv.URL + "/readyz: 503 Service Unavailable: not ready: store: connection refused\n"},
		{"404", srv.URL + "/nowhere", 1, "ticketbot health: " + srv.URL + "/nowhere: 404 Not Found: 404 page not found\n"},
		{"closed port", closedURL, 1, "ticketbot health: " + closedURL + ": connection refused (is ticketbot running, with admin_listen there?)\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, errOut, code := runCLI("health", "--url", tc.url)
			got, other := out, errOut
			if tc.wantCode != 0 {
				got, other = errOut, out
			}
			if code != tc.wantCode || got != tc.want || other != "" {
				t.Errorf("exit %d, stdout %q, stderr %q; want exit %d and %q", code, out, errOut, tc.wantCode, tc.want)
			}
		})
	}
}

// TestHealthTimeout: a listener that accepts but never answers fails the probe within its
// timeout, and the line says so.
func TestHealthTimeout(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { <-release }))
	t.Cleanup(srv.Close)
	t.Cleanup(func() { close(release) }) // runs first: Close waits for the handler

	start := time.Now()
	line, ok := probe(srv.URL+"/healthz", 100*time.Millisecond)
	if ok || line != srv.URL+"/healthz: no answer within 100ms" {
		t.Errorf("probe = %q, %v; want a timeout", line, ok)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("probe took %s, its timeout is 100ms", d)
	}
}

// TestHealthDefaultURL: with no flag, the probe goes to admin_listen's default address.
func TestHealthDefaultURL(t *testing.T) {
	out, _, code := runCLI("help", "health")
	if code != 0 || !strings.Contains(out, "\n  --url URL\n") || !strings.Contains(out, `(default "http://127.0.0.1:9090/healthz")`) {
		t.Errorf("exit %d, help:\n%s", code, out)
	}
}
