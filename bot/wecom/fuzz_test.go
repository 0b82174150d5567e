package wecom

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"strings"
	"testing"
	"time"
	"unicode"

	"github.com/ticketbot/ticketbot/bot"
	"github.com/ticketbot/ticketbot/bot/wecom/wecomtest"
	"github.com/ticketbot/ticketbot/internal/msgcrypt"
)

// Fuzz targets of everything WeCom sends us. Run one with
//
//	go test ./bot/wecom -run '^$' -fuzz '^FuzzDecode$' -fuzztime 60s
//	go test ./bot/wecom -run '^$' -fuzz '^FuzzFrame$' -fuzztime 60s
//	go test ./bot/wecom -run '^$' -fuzz '^FuzzCallback$' -fuzztime 60s
//	go test ./bot/wecom -run '^$' -fuzz '^FuzzCallbackSealed$' -fuzztime 60s
//	go test ./bot/wecom -run '^$' -fuzz '^FuzzQuery$' -fuzztime 60s
//
// Seeds: the payloads below (the official examples of DOC 100719 and 101027, the reference's
// vectors, the builders of wecomtest) and testdata/fuzz/<FuzzName>/.

// fuzzMaxBody is the body limit of the fuzzed handler: small, so that fuzzed bodies cross it.
const fuzzMaxBody = 4 << 10

// Official payloads (DOC 100719 and 101027), as printed, escaped slash included.
const (
	officialText = `{"msgid":"CAIQ16HMjQYY\/NGagIOAgAMgq4KM0AI=","aibotid":"AIBOTID","chatid":"CHATID","chattype":"group",` +
		`"from":{"userid":"USERID"},"response_url":"RESPONSEURL","msgtype":"text","text":{"content":"@RobotA hello robot"},` +
		`"quote":{"msgtype":"text","text":{"content":"这是今日的测试情况"}}}`
	officialClick = `{"msgid":"CAIQ16HMjQYY\/NGagIOAgAMgq4KM0AI=","create_time":1700000000,"aibotid":"AIBOTID",` +
		`"from":{"corpid":"CORPID","userid":"USERID"},"chatid":"CHATID","chattype":"group","response_url":"RESPONSEURL",` +
		`"msgtype":"event","event":{"eventtype":"template_card_event","template_card_event":{"card_type":"button_interaction",` +
		`"event_key":"button_replace_text","task_id":"fBmjTL7ErRCQSNA6GZKMlcFiWX1shOvg","selected_items":{"selected_item":` +
		`[{"question_key":"button_selection_key1","option_ids":{"option_id":["button_selection_id1"]}}]}}}}`
)

// fuzzPayloads are decrypted callbacks of every kind the bot handles or ignores.
func fuzzPayloads() [][]byte {
	return [][]byte{
		[]byte(officialText),
		[]byte(officialClick),
		[]byte(botPlain),
		[]byte(officialJSONPlain),
		wecomtest.TextMessage("m1", testChat, testUser, "建单 ksyun 数据库连接超时\n优先级: 高"),
		wecomtest.TextMessage("m2", "single:"+testUser, testUser, "list", wecomtest.WithMention("")),
		wecomtest.TextMessage("m3", testChat, testUser, "回复 ksyun:1204 已处理", wecomtest.WithQuoteJSON(json.RawMessage(`{"msgtype":"template_card","template_card":`+testCard+`}`))),
		wecomtest.TextMessage("m4", testChat, testUser, "@张三 跟进", wecomtest.WithMixed("第二段", "")),
		wecomtest.TextMessage("m5", "single:"+testUser, testUser, "查看 1204", wecomtest.WithMsgType("voice")),
		wecomtest.TextMessage("m6", testChat, testUser, "x", wecomtest.WithMsgType("image")),
		wecomtest.CardEvent("e1", testChat, testUser, "tb-1", " close ksyun:1204 "),
		wecomtest.DisconnectedEvent("d1"),
		[]byte(`{"msgid":"s1","msgtype":"stream","stream":{"id":"STREAMID"}}`),
		[]byte(`{"msgtype":"text","text":null,"quote":[["a",{"url":"u","title":"t"}],{"k":{"k2":"v"}}]}`),
	}
}

// FuzzDecode fuzzes the decoding of a callback (HTTP after decryption, or a long-connection
// frame's body): decodeCallback, then toMessage or toAction; and the quote decoder on the
// same bytes, since a quote is a JSON document of any shape.
func FuzzDecode(f *testing.F) {
	for _, p := range fuzzPayloads() {
		f.Add(p)
	}
	f.Fuzz(func(t *testing.T, plain []byte) {
		if q, _ := quoted(plain); q != strings.TrimSpace(q) {
			t.Fatalf("quote not trimmed: %q", q)
		}
		c, err := decodeCallback(plain)
		if err != nil {
			return
		}
		if c.isMessage() && c.isClick() {
			t.Fatalf("both a message and a click: %+v", c)
		}
		if c.isMessage() {
			m := toMessage(&c)
			if m.Platform != Platform || m.MessageID != c.MsgID || m.UserID != c.From.UserID || m.ChatID != c.chatID() {
				t.Fatalf("message fields not copied: %+v", m)
			}
			if (m.ChatType == "p2p") != (c.ChatType == chatTypeSingle) || (m.ChatType == "p2p" && !strings.HasPrefix(m.ChatID, singlePrefix)) {
				t.Fatalf("chat type %q, chat %q", m.ChatType, m.ChatID)
			}
			if strings.HasPrefix(m.Text, "@") || m.Text != strings.TrimFunc(m.Text, unicode.IsSpace) {
				t.Fatalf("text %q keeps a leading mention or spaces", m.Text)
			}
			if m.Quote != strings.TrimSpace(m.Quote) {
				t.Fatalf("quote not trimmed: %q", m.Quote)
			}
		}
		if c.isClick() {
			a := toAction(&c)
			if a.Platform != Platform || a.EventID != c.MsgID || a.MessageID != c.Event.TemplateCard.TaskID ||
				a.Command != strings.TrimSpace(a.Command) || a.ChatID == "" {
				t.Fatalf("action %+v from %+v", a, c.Event.TemplateCard)
			}
		}
	})
}

// FuzzFrame feeds arbitrary long-connection frames through the read loop's decoding and
// dispatch (dispatch, wsMessage, wsEvent) of a long-connection bot. A callback reaches the
// sink exactly as the decoder reads it; only a disconnected_event ends the connection;
// anything else is an acknowledgement nobody waits for.
func FuzzFrame(f *testing.F) {
	frameOf := func(cmd, reqID string, body []byte) []byte {
		b, _ := json.Marshal(frame{Cmd: cmd, Headers: frameHeaders{reqID}, Body: body})
		return b
	}
	for _, p := range fuzzPayloads() {
		f.Add(frameOf(cmdMsgCallback, "req-1", p))
		f.Add(frameOf(cmdEventCallback, "req-2", p))
	}
	// The official frames (DOC 101463).
	f.Add([]byte(`{"cmd":"aibot_subscribe","headers":{"req_id":"REQUEST_ID"},"body":{"bot_id":"BOTID","secret":"SECRET"}}`))
	f.Add([]byte(`{"headers":{"req_id":"REQUEST_ID"},"errcode":0,"errmsg":"ok"}`))
	f.Add([]byte(`{"cmd":"ping","headers":{"req_id":"REQUEST_ID"}}`))
	f.Add([]byte(`{"cmd":"aibot_msg_callback","headers":{"req_id":"r"},"body":"not an object"}`))

	sink := newRecordingSink()
	sink.got = nil
	w, err := New(Config{Mode: ModeWebsocket, BotID: testBotID, Secret: testSecret}, sink, nil,
		WithClock(func() time.Time { return testNow }))
	if err != nil {
		f.Fatal(err)
	}
	c := newWSConn(nil, &w.conn, time.Second) // deliver touches only the pending map
	ctx := context.Background()
	f.Fuzz(func(t *testing.T, data []byte) {
		msgs, acts := len(sink.messages()), len(sink.actions())
		var fr frame
		if unmarshal(data, &fr) != nil { // as readLoop
			return
		}
		kicked := w.dispatch(ctx, c, fr)
		w.bg.Wait()

		var cb callback
		decoded := (fr.Cmd == cmdMsgCallback || fr.Cmd == cmdEventCallback) && unmarshal(fr.Body, &cb) == nil
		wantKicked := decoded && fr.Cmd == cmdEventCallback && cb.Event != nil && cb.Event.EventType == eventDisconnected
		if kicked != wantKicked {
			t.Fatalf("kicked = %v for %s %q", kicked, fr.Cmd, fr.Body)
		}
		gotMsgs, gotActs := sink.messages()[msgs:], sink.actions()[acts:]
		wantMsg := decoded && fr.Cmd == cmdMsgCallback && cb.isMessage()
		wantAct := decoded && fr.Cmd == cmdEventCallback && !wantKicked && cb.isClick()
		switch {
		case !wantMsg && len(gotMsgs) != 0:
			t.Fatalf("sink got %d messages, want none", len(gotMsgs))
		case wantMsg && (len(gotMsgs) != 1 || !reflect.DeepEqual(gotMsgs[0], toMessage(&cb))):
			t.Fatalf("sink got %+v, want %+v", gotMsgs, toMessage(&cb))
		case !wantAct && len(gotActs) != 0:
			t.Fatalf("sink got %d actions, want none", len(gotActs))
		case wantAct && (len(gotActs) != 1 || !reflect.DeepEqual(gotActs[0], toAction(&cb))):
			t.Fatalf("sink got %+v, want %+v", gotActs, toAction(&cb))
		}
	})
}

// countingReader counts what the handler reads of a body.
type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// serveFuzz sends body through h with the raw query, with or without a Content-Length, and
// returns the answer and how many bytes of the body were read.
func serveFuzz(h http.Handler, method, rawQuery string, body []byte, chunked bool) (*httptest.ResponseRecorder, int64) {
	cr := &countingReader{r: bytes.NewReader(body)}
	req := httptest.NewRequest(method, CallbackPath, cr)
	req.URL.RawQuery = rawQuery
	req.ContentLength = int64(len(body))
	if chunked {
		req.ContentLength = -1
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec, cr.n
}

func checkStatus(t *testing.T, rec *httptest.ResponseRecorder, allowed ...int) {
	t.Helper()
	for _, s := range allowed {
		if rec.Code == s {
			return
		}
	}
	t.Fatalf("status %d %q, want one of %v", rec.Code, rec.Body, allowed)
}

// FuzzCallback posts arbitrary bodies to the callback handler, with a valid msg_signature
// over the body's encrypt field (signed) or a wrong one, with or without a Content-Length.
// Whatever the body, the handler answers 200, 400, 401 or 413, reads at most the body limit,
// refuses a larger body with 413, lets nothing unsigned reach the sink, and answers 200 only
// to a body whose encrypt field decrypts under our key.
func FuzzCallback(f *testing.F) {
	f.Add([]byte(`{"encrypt":"`+botEncrypt+`"}`), true, false)
	f.Add([]byte(`{ "encrypt" : "`+strings.ReplaceAll(botEncrypt, "/", `\/`)+`" }`), true, true)
	f.Add([]byte(officialJSONBody), true, false) // sealed for a corpid: not ours
	f.Add([]byte(`{"encrypt":"`+botEncrypt+`"}`), false, false)
	for _, p := range fuzzPayloads()[:4] {
		_, body, _ := wecomtest.SealCallback(testToken, testAESKey, p, testNow, "n")
		f.Add(body, true, false)
		f.Add(p, true, false)
	}
	f.Add([]byte(`{"encrypt":"AAAA"}`), true, false)
	f.Add(bytes.Repeat([]byte("a"), fuzzMaxBody+1), true, true)

	sink := newRecordingSink()
	sink.got = nil
	w := newWebhook(f, webhookConfig(nil), sink, nil, WithMaxBody(fuzzMaxBody))
	h := w.Handler()
	f.Fuzz(func(t *testing.T, body []byte, signed, chunked bool) {
		before := len(sink.messages()) + len(sink.actions())
		enc, hasEnc := bot.EncryptField(body)
		sig := strings.Repeat("0", 40)
		if signed {
			sig = msgcrypt.Signature(testToken, botTS, "n", string(enc))
		}
		q := url.Values{"msg_signature": {sig}, "timestamp": {botTS}, "nonce": {"n"}}
		rec, read := serveFuzz(h, http.MethodPost, q.Encode(), body, chunked)
		w.bg.Wait()
		checkStatus(t, rec, http.StatusOK, http.StatusBadRequest, http.StatusUnauthorized, http.StatusRequestEntityTooLarge)
		if read > fuzzMaxBody+1 {
			t.Fatalf("read %d bytes of the body, limit %d", read, fuzzMaxBody)
		}
		if len(body) > fuzzMaxBody && rec.Code != http.StatusRequestEntityTooLarge {
			t.Fatalf("%d-byte body answered %d, want 413", len(body), rec.Code)
		}
		if rec.Code == http.StatusOK {
			if !hasEnc || !signed {
				t.Fatalf("200 for an unsigned body or one without an encrypt field: %q", body)
			}
			if _, err := w.crypt.DecryptFor(nil, enc, ""); err != nil {
				t.Fatalf("200 for a body that does not decrypt: %v", err)
			}
		}
		if after := len(sink.messages()) + len(sink.actions()); after != before && !signed {
			t.Fatal("an unsigned request reached the sink")
		}
	})
}

// FuzzCallbackSealed seals arbitrary plaintexts as WeCom does and posts them: the decoder
// behind the crypto sees every shape. A plaintext that is not a callback is answered 400;
// any other 200, and the sink gets exactly the message or click the decoder reads.
func FuzzCallbackSealed(f *testing.F) {
	for _, p := range fuzzPayloads() {
		f.Add(p)
	}
	f.Add([]byte(officialXMLPlain))
	f.Add([]byte{})

	sink := newRecordingSink()
	sink.got = nil
	w := newWebhook(f, webhookConfig(nil), sink, nil)
	h := w.Handler()
	f.Fuzz(func(t *testing.T, plain []byte) {
		msgs, acts := len(sink.messages()), len(sink.actions())
		q, body, err := wecomtest.SealCallback(testToken, testAESKey, plain, testNow, "n")
		if err != nil {
			t.Fatal(err)
		}
		rec, _ := serveFuzz(h, http.MethodPost, q.Encode(), body, false)
		w.bg.Wait()
		if int64(len(body)) > DefaultMaxBody {
			checkStatus(t, rec, http.StatusRequestEntityTooLarge)
			return
		}
		c, err := decodeCallback(plain)
		if err != nil {
			checkStatus(t, rec, http.StatusBadRequest)
		} else {
			checkStatus(t, rec, http.StatusOK)
		}
		gotMsgs, gotActs := sink.messages()[msgs:], sink.actions()[acts:]
		wantMsg, wantAct := err == nil && c.isMessage(), err == nil && c.isClick()
		switch {
		case !wantMsg && len(gotMsgs) != 0:
			t.Fatalf("sink got %d messages, want none", len(gotMsgs))
		case wantMsg && (len(gotMsgs) != 1 || !reflect.DeepEqual(gotMsgs[0], toMessage(&c))):
			t.Fatalf("sink got %+v, want %+v", gotMsgs, toMessage(&c))
		case !wantAct && len(gotActs) != 0:
			t.Fatalf("sink got %d actions, want none", len(gotActs))
		case wantAct && (len(gotActs) != 1 || !reflect.DeepEqual(gotActs[0], toAction(&c))):
			t.Fatalf("sink got %+v, want %+v", gotActs, toAction(&c))
		}
	})
}

// FuzzQuery sends arbitrary raw queries with a GET (the URL check) and with a POST of a
// well-formed sealed body. The query is parsed by hand (readQuery), so it is fuzzed on its
// own: nothing is answered 200 unless its signature is right.
func FuzzQuery(f *testing.F) {
	echo := url.Values{"msg_signature": {botEchoSig}, "timestamp": {botTS}, "nonce": {botNonce}, "echostr": {botEcho}}
	f.Add(echo.Encode(), false)
	f.Add(signedQuery3(botSig, botTS, botNonce).Encode(), true)
	f.Add("msg_signature="+officialEchoSig+"&timestamp="+officialEchoTS+"&nonce="+officialEchoNonce+
		"&echostr=P9nAzCzyDtyTWESHep1vC5X9xho/qYX3Zpb4yKa9SKld1DsH3Iyt3tP3zNdtp+4RPcs8TgAE7OaBO+FZXvnaqQ==", false)
	f.Add("msg_signature=&timestamp=1&timestamp=2&nonce=%zz&echostr=%2B%2B", false)
	f.Add("echostr="+strings.Repeat("A", 3*maxEchoLen+1), false)
	f.Add(";;&&==&msg_signature=a=b", true)

	sink := newRecordingSink()
	sink.got = nil
	w := newWebhook(f, webhookConfig(nil), sink, nil)
	h := w.Handler()
	body := []byte(`{"encrypt":"` + botEncrypt + `"}`)
	f.Fuzz(func(t *testing.T, rawQuery string, post bool) {
		method := http.MethodGet
		if post {
			method = http.MethodPost
		}
		req := httptest.NewRequest(method, CallbackPath, nil)
		req.URL.RawQuery = rawQuery
		q, ok := readQuery(req)
		rec, _ := serveFuzz(h, method, rawQuery, body, false)
		w.bg.Wait()
		checkStatus(t, rec, http.StatusOK, http.StatusBadRequest, http.StatusUnauthorized)
		if rec.Code != http.StatusOK {
			return
		}
		signed := string(body[len(`{"encrypt":"`) : len(body)-2])
		if !post {
			signed = strings.ReplaceAll(q.echo, " ", "+")
		}
		if !ok || !msgcrypt.Verify(q.sig, testToken, q.ts, q.nonce, signed) || !w.fresh(q.ts) {
			t.Fatalf("200 for query %q", rawQuery)
		}
	})
}

// endless is a body that never ends.
type endless struct{}

func (endless) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = '{'
	}
	return len(p), nil
}

// TestCallbackReadsAtMostTheLimit streams an endless, correctly signed body: the handler
// stops reading one byte past the limit and answers 413.
func TestCallbackReadsAtMostTheLimit(t *testing.T) {
	for _, limit := range []int64{fuzzMaxBody, DefaultMaxBody} {
		h := newWebhook(t, webhookConfig(nil), newRecordingSink(), nil, WithMaxBody(limit)).Handler()
		cr := &countingReader{r: endless{}}
		req := httptest.NewRequest(http.MethodPost, CallbackPath+"?"+signedQuery3(botSig, botTS, botNonce).Encode(), cr)
		req.ContentLength = -1
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != http.StatusRequestEntityTooLarge || cr.n > limit+1 {
			t.Errorf("limit %d: status %d after reading %d bytes", limit, rec.Code, cr.n)
		}
	}
}

// TestDecodeMalformedSequence is the regression test of the goccy/go-json crash the Feishu
// fuzzer found (goccy/go-json#604): a key ending in a dangling escape, decoded after other
// inputs, read past the buffer and panicked. Malformed JSON is now refused before goccy.
func TestDecodeMalformedSequence(t *testing.T) {
	inputs := [][]byte{
		[]byte(`{"from":{"userid":"\`),
		[]byte(officialText),
		[]byte(`{"\`),
	}
	for range 20000 {
		for _, in := range inputs {
			if _, err := decodeCallback(in); json.Valid(in) != (err == nil) {
				t.Fatalf("decodeCallback(%q) = %v", in, err)
			}
		}
	}
	for range 1000 {
		if q, _ := quoted(json.RawMessage(`{"\`)); q != "" {
			t.Fatalf("quote %q", q)
		}
	}
}

// TestDecodeDeepNesting: a deeply nested quote decodes (or is refused past encoding/json's
// depth limit) without a panic or a stack blow-up.
func TestDecodeDeepNesting(t *testing.T) {
	for _, depth := range []int{4000, 20000} { // 8000 levels (within the limit of 10000), 40000
		nest := strings.Repeat(`{"a":[`, depth) + `"ksyun:1"` + strings.Repeat("]}", depth)
		plain := []byte(`{"msgid":"m","chatid":"c","msgtype":"text","text":{"content":"x"},"quote":` + nest + `}`)
		c, err := decodeCallback(plain)
		if (err == nil) != (depth == 4000) {
			t.Fatalf("depth %d: %v", depth, err)
		}
		if err != nil {
			continue
		}
		if q := toMessage(&c).Quote; q != "ksyun:1" {
			t.Fatalf("depth %d: quote %q", depth, q)
		}
	}
}
