package ksyun

import (
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/ticketbot/ticketbot/span"

	"github.com/ticketbot/ticketbot/providers"
)

// Defaults of the [providers.ksyun] section.
const (
	DefaultBaseURL      = "http://workorder.crius.api.ksyun.com"
	DefaultSignAlgo     = "md5"
	DefaultSignTemplate = "{app_id}{timestamp}{app_secret}"
	DefaultSignCase     = "lower"
	DefaultTimestamp    = "s"
	DefaultTimeout      = 10 * time.Second
	DefaultType         = 1 // 问题排查
	DefaultPriority     = 3 // 低 on the create scale
	successCode         = 10000
)

// Config is the [providers.ksyun] section of the configuration file.
//
// Kingsoft does not publish its Sign rule (reference/ticket-providers.md §3.1), so the rule is
// assembled from the sign_* knobs; the defaults are our best guess, and UsesDefaultSign lets
// main warn while the guess is in use.
type Config struct {
	// BaseURL is the API host: production by default, or the stage host
	// http://stage.mplatform.process.ksyun.com:8011, or a fake.
	BaseURL string `toml:"base_url"`
	// AppID is sent in the AppId header; it is granted by e-mail to ksc-mplatform@kingsoft.com.
	AppID string `toml:"app_id"`
	// AppSecret signs every request. It is never sent, logged or put in an error.
	AppSecret providers.Secret `toml:"app_secret"`
	// CustomerOrganizationID and CustomerOrganizationName (客户ID, 客户名称) are the customer
	// every ticket is filed for; both are required by create.
	CustomerOrganizationID   int64  `toml:"customer_organization_id"`
	CustomerOrganizationName string `toml:"customer_organization_name"`
	// RepositoryProductID is the product-library product line (产品库产品线ID) of new tickets.
	RepositoryProductID int64 `toml:"repository_product_id"`
	// ProductLines are the product lines people choose from when they file a ticket (the
	// create form, "产品线: 云服务器"): Kingsoft has no call that lists them, so they are
	// configured, named as the team knows them. Empty offers repository_product_id alone.
	ProductLines []ProductLine `toml:"product_lines"`
	// Type is the default ticket type: 1 问题排查, 2 需求反馈, 3 咨询.
	Type int `toml:"type"`
	// Priority is the default create priority (受影响程度): 1 高, 2 中, 3 低.
	Priority int `toml:"priority"`
	// CreatorID and CreatorName (长工号 and name) act for chat users who have no mapped
	// Kingsoft identity.
	CreatorID   int64  `toml:"creator_id"`
	CreatorName string `toml:"creator_name"`

	// SignAlgo is md5, sha1, sha256 (hex digest of the filled template) or hmac-sha256 (keyed
	// with app_secret, over the filled template with {app_secret} left out).
	SignAlgo string `toml:"sign_algo"`
	// SignTemplate is the string that is hashed, with the placeholders {app_id}, {timestamp} and
	// {app_secret}.
	SignTemplate string `toml:"sign_template"`
	// SignCase is the case of the hex digest: lower or upper.
	SignCase string `toml:"sign_case"`
	// TimestampUnit is s or ms: the doc allows both ("只能是秒级或毫秒级").
	TimestampUnit string `toml:"timestamp_unit"`
	// SuccessCodes are the errno values meaning success; the doc says 10000 and its swagger
	// placeholders show 0, which we do not trust by default.
	SuccessCodes []int `toml:"success_codes"`
	// Timeout bounds one HTTP call ("10s").
	Timeout span.Duration `toml:"timeout"`
}

// Defaults fills every unset key that has a default.
func (c *Config) Defaults() {
	if c.BaseURL == "" {
		c.BaseURL = DefaultBaseURL
	}
	if c.Type == 0 {
		c.Type = DefaultType
	}
	if c.Priority == 0 {
		c.Priority = DefaultPriority
	}
	if c.SignAlgo == "" {
		c.SignAlgo = DefaultSignAlgo
	}
	if c.SignTemplate == "" {
		c.SignTemplate = DefaultSignTemplate
	}
	if c.SignCase == "" {
		c.SignCase = DefaultSignCase
	}
	if c.TimestampUnit == "" {
		c.TimestampUnit = DefaultTimestamp
	}
	if len(c.SuccessCodes) == 0 {
		c.SuccessCodes = []int{successCode}
	}
	if !c.Timeout.IsSet() {
		c.Timeout = span.Of(DefaultTimeout)
	}
}

var placeholder = regexp.MustCompile(`\{[^{}]*\}`)

// Validate returns one error per problem, each naming its key as providers.ksyun.<key>. It
// judges the configuration as Defaults would complete it, so unset keys with a default are
// not reported.
func (c Config) Validate() []error {
	c.Defaults() // c is a copy: the caller's Config is not changed
	var errs []error
	report := func(key, msg string) { errs = append(errs, fmt.Errorf("providers.ksyun.%s: %s", key, msg)) }

	if u, err := url.Parse(c.BaseURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		report("base_url", fmt.Sprintf("%q is not an http(s) URL", c.BaseURL))
	}
	required := []struct {
		key   string
		unset bool
	}{
		{"app_id", strings.TrimSpace(c.AppID) == ""},
		{"app_secret", c.AppSecret.Reveal() == ""},
		{"customer_organization_id", c.CustomerOrganizationID <= 0},
		{"customer_organization_name", strings.TrimSpace(c.CustomerOrganizationName) == ""},
		{"repository_product_id", c.RepositoryProductID <= 0},
		{"creator_id", c.CreatorID <= 0},
		{"creator_name", strings.TrimSpace(c.CreatorName) == ""},
	}
	for _, r := range required {
		if r.unset {
			report(r.key, "required")
		}
	}
	seen := map[int64]bool{}
	for i, l := range c.ProductLines {
		key := fmt.Sprintf("product_lines[%d]", i)
		switch {
		case l.ID <= 0:
			report(key+".id", "required, a positive product line id")
		case seen[l.ID]:
			report(key+".id", fmt.Sprintf("%d is listed twice", l.ID))
		case strings.TrimSpace(l.Name) == "":
			report(key+".name", "required: the name people choose it by")
		}
		seen[l.ID] = true
	}
	if c.Type < 1 || c.Type > 3 {
		report("type", fmt.Sprintf("%d is not 1 (问题排查), 2 (需求反馈) or 3 (咨询)", c.Type))
	}
	if c.Priority < 1 || c.Priority > 3 {
		report("priority", fmt.Sprintf("%d is not 1 (高), 2 (中) or 3 (低)", c.Priority))
	}
	if !slices.Contains([]string{"md5", "sha1", "sha256", "hmac-sha256"}, c.SignAlgo) {
		report("sign_algo", fmt.Sprintf("%q is not md5, sha1, sha256 or hmac-sha256", c.SignAlgo))
	}
	if c.SignCase != "lower" && c.SignCase != "upper" {
		report("sign_case", fmt.Sprintf("%q is not lower or upper", c.SignCase))
	}
	if c.TimestampUnit != "s" && c.TimestampUnit != "ms" {
		report("timestamp_unit", fmt.Sprintf("%q is not s or ms", c.TimestampUnit))
	}
	for _, p := range placeholder.FindAllString(c.SignTemplate, -1) {
		if p != "{app_id}" && p != "{timestamp}" && p != "{app_secret}" {
			report("sign_template", fmt.Sprintf("unknown placeholder %s (use {app_id}, {timestamp}, {app_secret})", p))
		}
	}
	if !strings.Contains(c.SignTemplate, "{timestamp}") {
		report("sign_template", "must contain {timestamp}")
	}
	// A plain digest without the secret could be computed by anyone who sees the headers.
	if c.SignAlgo != "hmac-sha256" && !strings.Contains(c.SignTemplate, "{app_secret}") {
		report("sign_template", "must contain {app_secret} unless sign_algo is hmac-sha256")
	}
	if c.Timeout.D() <= 0 {
		report("timeout", fmt.Sprintf("%s is not a positive duration such as \"10s\"", span.Format(c.Timeout.D())))
	}
	return errs
}

// UsesDefaultSign reports whether the Sign rule is still the unconfirmed default guess
// (lower-case hex MD5 of AppId + Timestamp in seconds + AppSecret), so main can warn at start.
func (c Config) UsesDefaultSign() bool {
	c.Defaults()
	return c.SignAlgo == DefaultSignAlgo && c.SignTemplate == DefaultSignTemplate &&
		c.SignCase == DefaultSignCase && c.TimestampUnit == DefaultTimestamp
}

// Warnings are what check and serve tell the operator about this section: the Sign rule is
// still the guess.
func (c Config) Warnings() []string {
	if !c.UsesDefaultSign() {
		return nil
	}
	return []string{"providers.ksyun: Kingsoft does not publish its Sign rule; the default md5(AppId+Timestamp+AppSecret) is a guess — confirm it with Kingsoft (sign_algo, sign_template)"}
}

// timeout is the bound of one HTTP call: Timeout, or the default where Defaults was not run.
func (c Config) timeout() time.Duration {
	if c.Timeout.D() > 0 {
		return c.Timeout.D()
	}
	return DefaultTimeout
}

// ProductLine is a product-library product line (产品库产品线) new tickets can be filed under.
type ProductLine struct {
	ID   int64  `toml:"id"`
	Name string `toml:"name"`
}
