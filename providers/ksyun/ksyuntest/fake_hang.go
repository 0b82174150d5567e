package ksyuntest

import (
	"net/http"
	"net/http/httptest"
	"strings"
)

// writeOps are the operations that change a ticket.
var writeOps = map[string]bool{"create": true, "comment_ticket": true, "reject_handle": true, "close_ticket": true, "upload_file": true}

// HangAfterWrite makes the fake apply every write (create, comment, close, …) and then hang
// before answering, until release is called or the caller gives up: the vendor did it, the
// bot never heard. This is the outcome a retry must check before repeating. Reads are
// answered as usual. release answers the writes still hanging.
func (f *Server) HangAfterWrite() (release func()) {
	ch := make(chan struct{})
	f.mu.Lock()
	f.hang = ch
	f.mu.Unlock()
	return func() {
		f.mu.Lock()
		defer f.mu.Unlock()
		if f.hang == ch {
			f.hang = nil
			close(ch)
		}
	}
}

// Hanging reports how many applied writes are waiting to be answered right now.
func (f *Server) Hanging() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.hanging
}

// serveMaybeHang serves r; a write while HangAfterWrite is on is applied first and answered
// only after its release (or never, if the caller went away).
func (f *Server) serveMaybeHang(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	hang := f.hang
	f.mu.Unlock()
	op, _ := strings.CutPrefix(r.URL.Path, apiPath)
	if hang == nil || !writeOps[op] {
		f.serveHTTP(w, r)
		return
	}
	rec := httptest.NewRecorder()
	f.serveHTTP(rec, r) // applied
	f.mu.Lock()
	f.hanging++
	f.mu.Unlock()
	defer func() {
		f.mu.Lock()
		f.hanging--
		f.mu.Unlock()
	}()
	select {
	case <-hang:
	case <-r.Context().Done():
		return // the caller was cut off: it never learns the outcome
	}
	for k, v := range rec.Header() {
		w.Header()[k] = v
	}
	w.WriteHeader(rec.Code)
	_, _ = w.Write(rec.Body.Bytes())
}
