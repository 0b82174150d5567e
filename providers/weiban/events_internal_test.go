package weiban

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/ticketbot/ticketbot/internal/msgcrypt"
)

func TestSeenSetBounded(t *testing.T) {
	now := time.Unix(0, 0)
	s := newSeenSet(time.Hour, 3, func() time.Time { return now })
	for _, id := range []string{"a", "b", "c"} {
		if !s.add(id) {
			t.Errorf("%s not new", id)
		}
	}
	if s.add("a") {
		t.Error("a seen twice")
	}
	s.add("d") // evicts the oldest, a
	if len(s.at) > 3 {
		t.Errorf("size %d", len(s.at))
	}
	if !s.add("a") {
		t.Error("a not evicted")
	}
	now = now.Add(2 * time.Hour)
	if !s.add("d") {
		t.Error("d not expired")
	}
	s.remove("d")
	if !s.add("d") {
		t.Error("removed id still seen")
	}
}

func BenchmarkEventVerifyDecrypt(b *testing.B) {
	c, _ := msgcrypt.New("jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C")
	msg, _ := json.Marshal(map[string]any{
		"id": "5f1c", "corp_id": "corp", "create_time": 1700000000, "type": "event", "event": eventKind,
		"status": "reply", "retry_count": 0, "msg_data": map[string]any{"order_no": "1471808049579560960", "staff_id": "s", "content": map[string]any{"text": strings.Repeat("字", 200)}},
	})
	enc := c.Encrypt(msg, "corp")
	sig := msgcrypt.Signature("tok", "1700000000", "nonce", enc)
	b.ReportAllocs()
	b.SetBytes(int64(len(enc)))
	for b.Loop() {
		if !msgcrypt.Verify(sig, "tok", "1700000000", "nonce", enc) {
			b.Fatal("signature")
		}
		if _, _, err := c.Decrypt(enc); err != nil {
			b.Fatal(err)
		}
	}
}
