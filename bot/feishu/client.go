package feishu

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	larkcore "github.com/larksuite/oapi-sdk-go/v3/core"

	"github.com/ticketbot/ticketbot/bot"
)

// Open API paths (SDK service/im/v1/resource.go, core/constants.go; DOC 延时更新消息卡片).
const (
	pathTenantToken = "/open-apis/auth/v3/tenant_access_token/internal"
	pathMessages    = "/open-apis/im/v1/messages"
	pathMessage     = "/open-apis/im/v1/messages/:message_id"
	pathReply       = "/open-apis/im/v1/messages/:message_id/reply"
	pathCardUpdate  = "/open-apis/interactive/v1/card/update"
)

// Response codes the client acts on (DOC 通用错误码, 频控策略).
const (
	codeRateLimited        = 99991400 // request trigger frequency limit
	codeChatRateLimited    = 230020   // IM: this chat's send rate exceeded
	codeTenantTokenInvalid = 99991663
	codeAccessTokenInvalid = 99991671
	codeAccessTokenMissing = 99991661
)

const (
	// maxUUIDLen is Feishu's limit on a message uuid (DOC 发送消息: 不超过 50 字符).
	maxUUIDLen = 50
	// tokenRefreshBefore renews the tenant token this long before it expires, as the SDK
	// does (core/constants.go expiryDelta).
	tokenRefreshBefore = 3 * time.Minute
)

// APIError is a failed Feishu API call. Code and Msg are Feishu's (Code 0 when the failure was
// HTTP or network only). Temporary is set for rate limits, server errors and network
// failures, where the same call may succeed later (sends carry a uuid, so retrying them
// cannot post twice); RetryAfter is Feishu's hint, when it gave one. It never holds a token.
type APIError struct {
	Op         string
	Code       int
	Msg        string
	Temporary  bool
	RetryAfter time.Duration

	err error // the transport error, if any
}

// Error reads "feishu: <op>: code <code>: <msg>", or "feishu: <op>: <msg>" without a code.
func (e *APIError) Error() string {
	if e.Code != 0 {
		return fmt.Sprintf("feishu: %s: code %d: %s", e.Op, e.Code, e.Msg)
	}
	return fmt.Sprintf("feishu: %s: %s", e.Op, e.Msg)
}

// Unwrap returns the network error behind the failure, if any.
func (e *APIError) Unwrap() error { return e.err }

// ErrorCode is the platform's own code, for the sentence a chat is told ("" when the failure
// was HTTP or network only).
func (e *APIError) ErrorCode() string {
	if e.Code == 0 {
		return ""
	}
	return strconv.Itoa(e.Code)
}

var errNotCard = errors.New("only cards can be updated in place")

// Send posts m into a chat (im/v1 message create, receive_id_type chat_id; DOC 发送消息).
// m.Key becomes the request's uuid, so a retried send within an hour returns the first
// message instead of posting again.
func (f *Feishu) Send(ctx context.Context, chatID string, m bot.Outgoing) (bot.CardRef, error) {
	const op = "send"
	msgType, content, err := outgoingContent(m)
	if err != nil {
		return bot.CardRef{}, fmt.Errorf("feishu: %s: %w", op, err)
	}
	body := struct {
		ReceiveID string `json:"receive_id"`
		MsgType   string `json:"msg_type"`
		Content   string `json:"content"`
		UUID      string `json:"uuid,omitempty"`
	}{chatID, msgType, content, uuidFor(m.Key)}
	var data messageData
	if err := f.paced(ctx, chatID, "", func() error {
		return f.call(ctx, op, &data, f.do(&larkcore.ApiReq{
			HttpMethod:  http.MethodPost,
			ApiPath:     pathMessages,
			Body:        body,
			QueryParams: larkcore.QueryParams{"receive_id_type": []string{"chat_id"}},
		}))
	}); err != nil {
		return bot.CardRef{}, err
	}
	f.log.DebugContext(ctx, "feishu: sent", "chat_id", chatID, "message_id", data.MessageID, "msg_type", msgType)
	return bot.CardRef{Platform: Platform, ChatID: chatID, MessageID: data.MessageID}, nil
}

// Reply answers the message ref points at (DOC 回复消息), as a topic (话题) under it unless
// reply_in_thread is off.
func (f *Feishu) Reply(ctx context.Context, ref bot.CardRef, m bot.Outgoing) (bot.CardRef, error) {
	const op = "reply"
	if ref.MessageID == "" {
		return bot.CardRef{}, fmt.Errorf("feishu: %s: no message id", op)
	}
	msgType, content, err := outgoingContent(m)
	if err != nil {
		return bot.CardRef{}, fmt.Errorf("feishu: %s: %w", op, err)
	}
	body := struct {
		Content       string `json:"content"`
		MsgType       string `json:"msg_type"`
		ReplyInThread bool   `json:"reply_in_thread"`
		UUID          string `json:"uuid,omitempty"`
	}{content, msgType, f.cfg.replyInThread(), uuidFor(m.Key)}
	var data messageData
	if err := f.paced(ctx, ref.ChatID, "", func() error {
		return f.call(ctx, op, &data, f.do(&larkcore.ApiReq{
			HttpMethod: http.MethodPost,
			ApiPath:    pathReply,
			Body:       body,
			PathParams: larkcore.PathParams{"message_id": ref.MessageID},
		}))
	}); err != nil {
		return bot.CardRef{}, err
	}
	chat := data.ChatID
	if chat == "" {
		chat = ref.ChatID
	}
	f.log.DebugContext(ctx, "feishu: replied", "chat_id", chat, "message_id", data.MessageID, "parent_id", ref.MessageID)
	return bot.CardRef{Platform: Platform, ChatID: chat, MessageID: data.MessageID}, nil
}

// Update replaces the card ref points at for everyone (PATCH im/v1 message; DOC 更新应用发送的
// 消息卡片). Feishu requires config.update_multi true in the card before and after, allows
// 5 updates per second per message and only within 14 days of sending.
func (f *Feishu) Update(ctx context.Context, ref bot.CardRef, m bot.Outgoing) error {
	const op = "update"
	if m.Kind != bot.KindCard {
		return fmt.Errorf("feishu: %s: %w", op, errNotCard)
	}
	if ref.MessageID == "" {
		return fmt.Errorf("feishu: %s: no message id", op)
	}
	_, content, err := outgoingContent(m)
	if err != nil {
		return fmt.Errorf("feishu: %s: %w", op, err)
	}
	if err := f.paced(ctx, "", ref.MessageID, func() error {
		return f.call(ctx, op, nil, f.do(&larkcore.ApiReq{
			HttpMethod: http.MethodPatch,
			ApiPath:    pathMessage,
			Body: struct {
				Content string `json:"content"`
			}{content},
			PathParams: larkcore.PathParams{"message_id": ref.MessageID},
		}))
	}); err != nil {
		return err
	}
	f.log.DebugContext(ctx, "feishu: updated", "chat_id", ref.ChatID, "message_id", ref.MessageID)
	return nil
}

// UpdateByToken replaces a clicked card with the token of its card.action.trigger callback
// (DOC 延时更新消息卡片: POST /open-apis/interactive/v1/card/update). The token lives 30
// minutes and allows two updates, and the update must come after the callback was answered.
// The SDK has no typed call for it.
func (f *Feishu) UpdateByToken(ctx context.Context, token string, card []byte) error {
	const op = "update by token"
	if token == "" {
		return fmt.Errorf("feishu: %s: no token", op)
	}
	if !json.Valid(card) {
		return fmt.Errorf("feishu: %s: card is not valid JSON", op)
	}
	body := struct {
		Token string          `json:"token"`
		Card  json.RawMessage `json:"card"`
	}{token, card}
	return f.call(ctx, op, nil, func(ctx context.Context, auth larkcore.RequestOptionFunc) (*larkcore.ApiResp, error) {
		return f.lark.Post(ctx, pathCardUpdate, body, larkcore.AccessTokenTypeTenant, auth)
	})
}

// messageData is the part of a message create/reply answer we read.
type messageData struct {
	MessageID string `json:"message_id"`
	ChatID    string `json:"chat_id"`
}

// outgoingContent gives the msg_type and content string of m: a card's JSON as is, a text
// wrapped as {"text": …}.
func outgoingContent(m bot.Outgoing) (msgType, content string, err error) {
	switch m.Kind {
	case bot.KindCard:
		if !json.Valid(m.Body) {
			return "", "", errors.New("card is not valid JSON")
		}
		return "interactive", string(m.Body), nil
	case bot.KindText, bot.KindMarkdown: // Feishu has cards for what WeCom shows as markdown; sent as text if ever asked
		b, err := json.Marshal(struct {
			Text string `json:"text"`
		}{string(m.Body)})
		return "text", string(b), err
	}
	return "", "", fmt.Errorf("unknown kind %q", m.Kind)
}

// uuidFor makes a send's idempotency key fit Feishu's 50-character uuid: longer keys are
// replaced by a digest of themselves, so the same key still gives the same uuid.
func uuidFor(key string) string {
	if len(key) <= maxUUIDLen {
		return key
	}
	sum := sha256.Sum256([]byte(key))
	return "k-" + base64.RawURLEncoding.EncodeToString(sum[:]) // 45 characters
}

// apiCall makes one request with the tenant token option it is given.
type apiCall func(ctx context.Context, auth larkcore.RequestOptionFunc) (*larkcore.ApiResp, error)

// do is the apiCall of a prepared request, authenticated with the tenant token.
func (f *Feishu) do(req *larkcore.ApiReq) apiCall {
	req.SupportedAccessTokenTypes = []larkcore.AccessTokenType{larkcore.AccessTokenTypeTenant}
	return func(ctx context.Context, auth larkcore.RequestOptionFunc) (*larkcore.ApiResp, error) {
		return f.lark.Do(ctx, req, auth)
	}
}

// call runs one authenticated open-API request through send and decodes its data into out
// (if not nil). A token the server calls invalid is dropped and the request sent once more
// with a fresh one: the server refused it before doing anything, so even a create is safe
// to repeat.
//
// Why not the SDK's typed calls (Im.V1.Message.Create …): on a non-JSON answer (a 429 or 502
// from a proxy) they return an error that has lost the status and headers, and we need both
// to tell a temporary failure and how long to wait.
func (f *Feishu) call(ctx context.Context, op string, out any, send apiCall) error {
	for attempt := 0; ; attempt++ {
		tok, err := f.tenantToken(ctx, op)
		if err != nil {
			return err
		}
		resp, err := send(ctx, larkcore.WithTenantAccessToken(tok))
		if err != nil {
			return transportError(op, err)
		}
		var env struct {
			Code int             `json:"code"`
			Msg  string          `json:"msg"`
			Data json.RawMessage `json:"data"`
		}
		jsonErr := json.Unmarshal(resp.RawBody, &env)
		if jsonErr == nil && attempt == 0 && isTokenInvalid(env.Code) {
			f.token.drop(tok)
			continue
		}
		if apiErr := responseError(op, resp.StatusCode, resp.Header, env.Code, env.Msg, jsonErr); apiErr != nil {
			return apiErr
		}
		if out != nil && len(env.Data) > 0 {
			if err := json.Unmarshal(env.Data, out); err != nil {
				return &APIError{Op: op, Msg: "decode response: " + err.Error()}
			}
		}
		return nil
	}
}

func isTokenInvalid(code int) bool {
	return code == codeTenantTokenInvalid || code == codeAccessTokenInvalid || code == codeAccessTokenMissing
}

// responseError classifies an answer; nil means success.
func responseError(op string, status int, h http.Header, code int, msg string, jsonErr error) *APIError {
	limited := status == http.StatusTooManyRequests || code == codeRateLimited || code == codeChatRateLimited
	switch {
	case jsonErr == nil && code == 0 && status/100 == 2:
		return nil
	case limited:
		if msg == "" {
			msg = "rate limited"
		}
		return &APIError{Op: op, Code: code, Msg: msg, Temporary: true, RetryAfter: retryAfter(h)}
	case jsonErr == nil && code != 0:
		return &APIError{Op: op, Code: code, Msg: msg, Temporary: status >= 500}
	default:
		// A non-JSON answer or a bare HTTP error, typically from a proxy in between.
		return &APIError{Op: op, Msg: fmt.Sprintf("http %d %s", status, http.StatusText(status)), Temporary: status >= 500}
	}
}

// retryAfter reads Feishu's x-ogw-ratelimit-reset (seconds until the window resets), or a
// standard Retry-After.
func retryAfter(h http.Header) time.Duration {
	for _, k := range []string{"X-Ogw-Ratelimit-Reset", "Retry-After"} {
		if s, err := strconv.Atoi(strings.TrimSpace(h.Get(k))); err == nil && s >= 0 {
			return time.Duration(s) * time.Second
		}
	}
	return 0
}

// transportError wraps a failure to get any answer. Timeouts and refused connections are
// temporary; a canceled context is not.
func transportError(op string, err error) *APIError {
	e := &APIError{Op: op, Msg: err.Error(), err: err}
	if errors.Is(err, context.Canceled) {
		return e
	}
	var (
		timeout *larkcore.ClientTimeoutError
		server  *larkcore.ServerTimeoutError
		dial    *larkcore.DialFailedError
		netErr  net.Error
	)
	e.Temporary = errors.As(err, &timeout) || errors.As(err, &server) || errors.As(err, &dial) ||
		errors.As(err, &netErr) || errors.Is(err, context.DeadlineExceeded)
	return e
}

// tokenCache holds the tenant_access_token (2 h). Concurrent callers share one refresh: the
// first takes the slot and fetches, the others wait for it and reuse its token.
type tokenCache struct {
	slot chan struct{}

	mu      sync.Mutex
	value   string
	expires time.Time
}

func (c *tokenCache) init() { c.slot = make(chan struct{}, 1) }

func (c *tokenCache) get(now time.Time) string {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.value != "" && now.Before(c.expires) {
		return c.value
	}
	return ""
}

// drop forgets tok if it is still the cached one (a newer token is kept).
func (c *tokenCache) drop(tok string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.value == tok {
		c.value = ""
	}
}

// tenantToken returns a valid tenant_access_token, fetching one when the cached token is
// missing or within 3 minutes of expiry (DOC 自建应用获取 tenant_access_token).
func (f *Feishu) tenantToken(ctx context.Context, op string) (string, error) {
	c := &f.token
	if tok := c.get(f.now()); tok != "" {
		return tok, nil
	}
	select {
	case c.slot <- struct{}{}:
	case <-ctx.Done():
		return "", transportError(op+": tenant token", ctx.Err())
	}
	defer func() { <-c.slot }()
	if tok := c.get(f.now()); tok != "" {
		return tok, nil // refreshed by the caller we waited for
	}
	top := op + ": tenant token"
	resp, err := f.lark.Do(ctx, &larkcore.ApiReq{
		HttpMethod: http.MethodPost,
		ApiPath:    pathTenantToken,
		Body: struct {
			AppID     string `json:"app_id"`
			AppSecret string `json:"app_secret"`
		}{f.cfg.AppID, f.cfg.AppSecret.Reveal()},
		SupportedAccessTokenTypes: []larkcore.AccessTokenType{larkcore.AccessTokenTypeNone},
	})
	if err != nil {
		return "", transportError(top, err)
	}
	var tr struct {
		Code   int    `json:"code"`
		Msg    string `json:"msg"`
		Token  string `json:"tenant_access_token"`
		Expire int    `json:"expire"` // seconds
	}
	jsonErr := json.Unmarshal(resp.RawBody, &tr)
	if apiErr := responseError(top, resp.StatusCode, resp.Header, tr.Code, tr.Msg, jsonErr); apiErr != nil {
		return "", apiErr
	}
	if tr.Token == "" {
		return "", &APIError{Op: top, Msg: "empty token in answer"}
	}
	ttl := time.Duration(tr.Expire)*time.Second - tokenRefreshBefore
	c.mu.Lock()
	c.value, c.expires = tr.Token, f.now().Add(ttl)
	c.mu.Unlock()
	return tr.Token, nil
}
