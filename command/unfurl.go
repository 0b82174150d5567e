package command

import (
	"context"
	"log/slog"

	"github.com/ticketbot/ticketbot/bot"
)

// A message that names tickets ("<vendor>:1204", a link to a ticket's page in the vendor's
// console) and is no command gets their cards: said to the bot, or pasted in a chat that
// unfurls ([[chats]] unfurl = true), where the bot reads what is not said to it. There, only
// tickets it can show are answered: chatter that merely looks like a reference gets nothing.

// unfurl answers the tickets text names with their cards; it reports whether it named any.
// overheard marks a message not said to the bot: a ticket it cannot show is passed over.
func (b *Bot) unfurl(ctx context.Context, r *req, text string, overheard bool, log *slog.Logger) bool {
	refs := b.env.Vendors.FindRefs(text)
	if len(refs) == 0 {
		return false
	}
	for _, ref := range refs {
		if _, ok := b.env.Providers.Provider(ref.Provider); !ok && overheard {
			continue
		}
		cmd := Command{Spec: specFor(OpShow), Ticket: TicketRef{Provider: ref.Provider, ID: ref.ID}}
		o := b.run(ctx, r, cmd, log)
		if overheard && o.ticket == nil {
			log.Info("a pasted ticket reference was not shown", "provider", ref.Provider, "ticket_id", ref.ID, "result", o.level)
			continue
		}
		actx, cancel := bot.AnswerContext(ctx, answerWait)
		b.deliverTyped(actx, r, o, log)
		cancel()
	}
	return true
}

// Unfurls reports whether an overheard message is for the bot after all: it names a ticket
// and its chat unfurls. It is asked on the ack path, so it reads no store.
func (b *Bot) Unfurls(m bot.Message) bool {
	c := b.cfg.chat(m.Platform, m.ChatID)
	return c != nil && c.Unfurl && len(b.env.Vendors.FindRefs(m.Text)) > 0
}

// buttonWord reports whether a word is a card's own step (confirm, card): typed, it is told
// it is no command rather than read as a message naming a ticket.
func buttonWord(w string) bool {
	spec, _ := lookup(w, true)
	return spec != nil
}
