package wecom

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/BurntSushi/toml"

	"github.com/ticketbot/ticketbot/bot"
)

func TestConfigDefaults(t *testing.T) {
	var c Config
	c.Defaults()
	if c.Mode != "webhook" || c.APIBaseURL != "https://qyapi.weixin.qq.com" || c.WSURL != "wss://openws.work.weixin.qq.com" || c.ChatType != 2 {
		t.Fatalf("defaults %+v", c)
	}
	c = Config{APIBaseURL: "http://proxy.internal/wecom//", ChatType: 1}
	c.Defaults()
	if c.APIBaseURL != "http://proxy.internal/wecom" || c.ChatType != 1 {
		t.Fatalf("%+v", c)
	}
}

func TestConfigValidate(t *testing.T) {
	webhook := func(f func(*Config)) Config {
		c := Config{Token: "t", EncodingAESKey: testAESKey}
		if f != nil {
			f(&c)
		}
		return c
	}
	tests := []struct {
		name string
		cfg  Config
		want []string // keys named in the errors, in order
	}{
		{"complete webhook", webhook(nil), nil},
		{"webhook with a group's robot", webhook(func(c *Config) { c.Robots = map[string]bot.Secret{"wrkSFfCgAAxxx": "693a91f6-7xxx"} }), nil},
		{"one robot for every chat", webhook(func(c *Config) { c.WebhookKey = "693a91f6-7xxx" }), []string{"wecom.webhook_key"}},
		{"empty", Config{}, []string{"wecom.token", "wecom.encoding_aes_key"}},
		{"short aes key", webhook(func(c *Config) { c.EncodingAESKey = "abc" }), []string{"wecom.encoding_aes_key"}},
		{"aes key not base64", webhook(func(c *Config) { c.EncodingAESKey = bot.Secret(strings.Repeat("*", 43)) }), []string{"wecom.encoding_aes_key"}},
		{"websocket", Config{Mode: "websocket", BotID: "b", Secret: "s"}, nil},
		{"websocket without credentials", Config{Mode: "websocket"}, []string{"wecom.bot_id", "wecom.secret"}},
		{"unknown mode", Config{Mode: "poll"}, []string{"wecom.mode"}},
		{"api_base_url not a URL", webhook(func(c *Config) { c.APIBaseURL = "qyapi.weixin.qq.com" }), []string{"wecom.api_base_url"}},
		{"api_base_url with query", webhook(func(c *Config) { c.APIBaseURL = "https://x?key=1" }), []string{"wecom.api_base_url"}},
		{"ws_url https", webhook(func(c *Config) { c.WSURL = "https://openws.work.weixin.qq.com" }), []string{"wecom.ws_url"}},
		{"webhook_key is a URL", webhook(func(c *Config) {
			c.Robots = map[string]bot.Secret{"wrkSFfCgAAxxx": "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=abc"}
		}), []string{"chats[wrkSFfCgAAxxx].webhook_key"}},
		{"chat_type", webhook(func(c *Config) { c.ChatType = 3 }), []string{"wecom.chat_type"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := tt.cfg
			c.Defaults()
			errs := c.Validate()
			if len(errs) != len(tt.want) {
				t.Fatalf("errors %v, want keys %v", errs, tt.want)
			}
			for i, err := range errs {
				if !strings.HasPrefix(err.Error(), tt.want[i]) {
					t.Errorf("error %d = %q, want it to start with %s", i, err, tt.want[i])
				}
				for _, secret := range []string{strings.Repeat("*", 43), testAESKey, "key=abc", "693a91f6"} {
					if strings.Contains(err.Error(), secret) {
						t.Errorf("error shows a secret: %v", err)
					}
				}
			}
		})
	}
}

func TestConfigTOMLKeys(t *testing.T) {
	const doc = `
mode = "websocket"
token = "tok"
encoding_aes_key = "` + testAESKey + `"
bot_id = "bot"
secret = "sec"
api_base_url = "https://proxy"
ws_url = "wss://ws.proxy"
webhook_key = "key"
chat_type = 1
`
	var c Config
	md, err := toml.Decode(doc, &c)
	if err != nil {
		t.Fatal(err)
	}
	if u := md.Undecoded(); len(u) != 0 {
		t.Fatalf("undecoded keys %v", u)
	}
	want := Config{Mode: "websocket", Token: "tok", EncodingAESKey: testAESKey, BotID: "bot", Secret: "sec",
		APIBaseURL: "https://proxy", WSURL: "wss://ws.proxy", WebhookKey: "key", ChatType: 1}
	if !reflect.DeepEqual(c, want) {
		t.Fatalf("%#v", c)
	}
}

func TestNewRejectsInvalidConfig(t *testing.T) {
	_, err := New(Config{EncodingAESKey: "short-secret-value"}, nil, nil)
	if err == nil || !strings.Contains(err.Error(), "wecom.token") || !strings.Contains(err.Error(), "wecom.encoding_aes_key") {
		t.Fatalf("New = %v", err)
	}
	if strings.Contains(err.Error(), "short-secret-value") {
		t.Fatalf("secret in %v", err)
	}
}

// TestConfigLeaksNoSecrets prints and marshals a config every usual way.
func TestConfigLeaksNoSecrets(t *testing.T) {
	c := Config{Token: testToken + "x", EncodingAESKey: testAESKey, BotID: "b", Secret: testSecret, WebhookKey: testWebhookKey,
		Robots: map[string]bot.Secret{testChat: testWebhookKey + "-2"}}
	c.Defaults()
	j, _ := json.Marshal(c)
	out := fmt.Sprintf("%v %+v %#v %s", c, c, c, j)
	for _, s := range []string{testToken + "x", testAESKey, testSecret, testWebhookKey, testWebhookKey + "-2"} {
		if strings.Contains(out, s) {
			t.Errorf("config output contains %q: %s", s, out)
		}
	}
}
