package app

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
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
