package aliyun

import (
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ticketbot/ticketbot/span"
)

// validConfig is a complete 2016-08-30 configuration with every required key.
func validConfig() Config {
	return Config{
		AccessKeyID:     "testid",
		AccessKeySecret: "testsecret",
		AliUID:          1234567890123456, // aliyuntest.AliUID
		ProductID:       1273,             // aliyuntest.ProductID
	}
}

func TestDefaults(t *testing.T) {
	var c Config
	c.Defaults()
	if c.BaseURL != "https://workorder.aliyuncs.com" || c.APIVersion != "2016-08-30" || c.ParamNames != "sdk" ||
		c.Severity != 1 || c.Timeout != span.Of(10*time.Second) {
		t.Errorf("Defaults() = %+v", c)
	}
	set := Config{BaseURL: "https://x.example", APIVersion: Version2021, ParamNames: "doc", Severity: 2, Timeout: span.Of(3 * time.Second)}
	set.Defaults()
	if set.BaseURL != "https://x.example" || set.APIVersion != Version2021 || set.ParamNames != "doc" || set.Severity != 2 || set.Timeout != span.Of(3*time.Second) {
		t.Errorf("Defaults() overwrote set keys: %+v", set)
	}
	regional := Config{RegionID: "ap-southeast-1"}
	regional.Defaults()
	if regional.BaseURL != "https://workorder.ap-southeast-1.aliyuncs.com" {
		t.Errorf("regional BaseURL = %s", regional.BaseURL)
	}
	other := Config{RegionID: "cn-hangzhou"}
	other.Defaults()
	if other.BaseURL != DefaultBaseURL {
		t.Errorf("cn-hangzhou BaseURL = %s", other.BaseURL)
	}
}

func TestValidate(t *testing.T) {
	tests := []struct {
		name   string
		change func(*Config)
		want   []string // keys reported, in order
	}{
		{"valid", func(*Config) {}, nil},
		{"everything missing", func(c *Config) { *c = Config{} }, []string{"access_key_id", "access_key_secret", "ali_uid", "product_id"}},
		{"common question instead of product", func(c *Config) { c.ProductID, c.CustomerCommonQuestionID = 0, 7 }, nil},
		{"2021 needs a category, not a uid or product", func(c *Config) { *c = Config{AccessKeyID: "a", AccessKeySecret: "b", APIVersion: Version2021} },
			[]string{"category_id"}},
		{"2021 complete", func(c *Config) { c.APIVersion, c.CategoryID = Version2021, 3 }, nil},
		{"unknown version", func(c *Config) { c.APIVersion = "2018-10-12" }, []string{"api_version"}},
		{"bad base_url", func(c *Config) { c.BaseURL = "ftp://x" }, []string{"base_url"}},
		{"base_url without host", func(c *Config) { c.BaseURL = "https://" }, []string{"base_url"}},
		{"negative ids", func(c *Config) { c.CustomerCommonQuestionID, c.CategoryID = -1, -2 },
			[]string{"customer_common_question_id", "category_id"}},
		{"sms_alert_time", func(c *Config) { c.SMSAlertTime = "night" }, []string{"sms_alert_time"}},
		{"sms_alert_time values", func(c *Config) { c.SMSAlertTime = "normal" }, nil},
		{"phone", func(c *Config) { c.Phone = "call me" }, []string{"phone"}},
		{"phone ok", func(c *Config) { c.Phone = "+86 138-0000-0000" }, nil},
		{"email", func(c *Config) { c.Email = "ops.example.com" }, []string{"email"}},
		{"severity", func(c *Config) { c.Severity = 3 }, []string{"severity"}},
		{"param_names", func(c *Config) { c.ParamNames = "camel" }, []string{"param_names"}},
		{"region_id", func(c *Config) { c.RegionID = "CN Hangzhou" }, []string{"region_id"}},
		{"negative timeout", func(c *Config) { c.Timeout = span.Of(-time.Second) }, []string{"timeout"}},
		{"action override", func(c *Config) { c.ActionNames = map[string]string{"create": "Add", "products": "ListProduct"} }, nil},
		{"unknown operation", func(c *Config) { c.ActionNames = map[string]string{"close": "CloseQuestion"} }, []string{"action_names"}},
		{"bad action name", func(c *Config) { c.ActionNames = map[string]string{"create": "add ticket"} }, []string{"action_names"}},
		{"2021 operation", func(c *Config) {
			c.APIVersion, c.CategoryID, c.ActionNames = Version2021, 3, map[string]string{"close": "CloseTicket", "upload_url": "GetAttachmentUploadUrl"}
		}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := validConfig()
			tt.change(&c)
			errs := c.Validate()
			var got []string
			for _, err := range errs {
				key, _, ok := strings.Cut(strings.TrimPrefix(err.Error(), "providers.aliyun."), ":")
				if !strings.HasPrefix(err.Error(), "providers.aliyun.") || !ok {
					t.Errorf("error %q does not start with providers.aliyun.<key>:", err)
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
	if c.BaseURL != "" || c.APIVersion != "" || c.ParamNames != "" {
		t.Errorf("Validate changed the caller's Config: %+v", c)
	}
}

func TestActions(t *testing.T) {
	c := validConfig()
	c.Defaults()
	want16 := map[string]string{"create": "add", "reply": "QuestionReply", "notes": "QuestionListNote", "list": "QuestionList",
		"oss_auth": "getOSSTempAuthor", "attach_url": "getAttachTempURL", "products": "", "categories": ""}
	if got := c.actions(); !maps.Equal(got, want16) {
		t.Errorf("2016 actions = %v, want %v", got, want16)
	}
	c.ActionNames = map[string]string{"create": "Add"}
	if got := c.actions()["create"]; got != "Add" {
		t.Errorf("override = %q", got)
	}
	if defaultActions[Version2016]["create"] != "add" {
		t.Error("actions() changed the defaults")
	}
	c.APIVersion = Version2021
	c.ActionNames = nil
	want21 := map[string]string{"create": "CreateTicket", "reply": "ReplyTicket", "close": "CloseTicket", "reopen": "ReopenTicket", "get": "GetTicket",
		"list": "ListTickets", "notes": "ListTicketNotes", "upload_url": "GetAttachmentUploadUrl",
		"products": "ListProducts", "categories": "ListCategories"}
	if got := c.actions(); !maps.Equal(got, want21) {
		t.Errorf("2021 actions = %v, want %v", got, want21)
	}
}

func TestNewRejectsInvalidConfig(t *testing.T) {
	c := validConfig()
	c.AccessKeyID, c.APIVersion = "", "2099-01-01"
	_, err := New(c)
	if err == nil {
		t.Fatal("New accepted an invalid configuration")
	}
	for _, key := range []string{"providers.aliyun.access_key_id", "providers.aliyun.api_version"} {
		if !strings.Contains(err.Error(), key) {
			t.Errorf("New error %q does not name %s", err, key)
		}
	}
}
