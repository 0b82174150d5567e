package bot

import (
	"slices"

	"github.com/ticketbot/ticketbot/providers"
)

// NoticeView is one change the watcher tells a chat about, as templates see it.
type NoticeView struct {
	Ticket providers.Ticket `json:"ticket"`
	// Kind is "status" (the state changed) or "note" (a new vendor reply).
	Kind string           `json:"kind"`
	From providers.Status `json:"from,omitempty"`
	To   providers.Status `json:"to,omitempty"`
	// Note is the vendor's newest note, quoted in the notice.
	Note *providers.Note `json:"note,omitempty"`
	// Mention is the platform user id to @: the person who opened the ticket, when the group
	// must act.
	Mention string `json:"mention,omitempty"`
	// Priority is "high" when the group must act, else "normal".
	Priority string `json:"priority"`
	// Subscription is the number of the chat's subscription that found the ticket, for a
	// NoticeNew.
	Subscription int64 `json:"subscription,omitempty"`
}

// NoticeReopened names the notice of a ticket that left closed or cancelled.
const NoticeReopened = "reopened"

// NoticeKinds are the status notices a chat can choose among ([[chats]] notify_statuses):
// every announcement statusNotice can make, named by the status it reaches, except a
// reopening, which is named "reopened" whatever status it reopens to. New vendor replies
// are not among them: notify_notes decides those.
var NoticeKinds = []string{
	string(providers.StatusWaitingOnUs),
	string(providers.StatusPendingConfirm),
	string(providers.StatusInProgress), // 待确认 → 处理中: the vendor goes on working
	string(providers.StatusClosed),
	string(providers.StatusCancelled),
	NoticeReopened,
}

// DefaultNotify is the status model's policy (reference/status-model.md §6.1): every status
// notice. config.toml.example shows the same list.
var DefaultNotify = slices.Clone(NoticeKinds)

// Name is the notice's kind as notify_statuses names it: one of NoticeKinds, "note", or
// NoticeNew.
func (n NoticeView) Name() string {
	switch {
	case n.Kind == "note":
		return "note"
	case n.Kind == NoticeNew:
		return NoticeNew
	case n.From.Terminal() && !n.To.Terminal():
		return NoticeReopened
	}
	return string(n.To)
}

// change is what one observation of a ticket means, per reference/status-model.md §6–7.
type change struct {
	// advance is set when the stored state should move (anything but unknown or nothing new).
	advance bool
	// card is set when the ticket's cards should be redrawn.
	card bool
	// notice is the announcement, if any (its Mention is filled per chat).
	notice *NoticeView
}

// detect compares what the bot last saw (prevStatus, prevNote; "" for a ticket never seen)
// with the vendor's ticket now. It is pure, so every rule is table-tested.
func detect(prevStatus providers.Status, prevNote string, t providers.Ticket) change {
	noteID := ""
	if t.LatestNote != nil {
		noteID = t.LatestNote.ID
	}
	if t.Status == providers.StatusUnknown || t.Status == "" {
		// Unknown never announces and never replaces a known state (§6.1, §7.7).
		return change{}
	}
	if prevStatus == "" {
		// First observation: a quiet baseline (§7.3).
		return change{advance: true}
	}
	statusChanged := prevStatus != t.Status
	newNote := noteID != "" && noteID != prevNote
	if !statusChanged && !newNote {
		return change{}
	}
	c := change{advance: true, card: true}
	if statusChanged {
		if n := statusNotice(prevStatus, t.Status); n != nil {
			n.Ticket = t
			if newNote && t.LatestNote.Official {
				n.Note = t.LatestNote
			}
			c.notice = n
			return c
		}
	}
	if newNote && t.LatestNote.Official && !t.Status.Terminal() {
		c.notice = &NoticeView{Ticket: t, Kind: "note", Note: t.LatestNote, Priority: "normal"}
	}
	return c
}

// statusNotice is the announcement a transition owes, or nil for a quiet one (§6.1).
func statusNotice(from, to providers.Status) *NoticeView {
	n := &NoticeView{Kind: "status", From: from, To: to, Priority: "normal"}
	switch {
	case from == providers.StatusUnknown:
		// Known before, unknown for a while: announce only what matters (§6.1).
		switch to {
		case providers.StatusWaitingOnUs, providers.StatusPendingConfirm:
			n.Priority = "high"
			return n
		case providers.StatusClosed, providers.StatusCancelled:
			return n
		}
		return nil
	case to == providers.StatusWaitingOnUs, to == providers.StatusPendingConfirm:
		n.Priority = "high"
		return n
	case from.Terminal() && to.Terminal():
		return nil // e.g. confirmed → rated
	case to.Terminal():
		return n // closed or cancelled by the vendor (the bot's own close never reaches here)
	case from.Terminal():
		return n // reopened
	case from == providers.StatusPendingConfirm && to == providers.StatusInProgress:
		return n // the vendor goes on working
	}
	return nil // open → in_progress, waiting → in_progress, in_progress → open: card only
}
