package feishutest

import (
	"bytes"
	"encoding/json"
	"net/http"
	"testing"
)

// fakeCall posts raw JSON to the fake with a token of its own, to check what it refuses.
// The credentials, chat and card the fake's own tests use.
const (
	testAppID     = "cli_test"
	testAppSecret = "app-secret-do-not-log"
	testChat      = "oc_chat1"
	testCard      = `{"schema":"2.0","config":{"update_multi":true},"header":{"title":{"tag":"plain_text","content":"工单 #T-1024 · 处理中"}},"body":{"elements":[{"tag":"markdown","content":"**问题**：打印机卡纸 \"quoted\" 😀"}]}}`
)

func fakeCall(t *testing.T, fake *Server, method, path, auth string, body any) (int, int) {
	t.Helper()
	b, _ := json.Marshal(body)
	req, _ := http.NewRequest(method, fake.URL()+path, bytes.NewReader(b))
	req.Header.Set("Content-Type", "application/json")
	if auth != "" {
		req.Header.Set("Authorization", "Bearer "+auth)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out struct {
		Code  int    `json:"code"`
		Token string `json:"tenant_access_token"`
	}
	_ = json.NewDecoder(resp.Body).Decode(&out)
	return resp.StatusCode, out.Code
}

func fakeToken(t *testing.T, fake *Server) string {
	t.Helper()
	b, _ := json.Marshal(map[string]string{"app_id": testAppID, "app_secret": testAppSecret})
	resp, err := http.Post(fake.URL()+pathTenantToken, "application/json", bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out struct {
		Code   int    `json:"code"`
		Token  string `json:"tenant_access_token"`
		Expire int    `json:"expire"`
	}
	_ = json.NewDecoder(resp.Body).Decode(&out)
	if out.Code != 0 || out.Token == "" || out.Expire != 7200 {
		t.Fatalf("token answer %+v", out)
	}
	return out.Token
}

func TestChecks(t *testing.T) {
	fake := New(testAppID, testAppSecret)
	defer fake.Close()
	tok := fakeToken(t, fake)
	create := "/open-apis/im/v1/messages?receive_id_type=chat_id"
	msg := func(typ, content string) map[string]string {
		return map[string]string{"receive_id": testChat, "msg_type": typ, "content": content}
	}
	tests := []struct {
		name   string
		method string
		path   string
		auth   string
		body   any
		code   int
	}{
		{"no token", "POST", create, "", msg("text", `{"text":"x"}`), CodeNoToken},
		{"unknown token", "POST", create, "t-forged", msg("text", `{"text":"x"}`), CodeBadToken},
		{"unknown msg_type", "POST", create, tok, msg("video", `{}`), CodeBadContent},
		{"content not JSON", "POST", create, tok, msg("text", `hello`), CodeBadContent},
		{"text without text", "POST", create, tok, msg("text", `{"x":1}`), CodeBadContent},
		{"card 1.0", "POST", create, tok, msg("interactive", `{"elements":[]}`), CodeCard},
		{"card update_multi false", "POST", create, tok, msg("interactive", `{"schema":"2.0","config":{"update_multi":false},"body":{}}`), CodeCard},
		{"no receive_id_type", "POST", "/open-apis/im/v1/messages", tok, msg("text", `{"text":"x"}`), CodeParam},
		{"uuid too long", "POST", create, tok, map[string]string{"receive_id": testChat, "msg_type": "text", "content": `{"text":"x"}`, "uuid": string(bytes.Repeat([]byte("u"), 51))}, CodeParam},
		{"wrong secret", "POST", pathTenantToken, "", map[string]string{"app_id": testAppID, "app_secret": "x"}, CodeBadSecret},
		{"wrong app id", "POST", pathTenantToken, "", map[string]string{"app_id": "cli_x", "app_secret": testAppSecret}, CodeBadAppID},
		{"patch unknown", "PATCH", "/open-apis/im/v1/messages/om_nope", tok, map[string]string{"content": testCard}, CodeNotFound},
		{"unknown path", "GET", "/open-apis/nope", "", nil, 404},
		{"good text", "POST", create, tok, msg("text", `{"text":"x"}`), 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, code := fakeCall(t, fake, tt.method, tt.path, tt.auth, tt.body); code != tt.code {
				t.Fatalf("code %d, want %d", code, tt.code)
			}
		})
	}
	if n := len(fake.Messages()); n != 1 {
		t.Fatalf("%d messages, want 1", n)
	}
	if n := len(fake.Requests()); n != len(tests)+1 { // and the token fetch
		t.Fatalf("%d requests recorded, want %d", n, len(tests)+1)
	}
}
