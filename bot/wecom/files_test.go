package wecom

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/ticketbot/ticketbot/bot"
)

// An image a person sent is downloaded and decrypted with the link's own key (the long
// connection) or the robot's EncodingAESKey (the HTTP callback); an expired link, a file over
// the limit and a download nobody can decrypt are refused with a reason that holds no link.
func TestFetchFile(t *testing.T) {
	png := []byte("\x89PNG\r\n\x1a\n a screenshot")
	s := newSetup(t, nil)
	ctx := context.Background()

	for _, ownKey := range []bool{false, true} {
		link, key := s.fake.PutFile(png, ownKey)
		got, err := bot.FetchFile(ctx, s.bot, "m1", bot.FileRef{Key: link, AESKey: key, Kind: "image"}, 1<<20)
		if err != nil || !bytes.Equal(got, png) {
			t.Fatalf("own key %v: FetchFile = %q, %v", ownKey, got, err)
		}
	}
	if !bot.Can(s.bot).Files {
		t.Error("Can(wecom).Files is false")
	}

	link, _ := s.fake.PutFile(bytes.Repeat([]byte("x"), 100), false)
	if _, err := s.bot.FetchFile(ctx, "m1", bot.FileRef{Key: link}, 50); err == nil || !strings.Contains(err.Error(), "over the 50 bytes") {
		t.Errorf("a file over the limit: %v", err)
	}
	_, wrongKey := s.fake.PutFile(png, true)
	link, _ = s.fake.PutFile(png, true)
	if _, err := s.bot.FetchFile(ctx, "m1", bot.FileRef{Key: link, AESKey: wrongKey}, 1<<20); err == nil || !strings.Contains(err.Error(), "cannot decrypt") {
		t.Errorf("the wrong key: %v", err)
	}
	s.fake.ExpireFiles()
	_, err := s.bot.FetchFile(ctx, "m1", bot.FileRef{Key: link}, 1<<20)
	if err == nil || !strings.Contains(err.Error(), "HTTP 404") || strings.Contains(err.Error(), link) {
		t.Errorf("an expired link: %v", err)
	}

	t.Run("no key at all", func(t *testing.T) {
		ws := newSetup(t, func(c *Config) {
			c.EncodingAESKey = ""
			c.Token = ""
			c.Mode = "websocket"
			c.BotID, c.Secret = "bot", "sec"
		})
		link, _ := ws.fake.PutFile(png, false)
		if _, err := ws.bot.FetchFile(ctx, "m1", bot.FileRef{Key: link}, 1<<20); err == nil || !strings.Contains(err.Error(), "no key") {
			t.Errorf("FetchFile without a key = %v", err)
		}
	})
}
