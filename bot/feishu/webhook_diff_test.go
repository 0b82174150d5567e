package feishu

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	larkevent "github.com/larksuite/oapi-sdk-go/v3/event"
	"github.com/larksuite/oapi-sdk-go/v3/event/dispatcher"
	"github.com/larksuite/oapi-sdk-go/v3/event/dispatcher/callback"
	larkim "github.com/larksuite/oapi-sdk-go/v3/service/im/v1"
	"github.com/ticketbot/ticketbot/bot/feishu/feishutest"
)

// This file runs the same sealed requests through the SDK's dispatcher (the reference
// implementation of Feishu's protocol) and through our handler. Both must accept and reject
// alike, except where ours is deliberately stricter:
//
//   - a timestamp older than MaxEventAge (a card callback older than 5 minutes), or more
//     than 5 minutes ahead: the SDK checks none, so a captured request could be replayed
//     forever;
//   - a wrong header.token on a signed event: the SDK checks the token only on the URL check;
//   - no encrypt key: the SDK then authenticates nothing; we refuse the configuration.
//
// When both accept, they must decode the same ids, user and text or command.

// decoded is what either side saw of an accepted request.
type decoded struct {
	EventID, MessageID, ChatID, OpenID, Text, Command string
}

// sdkSide is the SDK dispatcher with handlers that record what they decode.
type sdkSide struct {
	d    *dispatcher.EventDispatcher
	mu   sync.Mutex
	seen []decoded
}

func newSDKSide(token, key string) *sdkSide {
	s := &sdkSide{d: dispatcher.NewEventDispatcher(token, key)}
	s.d.InitConfig(larkevent.WithLogger(sdkLogger{slog.New(slog.DiscardHandler)}))
	s.d.OnP2MessageReceiveV1(func(_ context.Context, ev *larkim.P2MessageReceiveV1) error {
		var c struct{ Text string }
		_ = json.Unmarshal([]byte(*ev.Event.Message.Content), &c)
		s.record(decoded{
			EventID: ev.EventV2Base.Header.EventID, MessageID: *ev.Event.Message.MessageId,
			ChatID: *ev.Event.Message.ChatId, OpenID: *ev.Event.Sender.SenderId.OpenId,
			// The SDK leaves the bot's placeholder in; remove it independently of our code.
			Text: strings.TrimPrefix(c.Text, "@_user_1 "),
		})
		return nil
	})
	s.d.OnP2CardActionTrigger(func(_ context.Context, ev *callback.CardActionTriggerEvent) (*callback.CardActionTriggerResponse, error) {
		cmd, _ := ev.Event.Action.Value["cmd"].(string)
		s.record(decoded{
			EventID: ev.EventV2Base.Header.EventID, MessageID: ev.Event.Context.OpenMessageID,
			ChatID: ev.Event.Context.OpenChatID, OpenID: ev.Event.Operator.OpenID, Command: cmd,
		})
		return &callback.CardActionTriggerResponse{}, nil
	})
	return s
}

func (s *sdkSide) record(d decoded) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.seen = append(s.seen, d)
}

// do reports whether the SDK accepted the request, what it decoded and its body.
func (s *sdkSide) do(body []byte, hdr http.Header) (bool, []decoded, string) {
	s.mu.Lock()
	s.seen = nil
	s.mu.Unlock()
	resp := s.d.Handle(context.Background(), &larkevent.EventReq{Header: hdr, Body: body, RequestURI: "/webhook"})
	s.mu.Lock()
	defer s.mu.Unlock()
	challenge := strings.Contains(string(resp.Body), `"challenge"`)
	return resp.StatusCode == 200 && (len(s.seen) > 0 || challenge), s.seen, string(resp.Body)
}

// ourSide runs our handler and reports the same.
func ourSide(t *testing.T, body []byte, hdr http.Header) (bool, []decoded, string) {
	sink := &recordingSink{}
	rec := post(t, newWebhook(t, sink).Handler(), body, hdr)
	var seen []decoded
	for _, m := range sink.messages() {
		seen = append(seen, decoded{EventID: m.EventID, MessageID: m.MessageID, ChatID: m.ChatID, OpenID: m.UserID, Text: m.Text})
	}
	for _, a := range sink.actions() {
		seen = append(seen, decoded{EventID: a.EventID, MessageID: a.MessageID, ChatID: a.ChatID, OpenID: a.UserID, Command: a.Command})
	}
	challenge := strings.Contains(rec.Body.String(), `"challenge"`)
	return rec.Code == 200 && (len(seen) > 0 || challenge), seen, rec.Body.String()
}

// tamperIV flips a bit of the IV, which flips the same bit of the plaintext's first byte:
// '{' becomes 'z', so the plaintext is no longer JSON, deterministically.
func tamperIV(t *testing.T, body []byte) []byte {
	var m struct{ Encrypt string }
	if err := json.Unmarshal(body, &m); err != nil {
		t.Fatal(err)
	}
	raw, err := base64.StdEncoding.DecodeString(m.Encrypt)
	if err != nil {
		t.Fatal(err)
	}
	raw[0] ^= 1
	b, _ := json.Marshal(map[string]string{"encrypt": base64.StdEncoding.EncodeToString(raw)})
	return b
}

func resign(body []byte, hdr http.Header) http.Header {
	h := hdr.Clone()
	h.Set(headerSignature, signature(h.Get(headerTimestamp), h.Get(headerNonce), []byte(testKey), body))
	return h
}

func TestWebhookDiffSDK(t *testing.T) {
	sdk := newSDKSide(testToken, testKey)
	msg := feishutest.TextMessageEvent("ev-msg", "om_1", testChat, testUser, "建单 ksyun \"数据库\" 超时 😀", feishutest.WithVerificationToken(testToken))
	card := feishutest.CardActionEvent("ev-card", testChat, "om_card", testUser, "close ksyun 1204", map[string]string{"r": "x"}, testToken)
	msgBody, msgHdr := sealed(msg)
	// Feishu's last retry comes 6 h after the first delivery, perhaps with its timestamp.
	retryBody, retryHdr := feishutest.SealRequest(testKey, msg, testNow.Add(-6*time.Hour), "n")
	staleBody, staleHdr := feishutest.SealRequest(testKey, msg, testNow.Add(-25*time.Hour), "n")
	staleCardBody, staleCardHdr := feishutest.SealRequest(testKey, card, testNow.Add(-time.Hour), "n")
	wrongTokBody, wrongTokHdr := sealed(feishutest.TextMessageEvent("ev-msg", "om_1", testChat, testUser, "x", feishutest.WithVerificationToken("wrong")))
	chBody, chHdr := sealed(feishutest.ChallengeEvent("ajls384kdjx98XX", testToken))
	chWrongBody, chWrongHdr := sealed(feishutest.ChallengeEvent("ajls384kdjx98XX", "wrong"))
	cardBody, cardHdr := sealed(card)
	tampered := tamperIV(t, msgBody)
	badSig := msgHdr.Clone()
	badSig.Set(headerSignature, strings.Repeat("ab", 32))

	tests := []struct {
		name     string
		body     []byte
		hdr      http.Header
		sdk, our bool   // accepted
		stricter string // why ours differs, when it does
	}{
		{name: "valid signed message", body: msgBody, hdr: msgHdr, sdk: true, our: true},
		{name: "valid signed card action", body: cardBody, hdr: cardHdr, sdk: true, our: true},
		{name: "valid challenge, unsigned", body: chBody, hdr: unsigned(chHdr), sdk: true, our: true},
		{name: "valid challenge, signed", body: chBody, hdr: chHdr, sdk: true, our: true},
		{name: "wrong signature", body: msgBody, hdr: badSig, sdk: false, our: false},
		{name: "unsigned event", body: msgBody, hdr: unsigned(msgHdr), sdk: false, our: false},
		{name: "challenge with wrong token", body: chWrongBody, hdr: unsigned(chWrongHdr), sdk: false, our: false},
		{name: "tampered ciphertext, original signature", body: tampered, hdr: msgHdr, sdk: false, our: false},
		{name: "tampered ciphertext, signed again", body: tampered, hdr: resign(tampered, msgHdr), sdk: false, our: false},
		{name: "6 h old retry", body: retryBody, hdr: retryHdr, sdk: true, our: true},
		{name: "stale timestamp", body: staleBody, hdr: staleHdr, sdk: true, our: false,
			stricter: "the SDK checks no timestamp; we allow MaxEventAge"},
		{name: "stale card callback", body: staleCardBody, hdr: staleCardHdr, sdk: true, our: false,
			stricter: "the SDK checks no timestamp; we allow 5 min for a click"},
		{name: "wrong token on a signed event", body: wrongTokBody, hdr: wrongTokHdr, sdk: true, our: false,
			stricter: "the SDK checks header.token only on the URL check"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sdkOK, sdkSeen, sdkBody := sdk.do(tt.body, tt.hdr)
			ourOK, ourSeen, ourBody := ourSide(t, tt.body, tt.hdr)
			if sdkOK != tt.sdk {
				t.Fatalf("SDK accepted=%v, want %v (%s)", sdkOK, tt.sdk, sdkBody)
			}
			if ourOK != tt.our {
				t.Fatalf("ours accepted=%v, want %v (%s)", ourOK, tt.our, ourBody)
			}
			if tt.stricter != "" {
				// The documented difference: the SDK lets it through, we do not.
				if !sdkOK || ourOK || len(ourSeen) != 0 {
					t.Fatalf("expected SDK to accept and us to reject (%s)", tt.stricter)
				}
				return
			}
			if !sdkOK {
				return
			}
			if strings.Contains(sdkBody, "challenge") {
				if ourBody != strings.TrimSpace(sdkBody) {
					t.Fatalf("challenge answers differ: SDK %s, ours %s", sdkBody, ourBody)
				}
				return
			}
			if len(sdkSeen) != 1 || len(ourSeen) != 1 || sdkSeen[0] != ourSeen[0] {
				t.Fatalf("decoded differently:\nSDK  %+v\nours %+v", sdkSeen, ourSeen)
			}
		})
	}
}

// TestWebhookDiffNoEncryptKey shows why the encrypt key is required: without one the SDK
// takes an unsigned, plaintext event carrying a wrong token, while we refuse to start.
func TestWebhookDiffNoEncryptKey(t *testing.T) {
	sdk := newSDKSide(testToken, "")
	body, hdr := feishutest.SealRequest("", feishutest.TextMessageEvent("ev1", "om_1", testChat, testUser, "x", feishutest.WithVerificationToken("wrong")), testNow, "n")
	if ok, _, resp := sdk.do(body, hdr); !ok {
		t.Fatalf("SDK without a key rejected the forged event (%s); the premise changed", resp)
	}
	cfg := testConfig()
	cfg.EncryptKey = ""
	if _, err := New(cfg, &recordingSink{}, nil); err == nil || !strings.Contains(err.Error(), "feishu.encrypt_key") {
		t.Fatalf("New without encrypt key: %v", err)
	}
}
