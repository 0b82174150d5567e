package weiban

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ticketbot/ticketbot/span"

	"github.com/ticketbot/ticketbot/providers"
)

const testAESKey = "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C"

func validConfig() Config {
	return Config{CorpID: "corp-1", Secret: "sec", StaffID: "bot", EventToken: "tok", EventAESKey: testAESKey}
}

func TestDefaults(t *testing.T) {
	var c Config
	c.Defaults()
	if c.BaseURL != "https://open.weibanzhushou.com" || c.Timeout != span.Of(10*time.Second) {
		t.Errorf("Defaults() = %+v", c)
	}
	set := Config{BaseURL: "http://x", Timeout: span.Of(3 * time.Second)}
	set.Defaults()
	if set.BaseURL != "http://x" || set.Timeout != span.Of(3*time.Second) {
		t.Errorf("Defaults overwrote set keys: %+v", set)
	}
}

func TestValidate(t *testing.T) {
	tests := []struct {
		name   string
		change func(*Config)
		want   []string // keys reported, in order
	}{
		{"valid", func(*Config) {}, nil},
		{"valid without events", func(c *Config) { c.EventToken, c.EventAESKey = "", "" }, nil},
		{"everything missing", func(c *Config) { *c = Config{} }, []string{"corp_id", "secret", "staff_id"}},
		{"blank staff", func(c *Config) { c.StaffID = " " }, []string{"staff_id"}},
		{"bad base_url", func(c *Config) { c.BaseURL = "ftp://x" }, []string{"base_url"}},
		{"base_url without host", func(c *Config) { c.BaseURL = "https://" }, []string{"base_url"}},
		{"token without key", func(c *Config) { c.EventAESKey = "" }, []string{"event_aes_key"}},
		{"key without token", func(c *Config) { c.EventToken = "" }, []string{"event_token"}},
		{"short key", func(c *Config) { c.EventAESKey = "abc" }, []string{"event_aes_key"}},
		{"key not base64", func(c *Config) { c.EventAESKey = providers.Secret(strings.Repeat("!", 43)) }, []string{"event_aes_key"}},
		{"status_map key", func(c *Config) { c.StatusMap = map[string]string{"ten": "open"} }, []string{"status_map"}},
		{"status_map value", func(c *Config) { c.StatusMap = map[string]string{"20": "done"} }, []string{"status_map"}},
		{"status_map ok", func(c *Config) { c.StatusMap = map[string]string{"20": "in_progress", " 30 ": "closed"} }, nil},
		{"negative timeout", func(c *Config) { c.Timeout = span.Of(-time.Second) }, []string{"timeout"}},
		{"template", func(c *Config) { c.TemplateID = -1 }, []string{"template_id"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := validConfig()
			tc.change(&c)
			var keys []string
			for _, err := range c.Validate() {
				msg := err.Error()
				if !strings.HasPrefix(msg, "providers.weiban.") {
					t.Errorf("error %q does not name its key", msg)
				}
				keys = append(keys, strings.SplitN(strings.TrimPrefix(msg, "providers.weiban."), ":", 2)[0])
			}
			if !slices.Equal(keys, tc.want) {
				t.Errorf("keys = %v, want %v", keys, tc.want)
			}
		})
	}
}

func TestConfigHidesSecrets(t *testing.T) {
	c := validConfig()
	c.Secret, c.EventToken, c.EventAESKey = "SECRET-CANARY", "TOKEN-CANARY", "x-CANARY-key"
	text := fmt.Sprintf("%v %+v %#v %s", c, c, c, c.Secret)
	for _, e := range c.Validate() {
		text += e.Error()
	}
	if strings.Contains(text, "CANARY") {
		t.Errorf("secret printed: %s", text)
	}
	if !validConfig().EventsEnabled() || (Config{EventToken: "t"}).EventsEnabled() {
		t.Error("EventsEnabled")
	}
}

func TestStatusMapDefaults(t *testing.T) {
	c := validConfig()
	if m := c.statusMap(); m["10"] != providers.StatusOpen || len(m) != 1 {
		t.Errorf("default map = %v", m)
	}
	c.StatusMap = map[string]string{"10": "in_progress", "30": "closed"}
	if m := c.statusMap(); m["10"] != providers.StatusInProgress || m["30"] != providers.StatusClosed {
		t.Errorf("configured map = %v", m)
	}
}
