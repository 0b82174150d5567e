package feishu

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/ticketbot/ticketbot/bot"
	"github.com/ticketbot/ticketbot/bot/feishu/feishutest"
)

// Fuzz targets of everything Feishu sends us. Run one with
//
//	go test ./bot/feishu -run '^$' -fuzz '^FuzzDecode$' -fuzztime 60s
//	go test ./bot/feishu -run '^$' -fuzz '^FuzzWebhook$' -fuzztime 60s
//	go test ./bot/feishu -run '^$' -fuzz '^FuzzWebhookSealed$' -fuzztime 60s
//
// Seeds: the plaintexts below (the official examples of decode_test.go, the builders of
// feishutest, the reference's vector) and testdata/fuzz/<FuzzName>/.

// fuzzMaxBody is the body limit of the fuzzed handlers: small, so that fuzzed bodies cross it.
const fuzzMaxBody = 4 << 10

// officialMessage and officialCard are the official examples (DOC 接收消息, 卡片回传交互), as
// in decode_test.go.
const (
	officialMessage = `{"schema":"2.0","header":{"event_id":"5e3702a84e847582be8db7fb73283c02","event_type":"im.message.receive_v1","create_time":"1608725989000","token":"rvaYgkND1GOiu5MM0E1rncYC6PLtF7JV","app_id":"cli_9f5343c580712544","tenant_key":"2ca1d211f64f6438"},` +
		`"event":{"sender":{"sender_id":{"union_id":"on_8ed6aa67826108097d9ee143816345","user_id":"e33ggbyz","open_id":"ou_84aad35d084aa403a838cf73ee18467"},"sender_type":"user","tenant_key":"736588c9260f175e"},` +
		`"message":{"message_id":"om_5ce6d572455d361153b7cb51da133945","root_id":"om_5ce6d572455d361153b7cb5xxfsdfsdfdsf","parent_id":"om_5ce6d572455d361153b7cb5xxfsdfsdfdsf","create_time":"1609073151345","update_time":"1687343654666","chat_id":"oc_5ce6d572455d361153b7xx51da133945","chat_type":"group","message_type":"text","content":"{\"text\":\"@_user_1 hello\"}",` +
		`"mentions":[{"key":"@_user_1","id":{"union_id":"on_8ed6aa67826108097d9ee143816345","user_id":"e33ggbyz","open_id":"ou_84aad35d084aa403a838cf73ee18467"},"name":"Tom","tenant_key":"736588c9260f175e"}],"user_agent":"Mozilla/5.0"}}}`
	officialCard = `{"schema":"2.0","header":{"event_id":"f7984f25108f8137722bb63c*****","token":"066zT6pS4QCbgj5Do145GfDbbag*****","create_time":"1603977298000000","event_type":"card.action.trigger","tenant_key":"2df73991750*****","app_id":"cli_a5fb0ae6a4******"},` +
		`"event":{"operator":{"tenant_key":"2df73991750*****","user_id":"867*****","open_id":"ou_3c14f3a59eaf2825dbe25359f15*****","union_id":"on_cad4860e7af114fb4ff6c5d496d*****"},"token":"c-295ee57216a5dc9de90fefd0aadb4b1d7d******",` +
		`"action":{"value":{"cmd":"close ksyun 1204"},"tag":"button","timezone":"Asia/Shanghai","form_value":{"field name1":["selectDemo1","selectDemo2"],"field name2":"value2","Input_lf4fmxwfrd9":"1234"},"name":"Button_lvkepfu3"},` +
		`"host":"im_message","delivery_type":"url_preview","context":{"url":"xxx","preview_token":"xxx","open_message_id":"om_574d639e4a44e4dd646eaf628e2*****","open_chat_id":"oc_e4d2605ca917e695f54f11aaf56*****"}}}`
)

// fuzzPlaintexts are decrypted requests of every kind the webhook handles or ignores.
func fuzzPlaintexts() [][]byte {
	post := `{"title":"","content":[[{"tag":"at","user_id":"@_user_1","user_name":"ticketbot"},{"tag":"text","text":" 建单 ksyun 打印机卡纸"}],[{"tag":"img","image_key":"img_v2_1"},{"tag":"a","href":"https://x","text":"工单"},{"tag":"at","user_id":"@_user_2","user_name":"Tom"}]]}`
	return [][]byte{
		[]byte(officialMessage),
		[]byte(officialCard),
		[]byte(vectorPlain),
		feishutest.ChallengeEvent("ajls384kdjx98XX", testToken),
		feishutest.TextMessageEvent("ev1", "om_1", testChat, testUser, "建单 ksyun 数据库连接超时\n优先级: 高", feishutest.WithVerificationToken(testToken), feishutest.WithParentID("om_p"), feishutest.WithRootID("om_r")),
		feishutest.TextMessageEvent("ev2", "om_2", testChat, testUser, "x", feishutest.WithVerificationToken(testToken), feishutest.WithSenderType("app")),
		feishutest.TextMessageEvent("ev3", "om_3", testChat, testUser, "", feishutest.WithVerificationToken(testToken),
			feishutest.WithContent("post", post, feishutest.Mention{Key: "@_user_1", OpenID: feishutest.BotOpenID, Name: "ticketbot", Type: "bot"}, feishutest.Mention{Key: "@_user_2", OpenID: "ou_tom", Name: "Tom"})),
		feishutest.TextMessageEvent("ev4", "om_4", testChat, testUser, "", feishutest.WithVerificationToken(testToken),
			feishutest.WithContent("post", `{"zh_cn":{"title":"标题","content":[[{"tag":"text","text":"列表"}]]}}`)),
		feishutest.TextMessageEvent("ev5", "om_5", testChat, testUser, "", feishutest.WithVerificationToken(testToken), feishutest.WithContent("image", `{"image_key":"img_v2_x"}`)),
		feishutest.TextMessageEvent("ev6", "om_6", testChat, testUser, "", feishutest.WithVerificationToken(testToken), feishutest.WithContent("file", `{"file_key":"file_v2_x","file_name":"日志.txt"}`)),
		feishutest.TextMessageEvent("ev7", "om_7", testChat, testUser, "", feishutest.WithVerificationToken(testToken),
			feishutest.WithContent("text", `{"text":"@_user_2 @_user_1 @_user_10 show 12"}`, feishutest.Mention{Key: "@_user_1", OpenID: "ou_me", Name: "ticketbot"}, feishutest.Mention{Key: "@_user_2", OpenID: "ou_tom"})),
		feishutest.CardActionEvent("ev8", testChat, "om_card", testUser, "reply ksyun 1204", map[string]string{"reply_text": "你好"}, testToken),
		[]byte(`{"schema":"2.0","header":{"event_id":"e","event_type":"card.action.trigger","token":"vtoken"},"event":{"action":{"value":{"cmd":7},"form_value":{"n":1.5e300,"b":true,"l":[1,"a",null,{"k":[]}]}}}}`),
		[]byte(`{"schema":"2.0","header":{"event_id":"e","event_type":"im.chat.member.bot.added_v1","token":"vtoken"},"event":{}}`),
	}
}

// FuzzDecode fuzzes the decoding of a decrypted request: decodeEnvelope, then toMessage (with
// and without a configured bot open_id) and toAction, as both transports use them.
func FuzzDecode(f *testing.F) {
	for _, p := range fuzzPlaintexts() {
		f.Add(p)
	}
	f.Fuzz(func(t *testing.T, plain []byte) {
		e, err := decodeEnvelope(plain)
		e2, err2 := decodeEnvelope(plain)
		if (err == nil) != (err2 == nil) || !reflect.DeepEqual(e, e2) {
			t.Fatalf("decodeEnvelope is not deterministic: %v / %v", err, err2)
		}
		if err != nil {
			return
		}
		for _, botID := range []string{"", feishutest.BotOpenID} {
			m, ok := toMessage(&e, botID)
			if !ok {
				if !reflect.DeepEqual(m, bot.Message{}) {
					t.Fatalf("ignored message is not empty: %+v", m)
				}
				continue
			}
			if e.Event.Sender.SenderType != "user" {
				t.Fatalf("message of sender_type %q delivered", e.Event.Sender.SenderType)
			}
			if m.Platform != Platform || m.EventID != e.Header.EventID || m.ChatID != e.Event.Message.ChatID ||
				m.MessageID != e.Event.Message.MessageID || m.UserID != e.Event.Sender.SenderID.OpenID {
				t.Fatalf("message fields not copied: %+v", m)
			}
			if m.Text != strings.TrimSpace(m.Text) {
				t.Fatalf("text not trimmed: %q", m.Text)
			}
			for _, fr := range m.Files {
				if fr.Key == "" || (fr.Kind != "image" && fr.Kind != "file") {
					t.Fatalf("bad file ref %+v", fr)
				}
			}
		}
		a := toAction(&e)
		if a.Platform != Platform || a.EventID != e.Header.EventID || a.Token != e.Event.Token {
			t.Fatalf("action fields not copied: %+v", a)
		}
		if cmd, isString := e.Event.Action.Value["cmd"].(string); a.Command != cmd || (!isString && a.Command != "") {
			t.Fatalf("command %q from value %v", a.Command, e.Event.Action.Value)
		}
		wantForm := len(e.Event.Action.FormValue)
		if act := e.Event.Action; act.Name != "" && act.Option != "" {
			if _, dup := act.FormValue[act.Name]; !dup {
				wantForm++
			}
			if a.Form[act.Name] != act.Option {
				t.Fatalf("the select %q chose %q, form has %q", act.Name, act.Option, a.Form[act.Name])
			}
		}
		if len(a.Form) != wantForm {
			t.Fatalf("form has %d fields, want %d (form_value %v, select %q)", len(a.Form), wantForm, e.Event.Action.FormValue, e.Event.Action.Name)
		}
		if tok := e.token(); tok != e.Header.Token && tok != e.Token {
			t.Fatalf("token %q from nowhere", tok)
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

// serveFuzz posts body through h with hdr, with or without a Content-Length, and returns the
// answer and how many bytes of the body were read.
func serveFuzz(h http.Handler, body []byte, hdr http.Header, chunked bool) (*httptest.ResponseRecorder, int64) {
	cr := &countingReader{r: bytes.NewReader(body)}
	req := httptest.NewRequest(http.MethodPost, "/feishu/webhook", cr)
	req.ContentLength = int64(len(body))
	if chunked {
		req.ContentLength = -1
	}
	for k, v := range hdr {
		req.Header[k] = v
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec, cr.n
}

// checkAnswer checks what every answer of the handler shares: a JSON body, and a status the
// handler documents.
func checkAnswer(t *testing.T, rec *httptest.ResponseRecorder) {
	t.Helper()
	switch rec.Code {
	case http.StatusOK, http.StatusBadRequest, http.StatusUnauthorized, http.StatusRequestEntityTooLarge:
	default:
		t.Fatalf("status %d %s", rec.Code, rec.Body)
	}
	if !json.Valid(rec.Body.Bytes()) {
		t.Fatalf("answer is not JSON: %q", rec.Body)
	}
	if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Fatalf("Content-Type %q", ct)
	}
}

// FuzzWebhook posts arbitrary bodies to the handler, signed (a valid X-Lark-Signature over
// the body) or not, with or without a Content-Length. Whatever the body, the handler answers
// a documented status with a JSON body, reads at most the body limit, refuses a larger body
// with 413, lets nothing unsigned reach the sink, and answers 200 only to a body that
// decrypts under our key.
func FuzzWebhook(f *testing.F) {
	f.Add([]byte(`{"encrypt":"`+vectorEncrypt+`"}`), false, false)
	f.Add([]byte(`{"encrypt":"`+vectorEncrypt+`"}`), true, true)
	for _, p := range fuzzPlaintexts()[:6] {
		body, _ := sealed(p)
		f.Add(body, true, false)
		f.Add(p, true, false) // plaintext where ciphertext belongs
	}
	f.Add([]byte(`{"encrypt":"P37w+VZImNgPEO1RBhJ6RtKl7n6zymIbEG1pReEzghk="}`), false, false) // official vector: "hello world"
	f.Add([]byte(` { "encrypt" : "a\/b" , "x" : 1 } `), true, false)
	f.Add(bytes.Repeat([]byte("a"), fuzzMaxBody+1), true, true)
	f.Add([]byte{}, false, false)

	sink := &recordingSink{}
	h := newWebhook(f, sink, WithMaxBody(fuzzMaxBody)).Handler()
	block := newCipher(testKey)
	f.Fuzz(func(t *testing.T, body []byte, signed, chunked bool) {
		before := len(sink.messages()) + len(sink.actions())
		hdr := http.Header{}
		if signed {
			hdr.Set(headerTimestamp, "1700000000")
			hdr.Set(headerNonce, "nonce-1")
			hdr.Set(headerSignature, signature("1700000000", "nonce-1", []byte(testKey), body))
		}
		rec, read := serveFuzz(h, body, hdr, chunked)
		checkAnswer(t, rec)
		if read > fuzzMaxBody+1 {
			t.Fatalf("read %d bytes of the body, limit %d", read, fuzzMaxBody)
		}
		if len(body) > fuzzMaxBody && rec.Code != http.StatusRequestEntityTooLarge {
			t.Fatalf("%d-byte body answered %d, want 413", len(body), rec.Code)
		}
		if rec.Code == http.StatusOK {
			enc, ok := bot.EncryptField(body)
			if !ok {
				t.Fatalf("200 for a body without an encrypt field: %q", body)
			}
			if _, err := decrypt(block, nil, enc); err != nil {
				t.Fatalf("200 for a body that does not decrypt: %v", err)
			}
		}
		if after := len(sink.messages()) + len(sink.actions()); after != before && !signed {
			t.Fatal("an unsigned request reached the sink")
		}
	})
}

// FuzzWebhookSealed seals arbitrary plaintexts as Feishu does (encrypted with our key, and
// signed unless sign is false, as Feishu sends the URL check) and posts them: the decoder
// behind the crypto sees every shape. A request reaches the sink only when signed, carrying
// our verification token and a message or click; what reaches it is exactly what the
// decoder makes of the plaintext.
func FuzzWebhookSealed(f *testing.F) {
	for _, p := range fuzzPlaintexts() {
		f.Add(p, true)
	}
	f.Add(feishutest.ChallengeEvent("ajls384kdjx98XX", testToken), false)
	f.Add(feishutest.ChallengeEvent("x", "wrong"), false)
	f.Add([]byte("hello world"), true)
	f.Add([]byte(`{"type":"url_verification","token":"vtoken","challenge":"\u0000<>&"}`), false)

	sink := &recordingSink{}
	h := newWebhook(f, sink).Handler()
	f.Fuzz(func(t *testing.T, plain []byte, sign bool) {
		msgs, acts := len(sink.messages()), len(sink.actions())
		body, hdr := sealed(plain)
		if !sign {
			hdr = unsigned(hdr)
		}
		rec, _ := serveFuzz(h, body, hdr, false)
		checkAnswer(t, rec)
		if rec.Code == http.StatusRequestEntityTooLarge {
			if int64(len(body)) <= DefaultMaxBody {
				t.Fatalf("413 for a %d-byte body", len(body))
			}
			return
		}

		e, err := decodeEnvelope(plain)
		tokenOK := err == nil && e.token() == testToken
		challenge := err == nil && e.Type == typeURLVerification
		var wantMsg *bot.Message
		if m, ok := toMessage(&e, ""); err == nil && sign && tokenOK && !challenge && e.Header.EventType == eventMessage && ok {
			wantMsg = &m
		}
		wantAct := err == nil && sign && tokenOK && !challenge && e.Header.EventType == eventCardAction

		switch {
		case !sign && len(body) > maxUnsignedBody:
			if rec.Code != http.StatusUnauthorized {
				t.Fatalf("large unsigned request answered %d", rec.Code)
			}
		case err != nil:
			if sign && rec.Code != http.StatusBadRequest || !sign && rec.Code != http.StatusUnauthorized {
				t.Fatalf("undecodable plaintext (%v) answered %d (signed %v)", err, rec.Code, sign)
			}
		case challenge:
			want := http.StatusUnauthorized
			if e.Token == testToken {
				want = http.StatusOK
			}
			if rec.Code != want {
				t.Fatalf("url_verification answered %d, want %d", rec.Code, want)
			}
			if want == http.StatusOK && utf8.ValidString(e.Challenge) { // invalid UTF-8 is answered as U+FFFD
				var got struct{ Challenge string }
				if json.Unmarshal(rec.Body.Bytes(), &got) != nil || got.Challenge != e.Challenge {
					t.Fatalf("challenge answer %q, want %q", rec.Body, e.Challenge)
				}
			}
		case !sign || !tokenOK:
			if rec.Code != http.StatusUnauthorized {
				t.Fatalf("unsigned or wrong-token request answered %d", rec.Code)
			}
		default:
			if rec.Code != http.StatusOK {
				t.Fatalf("authenticated request answered %d %s", rec.Code, rec.Body)
			}
		}

		gotMsgs, gotActs := sink.messages()[msgs:], sink.actions()[acts:]
		switch {
		case wantMsg == nil && len(gotMsgs) != 0:
			t.Fatalf("sink got %d messages, want none", len(gotMsgs))
		case wantMsg != nil && (len(gotMsgs) != 1 || !reflect.DeepEqual(gotMsgs[0], *wantMsg)):
			t.Fatalf("sink got %+v, want %+v", gotMsgs, *wantMsg)
		case !wantAct && len(gotActs) != 0:
			t.Fatalf("sink got %d actions, want none", len(gotActs))
		case wantAct && (len(gotActs) != 1 || !reflect.DeepEqual(gotActs[0], toAction(&e))):
			t.Fatalf("sink got %+v, want %+v", gotActs, toAction(&e))
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

// TestWebhookReadsAtMostTheLimit streams an endless body, signed and unsigned: the handler
// stops reading one byte past the limit and answers 413.
func TestWebhookReadsAtMostTheLimit(t *testing.T) {
	for _, limit := range []int64{fuzzMaxBody, DefaultMaxBody} {
		for _, signed := range []bool{false, true} {
			h := newWebhook(t, &recordingSink{}, WithMaxBody(limit)).Handler()
			cr := &countingReader{r: endless{}}
			req := httptest.NewRequest(http.MethodPost, "/feishu/webhook", cr)
			req.ContentLength = -1
			if signed {
				_, hdr := sealed([]byte("{}"))
				for k, v := range hdr {
					req.Header[k] = v
				}
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if rec.Code != http.StatusRequestEntityTooLarge || cr.n > limit+1 {
				t.Errorf("limit %d, signed %v: status %d after reading %d bytes", limit, signed, rec.Code, cr.n)
			}
		}
	}
}

// TestDecodeMalformedSequence is the regression test of the crash FuzzWebhookSealed found
// (testdata/fuzz/FuzzWebhookSealed/118a3b9e9864a43f): goccy/go-json panicked with "index out
// of range" on a key ending in a dangling escape once other inputs had been decoded
// (goccy/go-json#604). Malformed JSON is now refused before it reaches goccy.
func TestDecodeMalformedSequence(t *testing.T) {
	inputs := [][]byte{
		[]byte(`{"event":{"sender":{"\`),
		[]byte(`{"schema":"2.0","header":{"event_id":"5e3702a84e847582be8db7fb73283c02","event_type":"im.message.receive_v1"},"event":{"sender":{"sender_id":{"open_id":"ou_84aad35d084aa403a838cf73ee18467"},"sender_type":"user"}}}`),
		[]byte(`{"\`),
	}
	for range 20000 {
		for _, in := range inputs {
			if _, err := decodeEnvelope(in); json.Valid(in) != (err == nil) {
				t.Fatalf("decodeEnvelope(%q) = %v", in, err)
			}
		}
	}
	for range 1000 {
		for _, c := range []string{`{"\`, `{"text":"@_user_1 hello"}`, `{"text":"\`} {
			if _, ok := messageText("text", c); ok != json.Valid([]byte(c)) {
				t.Fatalf("messageText(%q) = %v", c, ok)
			}
		}
	}
}

// TestDecodeDeepNesting: deeply nested JSON, in a field we skip and in a form value we read,
// decodes (or is refused past encoding/json's depth limit) without a panic or a stack blow-up.
func TestDecodeDeepNesting(t *testing.T) {
	for _, depth := range []int{5000, 20000} { // within encoding/json's limit of 10000, and past it
		nest := strings.Repeat("[", depth) + strings.Repeat("]", depth)
		plain := []byte(`{"extra":` + nest + `,"header":{"event_type":"card.action.trigger"},"event":{"action":{"form_value":{"f":` + nest + `}}}}`)
		e, err := decodeEnvelope(plain)
		if (err == nil) != (depth == 5000) {
			t.Fatalf("depth %d: %v", depth, err)
		}
		if err != nil {
			continue
		}
		if a := toAction(&e); len(a.Form) != 1 {
			t.Fatalf("depth %d: form %v", depth, a.Form)
		}
	}
}
