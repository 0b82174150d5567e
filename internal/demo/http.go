package demo

import (
	"context"
	"embed"
	"encoding/json"
	"errors"
	"io"
	"io/fs"
	"mime"
	"net/http"
	"strings"
	"time"
)

// playground is the page: plain HTML, CSS and JavaScript, no build step.
//
//go:embed playground
var playground embed.FS

// The page's API, on the demo's own listener:
//
//	GET  /favicon.ico  the page's icon (PNG)
//	GET  /api/state    the snapshot (chats, vendor tickets, suggestions) as JSON
//	GET  /api/events   the same, pushed as server-sent events on every change
//	POST /api/say      {"platform","text","reply_to"}: a person writes into a chat
//	POST /api/click    {"platform","message_id","cmd","form","select"}: a person presses a card
//	                   button, or chooses an option of a select that calls back
//	                   ("select": {"name","option"}, Feishu only)
//	POST /api/vendor   {"vendor","ticket","action","text"}: the vendor's staff act
func (d *demo) routes(done <-chan struct{}) http.Handler {
	static, _ := fs.Sub(playground, "playground")
	mux := http.NewServeMux()
	mux.Handle("GET /", noCache(http.FileServerFS(static)))
	mux.HandleFunc("GET /favicon.ico", serveFavicon)
	mux.HandleFunc("GET /api/state", d.serveState)
	mux.HandleFunc("GET /api/events", func(w http.ResponseWriter, r *http.Request) { d.serveEvents(w, r, done) })
	mux.HandleFunc("POST /api/say", d.serveSay)
	mux.HandleFunc("POST /api/click", d.serveClick)
	mux.HandleFunc("POST /api/vendor", d.serveVendor)
	return mux
}

// noCache keeps a browser from showing an old page after the binary changed.
func noCache(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-store")
		h.ServeHTTP(w, r)
	})
}

func (d *demo) serveState(w http.ResponseWriter, _ *http.Request) {
	d.refresh()
	_, data, _ := d.hub.current()
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	_, _ = w.Write(data)
}

// serveEvents streams every new snapshot until the page leaves or the demo stops.
func (d *demo) serveEvents(w http.ResponseWriter, r *http.Request, done <-chan struct{}) {
	flusher, ok := w.(http.Flusher)
	if !ok {
		http.Error(w, "streaming unsupported", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-store")
	keepAlive := time.NewTicker(15 * time.Second)
	defer keepAlive.Stop()
	var sent uint64
	for {
		version, data, changed := d.hub.current()
		if version != sent && data != nil {
			// A snapshot is one line of JSON: encoding/json escapes every newline.
			if _, err := io.WriteString(w, "event: state\ndata: "+string(data)+"\n\n"); err != nil {
				return
			}
			flusher.Flush()
			sent = version
		}
		select {
		case <-changed:
		case <-keepAlive.C:
			if _, err := io.WriteString(w, ": keep-alive\n\n"); err != nil {
				return
			}
			flusher.Flush()
		case <-r.Context().Done():
			return
		case <-done:
			return
		}
	}
}

func (d *demo) serveSay(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Platform string `json:"platform"`
		Text     string `json:"text"`
		ReplyTo  string `json:"reply_to"`
	}
	if !readJSON(w, r, &req) {
		return
	}
	d.answer(r.Context(), w, nil, d.say(r.Context(), req.Platform, req.Text, req.ReplyTo))
}

func (d *demo) serveClick(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Platform  string            `json:"platform"`
		MessageID string            `json:"message_id"`
		Cmd       string            `json:"cmd"`
		Form      map[string]string `json:"form"`
		Select    *selectChoice     `json:"select"`
	}
	if !readJSON(w, r, &req) {
		return
	}
	t, err := d.click(r.Context(), req.Platform, req.MessageID, req.Cmd, req.Form, req.Select)
	d.answer(r.Context(), w, t, err)
}

func (d *demo) serveVendor(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Vendor string `json:"vendor"`
		Ticket string `json:"ticket"`
		Action string `json:"action"`
		Text   string `json:"text"`
	}
	if !readJSON(w, r, &req) {
		return
	}
	d.answer(r.Context(), w, nil, d.vendorAct(r.Context(), req.Vendor, req.Ticket, req.Action, strings.TrimSpace(req.Text)))
}

// answer writes {"ok":true,"toast":…} or {"error":…}: 400 for what the page got wrong, 502
// when ticketbot or a fake failed.
func (d *demo) answer(ctx context.Context, w http.ResponseWriter, t *toast, err error) {
	body := map[string]any{"ok": err == nil}
	status := http.StatusOK
	if t != nil {
		body["toast"] = t
	}
	if err != nil {
		body["error"] = err.Error()
		status = http.StatusBadGateway
		if errors.Is(err, errBadInput) {
			status = http.StatusBadRequest
		} else {
			d.log.WarnContext(ctx, "demo: action failed", "err", err)
		}
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(body)
}

// readJSON decodes a small JSON body. Only application/json is taken, so another site open
// in the same browser cannot post here without a CORS preflight, which is never granted.
func readJSON(w http.ResponseWriter, r *http.Request, v any) bool {
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt != "application/json" {
		http.Error(w, "want Content-Type: application/json", http.StatusUnsupportedMediaType)
		return false
	}
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 64<<10)).Decode(v); err != nil {
		http.Error(w, "bad JSON: "+err.Error(), http.StatusBadRequest)
		return false
	}
	return true
}
