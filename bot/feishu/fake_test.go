package feishu

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/ticketbot/ticketbot/bot"
)

// The fake as the client sees it; the fake's own checks are tested in feishutest.

func TestFakeWaitForMessages(t *testing.T) {
	f, fake := newClient(t)
	go func() {
		for range 3 {
			_, _ = f.Send(context.Background(), testChat, bot.Outgoing{Kind: bot.KindText, Body: []byte("x")})
		}
	}()
	if got := fake.WaitForMessages(3, 10*time.Second); len(got) != 3 {
		t.Fatalf("got %d messages", len(got))
	}
	start := time.Now()
	if got := fake.WaitForMessages(4, 50*time.Millisecond); len(got) != 3 || time.Since(start) < 50*time.Millisecond {
		t.Fatalf("timeout: got %d after %v", len(got), time.Since(start))
	}
}

func TestFakeFailNextCounts(t *testing.T) {
	f, fake := newClient(t)
	fake.FailNext(2, http.StatusInternalServerError, 0, "")
	for i := range 3 {
		_, err := f.Send(context.Background(), testChat, card(testCard))
		if (err != nil) != (i < 2) {
			t.Fatalf("send %d: %v", i, err)
		}
	}
}
