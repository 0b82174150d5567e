package aliyun

import (
	"cmp"
	"context"
	"crypto/rand"
	"encoding/hex"
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

	"github.com/ticketbot/ticketbot/providers"
)

// maxResponse bounds what is read from the vendor, so a broken proxy cannot exhaust memory.
const maxResponse = 8 << 20

// requestIDHeader names the POP gateway's answer: the same id as the body's RequestId.
const requestIDHeader = "x-acs-request-id"

// rpc is one POP RPC call: an action, its own parameters, and how to treat it.
type rpc struct {
	action string
	params map[string]string
	// sensitive are parameter values that must never reach an error or a log: secContent and
	// its kin. Aliyun echoes the whole string to sign in SignatureDoesNotMatch, so they are
	// scrubbed from every vendor message.
	sensitive []string
	// read marks an idempotent read, retried on temporary failures. Writes never are: a
	// second add would file a second ticket.
	read bool
}

// envelope is what every answer shares. The V1.3 document spells the keys success, code,
// message, data; the gateway and help.aliyun spell them Success, Code, Message, Data:
// encoding/json matches keys case-insensitively, so one struct reads both.
type envelope struct {
	RequestID string          `json:"RequestId"`
	Success   optBool         `json:"success"`
	Code      flexString      `json:"code"`
	Message   string          `json:"message"`
	Data      json.RawMessage `json:"data"`
}

// client speaks Aliyun's POP RPC: common parameters, signature v1, the envelope, errors, and
// the retry of reads. Every parameter travels in the form body of a POST, none in the URL, so
// no secret can end up in a proxy's access log or in a url.Error.
type client struct {
	baseURL  string
	version  string
	keyID    string
	aliUID   string // scrubbed from messages, as the key id is
	secret   providers.Secret
	regionID string
	timeout  time.Duration
	http     *http.Client
	log      *slog.Logger
	now      func() time.Time
	nonce    func() string
	sleep    func(context.Context, time.Duration) error
	observe  providers.Observer
}

func newClient(cfg Config, hc *http.Client, log *slog.Logger, now func() time.Time, sleep func(context.Context, time.Duration) error) *client {
	aliUID := ""
	if cfg.AliUID > 0 {
		aliUID = strconv.FormatInt(cfg.AliUID, 10)
	}
	return &client{
		baseURL:  strings.TrimRight(cfg.BaseURL, "/"),
		version:  cfg.APIVersion,
		keyID:    cfg.AccessKeyID,
		aliUID:   aliUID,
		secret:   cfg.AccessKeySecret,
		regionID: cfg.RegionID,
		timeout:  cfg.timeout(),
		http:     hc,
		log:      log,
		now:      now,
		nonce:    newNonce,
		sleep:    sleep,
	}
}

// newNonce returns a random UUID (version 4) for SignatureNonce: Aliyun refuses a nonce it has
// seen within the timestamp window, so every attempt of a call gets its own.
func newNonce() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // never fails (crypto/rand)
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b[:])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}

// call sends r, retrying a read on temporary failures (retry.go), and decodes the whole answer
// into out when out is not nil.
func (c *client) call(ctx context.Context, r rpc, out any) error {
	attempts := 1
	if r.read {
		attempts = readAttempts
	}
	var err error
	for n := range attempts {
		if n > 0 {
			d := readBackoff.Backoff(n)
			code := ""
			if ve := (*providers.VendorError)(nil); errors.As(err, &ve) {
				code = ve.Code
			}
			c.log.LogAttrs(ctx, slog.LevelWarn, "aliyun: temporary failure, retrying read",
				slog.String("provider", "aliyun"), slog.String("action", r.action),
				slog.Int("attempt", n+1), slog.String("code", code), slog.Duration("delay", d))
			if serr := c.sleep(ctx, d); serr != nil {
				return fmt.Errorf("%w (retry abandoned: %w)", err, serr)
			}
		}
		start := time.Now()
		err = c.once(ctx, r, out, n+1)
		c.observe.Call(ctx, "aliyun", r.action, start, err)
		if err == nil || !temporary(err) || ctx.Err() != nil {
			return err
		}
	}
	return err
}

// once sends one signed request. The answer's request id, failed or not, goes to the context's
// request log (providers.NoteRequestID), so a retried read records one id per attempt.
func (c *client) once(ctx context.Context, r rpc, out any, attempt int) error {
	params := make(map[string]string, len(r.params)+10)
	for k, v := range r.params {
		params[k] = v
	}
	params["Action"] = r.action
	params["Version"] = c.version
	params["Format"] = "JSON" // the default is XML
	params["AccessKeyId"] = c.keyID
	params["SignatureMethod"] = signatureMethod
	params["SignatureVersion"] = signatureVersion
	params["SignatureNonce"] = c.nonce()
	params["Timestamp"] = c.now().UTC().Format(timestampLayout)
	if c.regionID != "" {
		params["RegionId"] = c.regionID
	}
	canonical, sig := signRequest(http.MethodPost, c.secret.Reveal(), params)
	body := canonical + "&Signature=" + percentEncode(sig)

	reqCtx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(reqCtx, http.MethodPost, c.baseURL+"/", strings.NewReader(body))
	if err != nil {
		return fmt.Errorf("aliyun: %s: build request: %s", r.action, c.scrub(err.Error(), r))
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=UTF-8")
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", "ticketbot")

	start := time.Now()
	logCall := func(status int, requestID, code string) {
		attrs := []slog.Attr{
			slog.String("provider", "aliyun"), slog.String("action", r.action), slog.Int("attempt", attempt),
			slog.Int("http_status", status), slog.String("request_id", requestID),
			slog.Duration("duration", time.Since(start)),
		}
		if code != "" {
			attrs = append(attrs, slog.String("code", code))
		}
		c.log.LogAttrs(ctx, slog.LevelDebug, "aliyun call", attrs...)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		err = c.transportError(ctx, r, err)
		logCall(0, "", "network")
		return err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, maxResponse))
	if err != nil {
		err = c.transportError(ctx, r, err)
		logCall(resp.StatusCode, "", "network")
		return err
	}

	var env envelope
	jsonErr := json.Unmarshal(raw, &env)
	// The gateway names every answer in the x-acs-request-id header as well as in the body
	// (SRC darabonba-openapi reads both), so an answer whose body is not JSON is named too.
	env.RequestID = cmp.Or(env.RequestID, resp.Header.Get(requestIDHeader))
	providers.NoteRequestID(ctx, env.RequestID)
	code := strings.TrimSpace(string(env.Code))
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		msg := http.StatusText(resp.StatusCode)
		if jsonErr == nil && env.Message != "" {
			msg = env.Message
		}
		if jsonErr != nil || code == "" {
			code = "HTTP " + strconv.Itoa(resp.StatusCode)
		}
		logCall(resp.StatusCode, env.RequestID, code)
		return c.vendorError(r, code, msg, env.RequestID,
			resp.StatusCode >= 500 || resp.StatusCode == http.StatusTooManyRequests || temporaryCode(code))
	}
	if jsonErr != nil {
		logCall(resp.StatusCode, env.RequestID, "not json")
		return fmt.Errorf("aliyun: %s: response is not JSON (HTTP %d, %d bytes): %w", r.action, resp.StatusCode, len(raw), jsonErr)
	}
	// Trust success only: 2021 examples answer success with Code 0 and with 200, and one
	// carries "Message":"入参解析失败" (reference §2.4).
	if !env.Success.v {
		logCall(resp.StatusCode, env.RequestID, cmp.Or(code, "no success"))
		if !env.Success.set && code == "" {
			return fmt.Errorf("aliyun: %s: the answer has no success field (HTTP %d, request_id %s)", r.action, resp.StatusCode, env.RequestID)
		}
		return c.vendorError(r, cmp.Or(code, "unknown"), env.Message, env.RequestID, temporaryCode(code))
	}
	logCall(resp.StatusCode, env.RequestID, "")
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			return fmt.Errorf("aliyun: %s: decode answer (request_id %s): %w", r.action, env.RequestID, err)
		}
	}
	return nil
}

// transportError turns a failed round trip into an error. The caller's own cancellation is
// returned as such; timeouts and network failures are temporary vendor errors. The URL is
// left out: url.Error would repeat it, and it adds nothing to the chat.
func (c *client) transportError(ctx context.Context, r rpc, err error) error {
	if ctx.Err() != nil {
		return fmt.Errorf("aliyun: %s: %w", r.action, ctx.Err())
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
	return c.vendorError(r, code, err.Error(), "", true)
}
