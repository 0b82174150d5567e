package weiban

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/ticketbot/ticketbot/span"

	"github.com/ticketbot/ticketbot/internal/msgcrypt"
	"github.com/ticketbot/ticketbot/providers"
)

// Defaults of the [providers.weiban] section.
const (
	DefaultBaseURL = "https://open.weibanzhushou.com"
	DefaultTimeout = 10 * time.Second
)

// Config is the [providers.weiban] section of the configuration file.
type Config struct {
	// BaseURL is the OpenAPI host (reference/ticket-providers.md §1), or a fake.
	BaseURL string `toml:"base_url"`
	// CorpID and Secret come from 微伴后台 › API接入 and buy the access token (doc-370558). The
	// secret is shown once by Weiban and never sent anywhere but the token endpoint, logged or
	// put in an error.
	CorpID string           `toml:"corp_id"`
	Secret providers.Secret `toml:"secret"`
	// EventReceiveID is the ReceiveId pushed events are sealed for (doc-477078); empty means
	// CorpID. Weiban's own crypto sample seals with the WeCom corp id ("ww…") while the
	// OpenAPI's corp_id is numeric, so with one setting every real push could be refused: a
	// refused push logs the id it was sealed for, to copy here.
	EventReceiveID string `toml:"event_receive_id,omitempty"`
	// StaffID is the bot's own staff identity (员工id): create, reply and close act as it when
	// the chat user has no mapped Weiban identity, and flows written by it are not official
	// notes (echo suppression, status-model.md §7).
	StaffID string `toml:"staff_id"`
	// HandlerID is the staff member new work orders are handed to (handler_id of create); empty
	// leaves the choice to Weiban and the template.
	HandlerID string `toml:"handler_id"`
	// TemplateID is the work-order template (工单模板) of new work orders; 0 leaves it out.
	TemplateID int64 `toml:"template_id"`
	// Handlers are the staff people may hand a new work order to (the create form, "处理人:
	// 张伟"): Weiban's work-order API has no call that lists staff, so they are configured,
	// named as the team knows them. Empty offers handler_id alone.
	Handlers []Handler `toml:"handlers"`
	// EventToken and EventAESKey (43 characters) are the Token and EncodingAESKey of the
	// work_order_change subscription (doc-477078). Set both to accept pushed events, or neither.
	EventToken  providers.Secret `toml:"event_token"`
	EventAESKey providers.Secret `toml:"event_aes_key"`
	// StatusMap maps a raw work_order.status integer ("10") to a normalized status ("open").
	// Weiban publishes no status enum, so only 10 → open is built in (status-model.md §4.3).
	StatusMap map[string]string `toml:"status_map"`
	// Timeout bounds one HTTP call ("10s").
	Timeout span.Duration `toml:"timeout"`
}

// Defaults fills every unset key that has a default.
func (c *Config) Defaults() {
	if c.BaseURL == "" {
		c.BaseURL = DefaultBaseURL
	}
	if !c.Timeout.IsSet() {
		c.Timeout = span.Of(DefaultTimeout)
	}
}

// knownStatuses are the values status_map may name.
var knownStatuses = []providers.Status{
	providers.StatusOpen, providers.StatusInProgress, providers.StatusWaitingOnUs,
	providers.StatusPendingConfirm, providers.StatusClosed, providers.StatusCancelled, providers.StatusUnknown,
}

// Validate returns one error per problem, each naming its key as providers.weiban.<key>. It
// judges the configuration as Defaults would complete it. No message carries a secret's value.
func (c Config) Validate() []error {
	c.Defaults() // c is a copy: the caller's Config is not changed
	var errs []error
	report := func(key, msg string) { errs = append(errs, fmt.Errorf("providers.weiban.%s: %s", key, msg)) }

	if u, err := url.Parse(c.BaseURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		report("base_url", fmt.Sprintf("%q is not an http(s) URL", c.BaseURL))
	}
	if strings.TrimSpace(c.CorpID) == "" {
		report("corp_id", "required")
	}
	if c.Secret.Reveal() == "" {
		report("secret", "required")
	}
	if strings.TrimSpace(c.StaffID) == "" {
		report("staff_id", "required (the bot's own Weiban staff id)")
	}
	if c.TemplateID < 0 {
		report("template_id", "must not be negative")
	}
	seen := map[string]bool{}
	for i, h := range c.Handlers {
		key := fmt.Sprintf("handlers[%d]", i)
		id := strings.TrimSpace(h.ID)
		switch {
		case id == "":
			report(key+".id", "required, the staff member's Weiban id")
		case seen[id]:
			report(key+".id", fmt.Sprintf("%q is listed twice", id))
		case strings.TrimSpace(h.Name) == "":
			report(key+".name", "required: the name people choose them by")
		}
		seen[id] = true
	}
	tok, key := c.EventToken.Reveal(), c.EventAESKey.Reveal()
	switch {
	case tok == "" && key != "":
		report("event_token", "required when event_aes_key is set")
	case tok != "" && key == "":
		report("event_aes_key", "required when event_token is set")
	case key != "":
		if _, err := msgcrypt.New(key); err != nil {
			report("event_aes_key", err.Error())
		}
	}
	for raw, st := range c.StatusMap {
		if _, err := strconv.ParseInt(strings.TrimSpace(raw), 10, 64); err != nil {
			report("status_map", fmt.Sprintf("key %q is not an integer status", raw))
		}
		if !validStatus(st) {
			report("status_map", fmt.Sprintf("%q (for %s) is not one of open, in_progress, waiting_on_us, resolved_pending_confirm, closed, cancelled, unknown", st, raw))
		}
	}
	if c.Timeout.D() <= 0 {
		report("timeout", fmt.Sprintf("%s is not a positive duration such as \"10s\"", span.Format(c.Timeout.D())))
	}
	return errs
}

// eventReceiveID is the ReceiveId a pushed event must be sealed for, and the key it comes
// from, for the log line of a mismatch.
func (c Config) eventReceiveID() (id, key string) {
	if id := strings.TrimSpace(c.EventReceiveID); id != "" {
		return id, "providers.weiban.event_receive_id"
	}
	return strings.TrimSpace(c.CorpID), "providers.weiban.corp_id"
}

// EventsEnabled reports whether pushed events can be verified (event_token and event_aes_key
// are set), so main mounts EventHandler only then.
func (c Config) EventsEnabled() bool {
	return c.EventToken.Reveal() != "" && c.EventAESKey.Reveal() != ""
}

func validStatus(s string) bool {
	for _, k := range knownStatuses {
		if providers.Status(strings.TrimSpace(s)) == k {
			return true
		}
	}
	return false
}

// statusMap returns the raw → normalized map: 10 → open (OBS), then the configured entries,
// which win.
func (c Config) statusMap() map[string]providers.Status {
	m := map[string]providers.Status{"10": providers.StatusOpen}
	for raw, st := range c.StatusMap {
		m[strings.TrimSpace(raw)] = providers.Status(strings.TrimSpace(st))
	}
	return m
}

// timeout is the bound of one HTTP call: Timeout, or the default where Defaults was not run.
func (c Config) timeout() time.Duration {
	if c.Timeout.D() > 0 {
		return c.Timeout.D()
	}
	return DefaultTimeout
}

// Handler is a staff member new work orders can be handed to.
type Handler struct {
	ID   string `toml:"id"`
	Name string `toml:"name"`
}
