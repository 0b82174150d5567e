package weiban

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/ticketbot/ticketbot/retry"

	"github.com/ticketbot/ticketbot/providers"
)

// maxResponse bounds what is read from the vendor, so a broken proxy cannot exhaust memory.
const maxResponse = 8 << 20

// request is one OpenAPI call. Op names it in errors and logs ("detail").
type request struct {
	op     string
	method string
	path   string
	query  url.Values
	body   any
	// read marks a call that changes nothing, so a network failure may be retried.
	read bool
}

// envelope is what every answer carries (doc-370558): errcode 0 and errmsg "ok" on success.
// Weiban names no answer: neither the envelope nor any documented header carries a request id
// (doc-370558, the api-8267914 example), so nothing goes to the context's request log
// (providers.NoteRequestID).
type envelope struct {
	Errcode flexInt    `json:"errcode"`
	Errmsg  flexString `json:"errmsg"`
}

// client speaks the Weiban OpenAPI: the access token, the limits, retries, the envelope and
// errors. The token travels in the query (?access_token=), so no URL is ever put in an error
// or a log line, and every vendor text is scrubbed of the token and the secret.
type client struct {
	baseURL string
	corpID  string
	secret  providers.Secret
	timeout time.Duration
	http    *http.Client
	log     *slog.Logger
	limit   *limiter
	tokens  *tokenSource
	sleep   func(context.Context, time.Duration) error
	jitter  func(time.Duration) time.Duration
	observe providers.Observer
}

func newClient(cfg Config, hc *http.Client, log *slog.Logger, now func() time.Time, sleep func(context.Context, time.Duration) error) *client {
	c := &client{
		baseURL: strings.TrimRight(cfg.BaseURL, "/"),
		corpID:  cfg.CorpID,
		secret:  cfg.Secret,
		timeout: cfg.timeout(),
		http:    hc,
		log:     log,
		limit:   newLimiter(now, sleep),
		sleep:   sleep,
		jitter:  retry.Jitter,
	}
	c.tokens = &tokenSource{fetch: c.fetchToken, now: now}
	return c
}

// call sends r with a valid token and decodes the answer into out (when not nil). A 10001
// answer (token expired or revoked) drops the token and sends r once more with a fresh one:
// the refused call was not processed, so this is safe for writes too. 22301 becomes
// providers.ErrNotFound.
func (c *client) call(ctx context.Context, r request, out any) error {
	var err error
	for attempt := range 2 {
		var tok string
		tok, err = c.tokens.get(ctx)
		if err != nil {
			return fmt.Errorf("weiban: %s: access token: %w", r.op, err)
		}
		err = c.send(ctx, r, tok, out)
		if codeOf(err) != codeBadToken || attempt > 0 {
			break
		}
		c.log.LogAttrs(ctx, slog.LevelInfo, "weiban: access token refused, refreshing",
			slog.String("provider", "weiban"), slog.String("op", r.op))
		c.tokens.invalidate(tok)
	}
	if codeOf(err) == codeNotFound {
		return fmt.Errorf("%w: 工单不存在 (%w)", providers.ErrNotFound, err)
	}
	return err
}

// fetchToken asks for a new access token (doc-370558 获取访问凭据).
func (c *client) fetchToken(ctx context.Context) (string, time.Duration, error) {
	body := map[string]string{"corp_id": c.corpID, "secret": c.secret.Reveal()}
	var out struct {
		AccessToken flexString `json:"access_token"`
		ExpiresIn   flexInt    `json:"expires_in"`
	}
	r := request{op: "access_token", method: http.MethodPost, path: tokenPath, body: body, read: true}
	if err := c.send(ctx, r, "", &out); err != nil {
		return "", 0, err
	}
	if out.AccessToken == "" {
		return "", 0, &providers.VendorError{Provider: "weiban", Op: r.op, Code: "0", Message: "success without an access_token"}
	}
	return string(out.AccessToken), time.Duration(out.ExpiresIn) * time.Second, nil
}

// send sends r, waiting out the limits: a 10052/10053 refusal is retried after a backoff (up
// to rateRetries times, writes included, since Weiban processed nothing), and a read is
// retried after a network failure or HTTP 5xx (up to readRetries times).
func (c *client) send(ctx context.Context, r request, tok string, out any) error {
	start := time.Now()
	err := c.sendOnce(ctx, r, tok, out)
	c.observe.Call(ctx, "weiban", r.op, start, err)
	return err
}

// sendOnce is send, untimed.
func (c *client) sendOnce(ctx context.Context, r request, tok string, out any) error {
	var err error
	rate, fails := 0, 0
	for n := 0; ; n++ {
		if n > 0 {
			code := codeOf(err)
			d := backoff(n-1, code, c.jitter)
			c.log.LogAttrs(ctx, slog.LevelWarn, "weiban: call refused or failed, retrying",
				slog.String("provider", "weiban"), slog.String("op", r.op), slog.Int("attempt", n+1),
				slog.Int64("errcode", code), slog.Duration("delay", d))
			if serr := c.sleep(ctx, d); serr != nil {
				return fmt.Errorf("%w (retry abandoned: %w)", err, serr)
			}
		}
		err = c.once(ctx, r, tok, out, n+1)
		switch code := codeOf(err); {
		case err == nil || ctx.Err() != nil:
			return err
		case code == codeTooConcurrent || code == codeTooFrequent:
			if code == codeTooFrequent {
				c.limit.penalize()
			}
			if rate < rateRetries {
				rate++
				continue
			}
		case r.read && temporary(err):
			if fails < readRetries {
				fails++
				continue
			}
		}
		return err
	}
}

// once sends one request within the limits.
func (c *client) once(ctx context.Context, r request, tok string, out any, attempt int) error {
	q := url.Values{}
	for k, v := range r.query {
		q[k] = v
	}
	if tok != "" {
		q.Set("access_token", tok)
	}
	u := c.baseURL + r.path
	if len(q) > 0 {
		u += "?" + q.Encode()
	}
	var rd io.Reader
	if r.body != nil {
		b, err := json.Marshal(r.body)
		if err != nil {
			return fmt.Errorf("weiban: %s: encode request: %w", r.op, err)
		}
		rd = bytes.NewReader(b)
	}
	reqCtx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(reqCtx, r.method, u, rd)
	if err != nil {
		return fmt.Errorf("weiban: %s: build request: %s", r.op, c.scrub(err.Error(), tok))
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", "ticketbot")
	if rd != nil {
		req.Header.Set("Content-Type", "application/json; charset=utf-8")
	}

	release, err := c.limit.acquire(ctx)
	if err != nil {
		return fmt.Errorf("weiban: %s: waiting for the rate limit: %w", r.op, err)
	}
	start := time.Now()
	raw, status, err := c.roundTrip(ctx, req, r.op, tok)
	release()
	logCall := func(code string) {
		c.log.LogAttrs(ctx, slog.LevelDebug, "weiban call",
			slog.String("provider", "weiban"), slog.String("op", r.op), slog.Int("attempt", attempt),
			slog.Int("http_status", status), slog.String("errcode", code), slog.Duration("duration", time.Since(start)))
	}
	if err != nil {
		logCall("network")
		return err
	}

	var env envelope
	jsonErr := json.Unmarshal(raw, &env)
	if status < 200 || status > 299 {
		msg := http.StatusText(status)
		if jsonErr == nil && env.Errmsg != "" {
			msg = string(env.Errmsg)
		}
		logCall("HTTP " + strconv.Itoa(status))
		return c.vendorError(r.op, "HTTP "+strconv.Itoa(status), msg, tok,
			status >= 500 || status == http.StatusTooManyRequests || status == http.StatusRequestTimeout)
	}
	if jsonErr != nil {
		logCall("not json")
		return fmt.Errorf("weiban: %s: answer is not JSON (HTTP %d, %d bytes)", r.op, status, len(raw))
	}
	code := int64(env.Errcode)
	logCall(strconv.FormatInt(code, 10))
	if code != 0 {
		return c.vendorError(r.op, strconv.FormatInt(code, 10), string(env.Errmsg), tok,
			code == codeTooConcurrent || code == codeTooFrequent)
	}
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			return fmt.Errorf("weiban: %s: decode answer: %w", r.op, err)
		}
	}
	return nil
}

// roundTrip sends req and reads the answer, bounded by maxResponse.
func (c *client) roundTrip(ctx context.Context, req *http.Request, op, tok string) ([]byte, int, error) {
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, 0, c.transportError(ctx, op, tok, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, maxResponse))
	if err != nil {
		return nil, resp.StatusCode, c.transportError(ctx, op, tok, err)
	}
	return raw, resp.StatusCode, nil
}

// transportError turns a failed round trip into an error. The caller's own cancellation is
// returned as such; timeouts and network failures are temporary vendor errors. The url.Error
// wrapper is dropped: it would repeat the URL, and the URL carries the access token.
func (c *client) transportError(ctx context.Context, op, tok string, err error) error {
	if ctx.Err() != nil {
		return fmt.Errorf("weiban: %s: %w", op, ctx.Err())
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
	return c.vendorError(op, code, err.Error(), tok, true)
}

// scrub removes the token, the secret and the corp_id from a text, raw and encoded, in case a
// proxy or the vendor echoes them back.
func (c *client) scrub(s, tok string) string {
	return providers.Scrub(s, tok, c.secret.Reveal(), c.corpID)
}

// codeOf returns the errcode of a Weiban VendorError in err, or 0.
func codeOf(err error) int64 {
	var ve *providers.VendorError
	if errors.As(err, &ve) {
		n, _ := strconv.ParseInt(ve.Code, 10, 64)
		return n
	}
	return 0
}

// temporary reports whether err is a vendor failure worth retrying.
func temporary(err error) bool {
	var ve *providers.VendorError
	return errors.As(err, &ve) && ve.Temporary
}
