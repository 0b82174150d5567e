package ksyun

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ticketbot/ticketbot/span"
)

// validConfig is a complete configuration with every required key.
func validConfig() Config {
	return Config{
		AppID:                    "appA",
		AppSecret:                "sec",
		CustomerOrganizationID:   1,
		CustomerOrganizationName: "北京金山云网络技术有限公司",
		RepositoryProductID:      36,
		CreatorID:                38361,
		CreatorName:              "姜程",
	}
}

func TestDefaults(t *testing.T) {
	var c Config
	c.Defaults()
	want := Config{
		BaseURL: "http://workorder.crius.api.ksyun.com", Type: 1, Priority: 3,
		SignAlgo: "md5", SignTemplate: "{app_id}{timestamp}{app_secret}", SignCase: "lower",
		TimestampUnit: "s", SuccessCodes: []int{10000}, Timeout: span.Of(10 * time.Second),
	}
	if c.BaseURL != want.BaseURL || c.Type != want.Type || c.Priority != want.Priority ||
		c.SignAlgo != want.SignAlgo || c.SignTemplate != want.SignTemplate || c.SignCase != want.SignCase ||
		c.TimestampUnit != want.TimestampUnit || !slices.Equal(c.SuccessCodes, want.SuccessCodes) || c.Timeout != want.Timeout {
		t.Errorf("Defaults() = %+v, want %+v", c, want)
	}

	set := Config{BaseURL: "https://x.example", Type: 2, Priority: 1, SignAlgo: "sha1", SuccessCodes: []int{0}, Timeout: span.Of(3 * time.Second)}
	set.Defaults()
	if set.BaseURL != "https://x.example" || set.Type != 2 || set.Priority != 1 || set.SignAlgo != "sha1" ||
		!slices.Equal(set.SuccessCodes, []int{0}) || set.Timeout != span.Of(3*time.Second) {
		t.Errorf("Defaults() overwrote set keys: %+v", set)
	}
}

func TestValidate(t *testing.T) {
	tests := []struct {
		name   string
		change func(*Config)
		want   []string // keys reported, in order
	}{
		{"valid", func(*Config) {}, nil},
		{"everything missing", func(c *Config) { *c = Config{} }, []string{
			"app_id", "app_secret", "customer_organization_id", "customer_organization_name",
			"repository_product_id", "creator_id", "creator_name",
		}},
		{"blank name", func(c *Config) { c.CreatorName = "  " }, []string{"creator_name"}},
		{"negative id", func(c *Config) { c.CustomerOrganizationID = -1 }, []string{"customer_organization_id"}},
		{"bad base_url scheme", func(c *Config) { c.BaseURL = "ftp://x" }, []string{"base_url"}},
		{"base_url without host", func(c *Config) { c.BaseURL = "http://" }, []string{"base_url"}},
		{"base_url garbage", func(c *Config) { c.BaseURL = "::not a url" }, []string{"base_url"}},
		{"type out of range", func(c *Config) { c.Type = 4 }, []string{"type"}},
		{"priority out of range", func(c *Config) { c.Priority = -2 }, []string{"priority"}},
		{"sign_algo", func(c *Config) { c.SignAlgo = "sha512" }, []string{"sign_algo"}},
		{"sign_case", func(c *Config) { c.SignCase = "mixed" }, []string{"sign_case"}},
		{"timestamp_unit", func(c *Config) { c.TimestampUnit = "ns" }, []string{"timestamp_unit"}},
		{"unknown placeholder", func(c *Config) { c.SignTemplate = "{app_id}{ts}{timestamp}{app_secret}" }, []string{"sign_template"}},
		{"no timestamp", func(c *Config) { c.SignTemplate = "{app_id}{app_secret}" }, []string{"sign_template"}},
		{"no secret in a digest", func(c *Config) { c.SignTemplate = "{app_id}{timestamp}" }, []string{"sign_template"}},
		{"hmac needs no secret placeholder", func(c *Config) {
			c.SignAlgo, c.SignTemplate = "hmac-sha256", "{app_id}{timestamp}"
		}, nil},
		{"negative timeout", func(c *Config) { c.Timeout = span.Of(-time.Second) }, []string{"timeout"}},
		{"all knobs valid", func(c *Config) {
			c.SignAlgo, c.SignCase, c.TimestampUnit, c.SignTemplate = "sha256", "upper", "ms", "{app_secret}{timestamp}"
			c.BaseURL = "http://stage.mplatform.process.ksyun.com:8011"
		}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := validConfig()
			tt.change(&c)
			errs := c.Validate()
			var got []string
			for _, err := range errs {
				key, _, ok := strings.Cut(strings.TrimPrefix(err.Error(), "providers.ksyun."), ":")
				if !strings.HasPrefix(err.Error(), "providers.ksyun.") || !ok {
					t.Errorf("error %q does not start with providers.ksyun.<key>:", err)
				}
				got = append(got, key)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("Validate() keys = %v, want %v (errors %v)", got, tt.want, errs)
			}
		})
	}
}

func TestValidateDoesNotChangeCaller(t *testing.T) {
	c := validConfig()
	_ = c.Validate()
	_ = c.UsesDefaultSign()
	if c.SignAlgo != "" || c.BaseURL != "" || c.SuccessCodes != nil {
		t.Errorf("Validate changed the caller's Config: %+v", c)
	}
}

func TestUsesDefaultSign(t *testing.T) {
	tests := []struct {
		name   string
		change func(*Config)
		want   bool
	}{
		{"unset", func(*Config) {}, true},
		{"explicit defaults", func(c *Config) {
			c.SignAlgo, c.SignTemplate, c.SignCase, c.TimestampUnit = "md5", "{app_id}{timestamp}{app_secret}", "lower", "s"
		}, true},
		{"algo", func(c *Config) { c.SignAlgo = "sha1" }, false},
		{"template", func(c *Config) { c.SignTemplate = "{app_secret}{timestamp}" }, false},
		{"case", func(c *Config) { c.SignCase = "upper" }, false},
		{"unit", func(c *Config) { c.TimestampUnit = "ms" }, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := validConfig()
			tt.change(&c)
			if got := c.UsesDefaultSign(); got != tt.want {
				t.Errorf("UsesDefaultSign() = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestNewRejectsInvalidConfig(t *testing.T) {
	c := validConfig()
	c.AppID, c.SignAlgo = "", "crc32"
	_, err := New(c)
	if err == nil {
		t.Fatal("New accepted an invalid configuration")
	}
	for _, key := range []string{"providers.ksyun.app_id", "providers.ksyun.sign_algo"} {
		if !strings.Contains(err.Error(), key) {
			t.Errorf("New error %q does not name %s", err, key)
		}
	}
}
