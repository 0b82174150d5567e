package ksyun

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/ticketbot/ticketbot/providers"
)

// apiPath is the prefix of every workorder endpoint; the endpoint name is also the Op of a
// VendorError ("close_ticket").
const apiPath = "/workorder/api/ticket/"

// maxResponse bounds what is read from the vendor, so a broken proxy cannot exhaust memory.
const maxResponse = 8 << 20

// signer computes the Sign header. Kingsoft does not publish the rule, so every part of it is
// configurable (reference/ticket-providers.md §3.1).
type signer struct {
	algo, template, letterCase, unit string
}

// timestamp formats t for the Timestamp header, in seconds or milliseconds.
func (s signer) timestamp(t time.Time) string {
	if s.unit == "ms" {
		return strconv.FormatInt(t.UnixMilli(), 10)
	}
	return strconv.FormatInt(t.Unix(), 10)
}

// sign fills the template and digests it. For md5, sha1 and sha256 the secret is part of the
// digested text; for hmac-sha256 it is the key instead, and {app_secret} in the template is
// filled with nothing so the secret is not used twice.
func (s signer) sign(appID, secret, ts string) string {
	var h hash.Hash
	fillSecret := secret
	switch s.algo {
	case "sha1":
		h = sha1.New()
	case "sha256":
		h = sha256.New()
	case "hmac-sha256":
		h = hmac.New(sha256.New, []byte(secret))
		fillSecret = ""
	default:
		h = md5.New()
	}
	msg := strings.NewReplacer("{app_id}", appID, "{timestamp}", ts, "{app_secret}", fillSecret).Replace(s.template)
	h.Write([]byte(msg))
	sum := hex.EncodeToString(h.Sum(nil))
	if s.letterCase == "upper" {
		return strings.ToUpper(sum)
	}
	return sum
}

// envelope is the wrapper of every Kingsoft response.
type envelope struct {
	Errno     int             `json:"errno"`
	Errmsg    string          `json:"errmsg"`
	RequestID string          `json:"request_id"`
	Data      json.RawMessage `json:"data"`
}

// client speaks the Kingsoft workorder HTTP API: headers, signing, the envelope and errors.
type client struct {
	baseURL string
	appID   string
	secret  providers.Secret
	signer  signer
	success map[int]bool
	timeout time.Duration
	http    *http.Client
	now     func() time.Time
	observe providers.Observer
}

func newClient(cfg Config, hc *http.Client, now func() time.Time) *client {
	ok := make(map[int]bool, len(cfg.SuccessCodes))
	for _, code := range cfg.SuccessCodes {
		ok[code] = true
	}
	return &client{
		baseURL: strings.TrimRight(cfg.BaseURL, "/"),
		appID:   cfg.AppID,
		secret:  cfg.AppSecret,
		signer:  signer{algo: cfg.SignAlgo, template: cfg.SignTemplate, letterCase: cfg.SignCase, unit: cfg.TimestampUnit},
		success: ok,
		timeout: cfg.timeout(),
		http:    hc,
		now:     now,
	}
}

// getJSON calls a GET endpoint with query parameters and decodes data into out (if not nil).
func (c *client) getJSON(ctx context.Context, op string, q url.Values, out any) (envelope, error) {
	return c.call(ctx, http.MethodGet, op, q, nil, "", out)
}

// postJSON calls a POST endpoint with a JSON body and decodes data into out (if not nil).
func (c *client) postJSON(ctx context.Context, op string, in, out any) (envelope, error) {
	b, err := json.Marshal(in)
	if err != nil {
		return envelope{}, fmt.Errorf("ksyun: %s: encode request: %w", op, err)
	}
	return c.call(ctx, http.MethodPost, op, nil, b, "application/json", out)
}

// call sends one signed request and unwraps the envelope. A non-success errno, an HTTP error
// status and a transport failure all become a *providers.VendorError; the envelope is returned
// even then, so callers can look at data. The answer's request_id, failed or not, goes to the
// context's request log (providers.NoteRequestID). Nothing here retries: a create must never be
// sent twice blindly.
func (c *client) call(ctx context.Context, method, op string, q url.Values, body []byte, contentType string, out any) (envelope, error) {
	start := time.Now()
	env, err := c.send(ctx, method, op, q, body, contentType, out)
	c.observe.Call(ctx, "ksyun", op, start, err)
	return env, err
}

// send is call's one request, untimed.
func (c *client) send(ctx context.Context, method, op string, q url.Values, body []byte, contentType string, out any) (envelope, error) {
	u := c.baseURL + apiPath + op
	if len(q) > 0 {
		u += "?" + q.Encode()
	}
	reqCtx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(reqCtx, method, u, rd)
	if err != nil {
		return envelope{}, fmt.Errorf("ksyun: %s: build request: %w", op, err)
	}
	ts := c.signer.timestamp(c.now())
	req.Header.Set("AppId", c.appID)
	req.Header.Set("Timestamp", ts)
	sign := c.signer.sign(c.appID, c.secret.Reveal(), ts)
	req.Header.Set("Sign", sign)
	req.Header.Set("Accept", "application/json")
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}

	resp, err := c.http.Do(req)
	if err != nil {
		return envelope{}, c.transportError(ctx, op, err, sign)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, maxResponse))
	if err != nil {
		return envelope{}, c.transportError(ctx, op, err, sign)
	}

	var env envelope
	jsonErr := json.Unmarshal(raw, &env)
	providers.NoteRequestID(ctx, env.RequestID)
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		msg := http.StatusText(resp.StatusCode)
		if jsonErr == nil && env.Errmsg != "" {
			msg = env.Errmsg
		}
		return env, c.vendorError(op, "HTTP "+strconv.Itoa(resp.StatusCode), msg, env.RequestID,
			resp.StatusCode >= 500 || resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusRequestTimeout, sign)
	}
	if jsonErr != nil {
		return envelope{}, fmt.Errorf("ksyun: %s: response is not the JSON envelope (HTTP %d, %d bytes): %w", op, resp.StatusCode, len(raw), jsonErr)
	}
	if !c.success[env.Errno] {
		return env, c.vendorError(op, strconv.Itoa(env.Errno), env.Errmsg, env.RequestID, false, sign)
	}
	if out != nil && !emptyData(env.Data) {
		if err := json.Unmarshal(env.Data, out); err != nil {
			return env, fmt.Errorf("ksyun: %s: decode data (request_id %s): %w", op, env.RequestID, err)
		}
	}
	return env, nil
}

// transportError turns a failed round trip into an error. The caller's own cancellation is
// returned as such; timeouts and network failures are temporary vendor errors. The URL is left
// out: url.Error would repeat it, and it adds nothing to the chat.
func (c *client) transportError(ctx context.Context, op string, err error, sign string) error {
	if ctx.Err() != nil {
		return fmt.Errorf("ksyun: %s: %w", op, ctx.Err())
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	code := "network"
	var ne net.Error
	if errors.Is(err, context.DeadlineExceeded) || (errors.As(err, &ne) && ne.Timeout()) {
		code = "timeout"
	}
	return c.vendorError(op, code, err.Error(), "", true, sign)
}

// emptyData reports whether a response carries no data object at all.
func emptyData(d json.RawMessage) bool {
	s := strings.TrimSpace(string(d))
	return s == "" || s == "null" || s == "{}" || s == `""`
}
