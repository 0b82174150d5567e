package templates

import "github.com/ticketbot/ticketbot/providers"

// The words of a ticket's state, flags and priority, from the catalog (status_<state>,
// flag_<flag>, priority_<level>), so cards, notices and answers say them alike in either
// language, and an operator's messages.toml can change them.

// Status is the chat label of a state ("处理中" / "In progress").
func (c *Catalog) Status(s providers.Status, en bool) string {
	if s == "" || !c.Has("status_"+string(s)) {
		s = providers.StatusUnknown
	}
	return c.Text("status_"+string(s), en)
}

// StatusText is the label of a ticket's state on a card: with the vendor's raw value where
// the state is unknown (未知（原始值 7）) so an operator can map it, and with the vendor's own
// word where it says more than ours (Aliyun 待反馈, 已评价; the English leaves the vendor's
// Chinese word out unless status_with_raw is overridden to show it).
func (c *Catalog) StatusText(t providers.Ticket, en bool) string {
	if t.Status == providers.StatusUnknown || t.Status == "" {
		return c.Text("status_unknown_raw", en, "raw", t.RawStatus)
	}
	l := c.Status(t.Status, en)
	if t.RawLabel != "" && t.RawLabel != c.Status(t.Status, false) {
		return c.Text("status_with_raw", en, "status", l, "raw", t.RawLabel)
	}
	return l
}

// Flag is the label of a flag ("已挂起" / "On hold"); a flag the catalog does not know reads
// as itself.
func (c *Catalog) Flag(f providers.Flag, en bool) string {
	if !c.Has("flag_" + string(f)) {
		return string(f)
	}
	return c.Text("flag_"+string(f), en)
}

// Priority is the ticket's priority as people say it: the catalog's word for its level, or
// the vendor's own value where it maps to none of ours ("" when the vendor has none).
func (c *Catalog) Priority(t providers.Ticket, en bool) string {
	if t.PriorityLevel != "" && c.Has("priority_"+t.PriorityLevel) {
		return c.Text("priority_"+t.PriorityLevel, en)
	}
	return t.Priority
}
