package command

import (
	"errors"

	"github.com/ticketbot/ticketbot/bot"
)

// AnswerNow answers at once what needs neither a vendor nor the store (bot.InstantAnswerer):
// help, and the usage hint for text that is no command or a command written wrong. It is
// the answer HandleMessage would send, given in the platform's callback response instead of
// through the queue, the dedupe and the outbox.
//
// Everything HandleMessage treats another way is left to it: a chat that is not allowed
// (told once), a reply or quote under a ticket card, files, a person over the rate limit
// (told once), a chat whose earlier answers still wait for its send rate (this one must not
// overtake them), 建单 without a title where a form or a guided create answers it, text that
// is no command from a person whose guided create may be waiting for it (draft.go: unless the
// store's memory knows no draft of theirs waits) or that names tickets (unfurl.go), and every
// command that does something. Help is not written to the audit table: it changes nothing,
// and a row per help would put the store back on this path.
func (b *Bot) AnswerNow(m bot.Message) (bot.Outgoing, bool) {
	if m.Overheard || m.RootID != "" || m.ParentID != "" || m.Quote != "" || len(m.Files) > 0 {
		return bot.Outgoing{}, false
	}
	r := &req{platform: m.Platform, chatID: m.ChatID, chatType: m.ChatType, userID: m.UserID,
		userName: m.UserName, eventID: m.EventID, messageID: m.MessageID, version: -1}
	if ok, _ := b.allowed(r); !ok || b.work.Behind(m.Platform, m.ChatID) {
		return bot.Outgoing{}, false
	}
	langs, known := b.languagesNow(m.Platform, m.ChatID, m.UserID)
	if !known {
		return bot.Outgoing{}, false // the language is the database's to say: the queue answers
	}
	cmd, err := Parse(b.words(), m.Text)
	var out bot.Outgoing
	switch {
	case errors.As(err, new(*NotCommandError)) && b.env.mayGuideCreate(m.Platform) && b.draftMayWait(m.Platform, m.ChatID, m.UserID):
		return bot.Outgoing{}, false // it may be what the person's guided create waits for (draft.go)
	case errors.As(err, new(*NotCommandError)) && len(b.env.Vendors.FindRefs(m.Text)) > 0:
		return bot.Outgoing{}, false // it names tickets: their cards answer (unfurl.go)
	case noTitle(err) && (b.env.mayOfferForm(m.Platform) || b.env.mayGuideCreate(m.Platform)):
		return bot.Outgoing{}, false // 建单 alone: the create form answers (newform.go, draft.go)
	case err != nil:
		r.speak(langs, typedEnglish(err))
		out = bot.Outgoing{Kind: bot.KindText, Body: []byte(b.env.usageHint(err, b.env.Answers.Features(r.platform), r.en)), Key: "text:" + m.MessageID}
	case cmd.Spec.Op == OpHelp:
		r.speak(langs, cmd.English)
		help, err := b.env.help(r, cmd.Topic)
		if err != nil || help == nil {
			return bot.Outgoing{}, false // HandleMessage logs and answers it
		}
		out = *help // its Body is the drawn help's, shared: read-only (bot.InstantAnswerer)
		out.Key = "card:" + m.MessageID
	default:
		return bot.Outgoing{}, false
	}
	if len(out.Body) == 0 || !b.limits.spend(r.user(), b.Now()) {
		return bot.Outgoing{}, false
	}
	return out, true
}
