package aliyun

import (
	"fmt"
	"maps"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/ticketbot/ticketbot/span"

	"github.com/ticketbot/ticketbot/providers"
)

// The API versions this provider speaks (reference/ticket-providers.md §2.1).
const (
	// Version2016 is the 工单 OpenAPI of Aliyun's V1.3 document (seeds/000): add, QuestionReply,
	// QuestionListNote, QuestionList, getOSSTempAuthor, getAttachTempURL. It cannot close.
	Version2016 = "2016-08-30"
	// Version2021 is the current Workorder API (help.aliyun 2402434): CreateTicket, ReplyTicket,
	// CloseTicket, GetTicket, ListTickets, ListTicketNotes, …
	Version2021 = "2021-06-10"
)

// Defaults of the [providers.aliyun] section.
const (
	DefaultBaseURL    = "https://workorder.aliyuncs.com"
	DefaultAPIVersion = Version2016
	DefaultParamNames = "sdk"
	DefaultSeverity   = 1 // 2021 CreateTicket: 1 一般
	DefaultTimeout    = 10 * time.Second
)

// The operations whose Aliyun action name action_names may override. Action names are
// case-sensitive at Aliyun, and its documents disagree on some (help.aliyun 143228 writes
// Action=Add where the V1.3 document and the SDK metadata say add).
const (
	OpCreate     = "create"     // 2016 add, 2021 CreateTicket
	OpReply      = "reply"      // 2016 QuestionReply, 2021 ReplyTicket
	OpNotes      = "notes"      // 2016 QuestionListNote, 2021 ListTicketNotes
	OpList       = "list"       // 2016 QuestionList, 2021 ListTickets
	OpGet        = "get"        // 2021 GetTicket (2016 reads one ticket through QuestionList)
	OpClose      = "close"      // 2021 CloseTicket (2016 has no close)
	OpReopen     = "reopen"     // 2021 ReopenTicket (2016 has no reopen)
	OpOSSAuth    = "oss_auth"   // 2016 getOSSTempAuthor
	OpAttachURL  = "attach_url" // 2016 getAttachTempURL
	OpUploadURL  = "upload_url" // 2021 GetAttachmentUploadUrl
	OpProducts   = "products"   // 2021 ListProducts; 2016 "待实现": no default
	OpCategories = "categories" // 2021 ListCategories; 2016 common questions, "待实现": no default
)

// defaultActions are the action names per API version: the V1.3 document and the SDK metadata
// for 2016-08-30 (reference §2.2), the 2021-06-10 API directory (§2.4). An operation with an
// empty name exists in the version but has no published action: it is used only once
// action_names names one.
var defaultActions = map[string]map[string]string{
	Version2016: {
		OpCreate: "add", OpReply: "QuestionReply", OpNotes: "QuestionListNote", OpList: "QuestionList",
		OpOSSAuth: "getOSSTempAuthor", OpAttachURL: "getAttachTempURL",
		OpProducts: "", OpCategories: "",
	},
	Version2021: {
		OpCreate: "CreateTicket", OpReply: "ReplyTicket", OpClose: "CloseTicket", OpReopen: "ReopenTicket", OpGet: "GetTicket",
		OpList: "ListTickets", OpNotes: "ListTicketNotes", OpUploadURL: "GetAttachmentUploadUrl",
		OpProducts: "ListProducts", OpCategories: "ListCategories",
	},
}

// regionalHosts are the documented Workorder endpoints outside the default one (reference §1).
var regionalHosts = map[string]string{
	"ap-southeast-1": "https://workorder.ap-southeast-1.aliyuncs.com",
	"ap-northeast-1": "https://workorder.ap-northeast-1.aliyuncs.com",
}

// Config is the [providers.aliyun] section of the configuration file.
//
// Aliyun's documents disagree on a few wire names (reference §2.2, §7), so the action names
// (action_names) and the casing of the 2016-08-30 parameters (param_names) are configurable;
// the defaults follow the SDK metadata, which is generated from the gateway's API definitions.
type Config struct {
	// BaseURL is the API endpoint: https://workorder.aliyuncs.com, a regional host, or a fake.
	BaseURL string `toml:"base_url"`
	// AccessKeyID and AccessKeySecret are the account's AccessKey. The secret signs every
	// request; it is never sent, logged or put in an error.
	AccessKeyID     string           `toml:"access_key_id"`
	AccessKeySecret providers.Secret `toml:"access_key_secret"`
	// APIVersion is "2016-08-30" (the V1.3 document, no close) or "2021-06-10" (the current
	// Workorder API, with close).
	APIVersion string `toml:"api_version"`
	// AliUID is the account (UID) new 2016-08-30 tickets belong to: add's required aliUid.
	AliUID int64 `toml:"ali_uid"`
	// ProductID is add's default productId (产品ID); CustomerCommonQuestionID its default
	// customerCommonQuestionId (常见问题ID). add needs one of them; the ids come from Aliyun's
	// Excel sheet, since the 2016 product lists are "待实现".
	ProductID                int64 `toml:"product_id"`
	CustomerCommonQuestionID int64 `toml:"customer_common_question_id"`
	// Phone and Email receive Aliyun's notices about 2016 tickets (add's phone, email); Email
	// is also CreateTicket's Email in 2021-06-10.
	Phone string `toml:"phone"`
	Email string `toml:"email"`
	// SMSAlertTime is add's smsAlertTime: "" (no SMS), "all" (any time) or "normal"
	// (9:00–18:00).
	SMSAlertTime string `toml:"sms_alert_time"`
	// CategoryID is CreateTicket's required CategoryId (2021-06-10), from ListCategories.
	CategoryID int64 `toml:"category_id"`
	// Severity is CreateTicket's default Severity (2021-06-10): 1 一般, 2 紧急.
	Severity int `toml:"severity"`
	// ActionNames overrides action names by operation: create, reply, notes, list, get,
	// close, reopen, oss_auth, attach_url, upload_url, products, categories (e.g. create = "Add").
	ActionNames map[string]string `toml:"action_names"`
	// ParamNames picks the casing of the 2016-08-30 parameters on which the V1.3 document and
	// the SDK metadata disagree: "sdk" (QuestionId, QuestionContent, Ids, PageSize, …) or
	// "doc" (questionId, questionContent, ids, pageSize, …). add's parameters are the same in
	// both.
	ParamNames string `toml:"param_names"`
	// RegionID, when set, is sent as RegionId, and picks the regional host when base_url is
	// unset (ap-southeast-1, ap-northeast-1).
	RegionID string `toml:"region_id"`
	// Timeout bounds one HTTP call ("10s").
	Timeout span.Duration `toml:"timeout"`
}

// Defaults fills every unset key that has a default.
func (c *Config) Defaults() {
	if c.BaseURL == "" {
		c.BaseURL = DefaultBaseURL
		if h, ok := regionalHosts[c.RegionID]; ok {
			c.BaseURL = h
		}
	}
	if c.APIVersion == "" {
		c.APIVersion = DefaultAPIVersion
	}
	if c.ParamNames == "" {
		c.ParamNames = DefaultParamNames
	}
	if c.Severity == 0 {
		c.Severity = DefaultSeverity
	}
	if !c.Timeout.IsSet() {
		c.Timeout = span.Of(DefaultTimeout)
	}
}

var (
	actionPattern = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9]*$`)
	regionPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9-]*$`)
	phonePattern  = regexp.MustCompile(`^\+?[0-9][0-9 -]{4,19}$`)
)

// Validate returns one error per problem, each naming its key as providers.aliyun.<key>. It
// judges the configuration as Defaults would complete it, so unset keys with a default are not
// reported. Which keys are required depends on api_version.
func (c Config) Validate() []error {
	c.Defaults() // c is a copy: the caller's Config is not changed
	var errs []error
	report := func(key, msg string) { errs = append(errs, fmt.Errorf("providers.aliyun.%s: %s", key, msg)) }

	if u, err := url.Parse(c.BaseURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		report("base_url", fmt.Sprintf("%q is not an http(s) URL", c.BaseURL))
	}
	if strings.TrimSpace(c.AccessKeyID) == "" {
		report("access_key_id", "required")
	}
	if c.AccessKeySecret.Reveal() == "" {
		report("access_key_secret", "required")
	}
	defaults, known := defaultActions[c.APIVersion]
	if !known {
		report("api_version", fmt.Sprintf("%q is not %s or %s", c.APIVersion, Version2016, Version2021))
	}
	switch c.APIVersion {
	case Version2016:
		if c.AliUID <= 0 {
			report("ali_uid", "required with api_version "+Version2016+" (add's aliUid)")
		}
		if c.ProductID <= 0 && c.CustomerCommonQuestionID <= 0 {
			report("product_id", "required unless customer_common_question_id is set (add needs one of them)")
		}
	case Version2021:
		if c.CategoryID <= 0 {
			report("category_id", "required with api_version "+Version2021+" (CreateTicket's CategoryId)")
		}
	}
	for _, n := range []struct {
		key string
		v   int64
	}{{"ali_uid", c.AliUID}, {"product_id", c.ProductID}, {"customer_common_question_id", c.CustomerCommonQuestionID}, {"category_id", c.CategoryID}} {
		if n.v < 0 {
			report(n.key, fmt.Sprintf("%d is negative", n.v))
		}
	}
	if c.SMSAlertTime != "" && c.SMSAlertTime != "all" && c.SMSAlertTime != "normal" {
		report("sms_alert_time", fmt.Sprintf("%q is not all, normal or empty", c.SMSAlertTime))
	}
	if c.Phone != "" && !phonePattern.MatchString(c.Phone) {
		report("phone", fmt.Sprintf("%q is not a phone number", c.Phone))
	}
	if c.Email != "" && (!strings.Contains(c.Email, "@") || strings.ContainsAny(c.Email, " ,;")) {
		report("email", fmt.Sprintf("%q is not an e-mail address", c.Email))
	}
	if c.Severity != 1 && c.Severity != 2 {
		report("severity", fmt.Sprintf("%d is not 1 (一般) or 2 (紧急)", c.Severity))
	}
	if c.ParamNames != "sdk" && c.ParamNames != "doc" {
		report("param_names", fmt.Sprintf("%q is not sdk or doc", c.ParamNames))
	}
	if c.RegionID != "" && !regionPattern.MatchString(c.RegionID) {
		report("region_id", fmt.Sprintf("%q is not a region id such as cn-hangzhou", c.RegionID))
	}
	for _, op := range slices.Sorted(maps.Keys(c.ActionNames)) {
		name := c.ActionNames[op]
		if _, ok := defaults[op]; known && !ok {
			report("action_names", fmt.Sprintf("%q is not an operation of %s (use %s)", op, c.APIVersion,
				strings.Join(slices.Sorted(maps.Keys(defaults)), ", ")))
			continue
		}
		if !actionPattern.MatchString(name) {
			report("action_names", fmt.Sprintf("%s = %q is not an action name", op, name))
		}
	}
	if c.Timeout.D() <= 0 {
		report("timeout", fmt.Sprintf("%s is not a positive duration such as \"10s\"", span.Format(c.Timeout.D())))
	}
	return errs
}

// actions returns the action name of every operation of the configured version, overrides
// applied. An operation mapped to "" has no action.
func (c Config) actions() map[string]string {
	out := maps.Clone(defaultActions[c.APIVersion])
	if out == nil {
		out = map[string]string{}
	}
	maps.Copy(out, c.ActionNames)
	return out
}

// timeout is the bound of one HTTP call: Timeout, or the default where Defaults was not run.
func (c Config) timeout() time.Duration {
	if c.Timeout.D() > 0 {
		return c.Timeout.D()
	}
	return DefaultTimeout
}
