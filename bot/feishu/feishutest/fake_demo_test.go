package feishutest

import (
	"net/http"
	"strings"
	"testing"
)

// A click's answer card replaces the card, checked as a patch is; nothing else changes.
func TestApplyCallbackCard(t *testing.T) {
	fake := New(testAppID, testAppSecret)
	defer fake.Close()
	tok := fakeToken(t, fake)
	card := `{"schema":"2.0","config":{"update_multi":true},"body":{"elements":[{"tag":"markdown","content":"待处理"}]}}`
	if status, code := fakeCall(t, fake, http.MethodPost, "/open-apis/im/v1/messages?receive_id_type=chat_id", tok,
		map[string]string{"receive_id": "oc_1", "msg_type": "interactive", "content": card}); status != 200 || code != 0 {
		t.Fatalf("send: %d %d", status, code)
	}
	id := fake.Messages()[0].ID

	answer := "{\n \"schema\": \"2.0\", \"config\": {\"update_multi\": true},\n \"body\": {\"elements\": [{\"tag\": \"markdown\", \"content\": \"已关闭\"}]}}"
	if err := fake.ApplyCallbackCard(id, []byte(answer)); err != nil {
		t.Fatal(err)
	}
	if m, _ := fake.Message(id); !strings.Contains(m.Content, `"content":"已关闭"`) || strings.Contains(m.Content, "\n") {
		t.Errorf("card after the answer (compacted): %s", m.Content)
	}
	for name, bad := range map[string]string{
		"not JSON":         `{`,
		"schema 1.0":       `{"config":{"update_multi":true},"elements":[]}`,
		"not update_multi": `{"schema":"2.0","config":{},"body":{"elements":[]}}`,
	} {
		if err := fake.ApplyCallbackCard(id, []byte(bad)); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	if err := fake.ApplyCallbackCard("om_unknown", []byte(answer)); err == nil {
		t.Error("an unknown message was updated")
	}
	if m, _ := fake.Message(id); !strings.Contains(m.Content, "已关闭") {
		t.Errorf("a refused answer changed the card: %s", m.Content)
	}
}
