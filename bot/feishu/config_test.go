package feishu

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
)

func TestConfigDefaults(t *testing.T) {
	var c Config
	c.Defaults()
	if c.Mode != "webhook" || c.BaseURL != "https://open.feishu.cn" || c.ReplyInThread == nil || !*c.ReplyInThread {
		t.Fatalf("defaults %+v", c)
	}
	c = Config{BaseURL: "https://open.larksuite.com//"}
	c.Defaults()
	if c.BaseURL != "https://open.larksuite.com" {
		t.Fatalf("base_url %q", c.BaseURL)
	}
	off := false
	c = Config{ReplyInThread: &off}
	c.Defaults()
	if c.replyInThread() {
		t.Fatal("reply_in_thread = false was overridden")
	}
}

func TestConfigValidate(t *testing.T) {
	tests := []struct {
		name string
		cfg  Config
		want []string // keys named in the errors, in order
	}{
		{"complete webhook", testConfig(), nil},
		{"empty", Config{}, []string{"feishu.app_id", "feishu.app_secret", "feishu.encrypt_key", "feishu.verification_token"}},
		{"websocket needs no webhook keys", Config{Mode: "websocket", AppID: "a", AppSecret: "s"}, nil},
		{"unknown mode", Config{Mode: "poll", AppID: "a", AppSecret: "s"}, []string{"feishu.mode"}},
		{"bad base_url", func() Config { c := testConfig(); c.BaseURL = "open.feishu.cn"; return c }(), []string{"feishu.base_url"}},
		{"base_url with query", func() Config { c := testConfig(); c.BaseURL = "https://x?y=1"; return c }(), []string{"feishu.base_url"}},
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
			}
		})
	}
}

func TestNewRejectsInvalidConfig(t *testing.T) {
	_, err := New(Config{AppID: "a"}, nil, nil)
	if err == nil || !strings.Contains(err.Error(), "feishu.app_secret") || !strings.Contains(err.Error(), "feishu.encrypt_key") {
		t.Fatalf("New = %v", err)
	}
}

// TestConfigLeaksNoSecrets prints and marshals a config every usual way.
func TestConfigLeaksNoSecrets(t *testing.T) {
	c := testConfig()
	c.Defaults()
	j, _ := json.Marshal(c)
	out := fmt.Sprintf("%v %+v %#v %s", c, c, c, j)
	for _, s := range []string{testAppSecret, testToken, testKey} {
		if strings.Contains(out, s) {
			t.Errorf("config output contains %q: %s", s, out)
		}
	}
}
