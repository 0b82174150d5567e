package weibantest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/url"
	"strconv"

	"github.com/ticketbot/ticketbot/internal/msgcrypt"
)

// This file is the fake's event sender: it pushes work_order_change events sealed exactly as
// Weiban seals them (doc-477078: AES-256-CBC, the corp id or SetEventReceiveID's id as
// receive id, msg_signature), to exercise EventHandler with real crypto.

// PushChange sends a work_order_change event of kind (create, switch, close, reopen, reply)
// for orderNo to the subscription URL target, with a fresh event id, and returns the HTTP
// status of the answer. The event names the work order's newest flow author as staff_id.
func (f *Server) PushChange(ctx context.Context, target, orderNo, kind string) (status int, err error) {
	f.mu.Lock()
	staff, handler := "", ""
	if o, ok := f.orders[orderNo]; ok {
		handler = str(o["handler_id"])
		if flows, _ := o["processing_flows"].([]any); len(flows) > 0 {
			fl, _ := flows[0].(map[string]any)
			staff = str(fl["creator_id"])
		}
	}
	ev := map[string]any{
		"id": newUUID(), "corp_id": f.corpID, "create_time": f.now().Unix(), "type": "event",
		"event": eventKind, "status": kind, "retry_count": 0,
		"msg_data": map[string]any{
			"order_no": orderNo, "staff_id": staff, "handler_id": handler, "cc_list": []any{},
			"content": map[string]any{"text": "", "pic": []any{}}, "is_show": 1, "attached_json": []any{},
		},
	}
	f.last = ev
	f.mu.Unlock()
	return f.push(ctx, target, ev)
}

// ResendLast delivers the last pushed event again, with the same id and retry_count + 1, as
// Weiban does when it is not sure the first delivery arrived.
func (f *Server) ResendLast(ctx context.Context, target string) (status int, err error) {
	f.mu.Lock()
	if f.last == nil {
		f.mu.Unlock()
		return 0, fmt.Errorf("weiban fake: no event pushed yet")
	}
	ev := maps.Clone(f.last)
	ev["retry_count"] = num(ev["retry_count"]) + 1
	f.last = ev
	f.mu.Unlock()
	return f.push(ctx, target, ev)
}

// LastEventID returns the id of the last pushed event.
func (f *Server) LastEventID() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return str(f.last["id"])
}

// CheckURL makes the URL check Weiban makes when the subscription URL is saved (GET with an
// encrypted echostr) and returns the status and body of the answer; a correct handler answers
// 200 with the echostr's plaintext, which is returned as want.
func (f *Server) CheckURL(ctx context.Context, target string) (status int, body, want string, err error) {
	want = "echo-" + randomHex(8)
	q, _, err := f.Seal([]byte(want), f.eventReceiveID())
	if err != nil {
		return 0, "", want, err
	}
	u, err := withQuery(target, q)
	if err != nil {
		return 0, "", want, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return 0, "", want, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, "", want, err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<16))
	return resp.StatusCode, string(b), want, nil
}

// push seals and POSTs one event.
func (f *Server) push(ctx context.Context, target string, ev map[string]any) (int, error) {
	msg, err := json.Marshal(ev)
	if err != nil {
		return 0, err
	}
	q, body, err := f.Seal(msg, f.eventReceiveID())
	if err != nil {
		return 0, err
	}
	return PostEvent(ctx, target, q, body)
}

// eventReceiveID is the id pushed events are sealed for.
func (f *Server) eventReceiveID() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.receiveID
}

// Seal encrypts msg for receiveID and signs it: the query (msg_signature, timestamp, nonce
// and, for a URL check, echostr) and the JSON body {"encrypt": …}.
func (f *Server) Seal(msg []byte, receiveID string) (url.Values, []byte, error) {
	c, err := msgcrypt.New(f.eventAESKey)
	if err != nil {
		return nil, nil, err
	}
	enc := c.Encrypt(msg, receiveID)
	f.mu.Lock()
	ts := strconv.FormatInt(f.now().Unix(), 10)
	f.mu.Unlock()
	nonce := randomHex(8)
	q := url.Values{
		"msg_signature": {msgcrypt.Signature(f.eventToken, ts, nonce, enc)},
		"timestamp":     {ts},
		"nonce":         {nonce},
		"echostr":       {enc},
	}
	body, _ := json.Marshal(map[string]string{"encrypt": enc})
	return q, body, nil
}

// PostEvent POSTs an event sealed by Seal to target, as Weiban pushes it, and returns the HTTP
// status of the answer. The echostr is only for URL checks, so it is not sent.
func PostEvent(ctx context.Context, target string, q url.Values, body []byte) (int, error) {
	q = maps.Clone(q)
	q.Del("echostr")
	u, err := withQuery(target, q)
	if err != nil {
		return 0, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u, bytes.NewReader(body))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<16))
	return resp.StatusCode, nil
}

func withQuery(target string, q url.Values) (string, error) {
	u, err := url.Parse(target)
	if err != nil {
		return "", fmt.Errorf("weiban fake: bad target URL: %w", err)
	}
	u.RawQuery = q.Encode()
	return u.String(), nil
}

// newUUID returns a random UUID (version 4), the shape of Weiban's event ids.
func newUUID() string {
	b := randomBytes(16)
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := fmt.Sprintf("%x", b)
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}
