package bot

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"time"

	"github.com/ticketbot/ticketbot/store"
)

// maxPerMessage bounds how many notices one merged message carries.
const maxPerMessage = 25

// watchSendWait bounds how long one call of Deliver waits for a platform's rate: Deliver
// serves every chat from one loop and keeps its own spacing, so a chat the platform still
// finds busy (answers to commands took its room) is held until the platform's RetryAt, not
// waited for, and the other chats go on.
const watchSendWait = 100 * time.Millisecond

// step is one call to a chat's platform; it reports whether a call was made (and so used the
// chat's slot).
type step func(ctx context.Context) bool

// chatWork is what one Deliver owes one chat, in order.
type chatWork struct {
	platform, chat string
	steps          []step
}

// Deliver sends what the outbox holds: each chat's notices merged into as few messages as
// its spacing allows, its daily summary and weekly report, and its cards redrawn in place. Every call to a chat
// (a message or a redraw) takes one of the chat's slots, chats taking turns, for at most
// DeliverEvery; what is left waits for the next Deliver. A notice is marked sent only after
// the platform took it, and its id keys the send, so a crash in between neither loses nor
// doubles it.
//
// A notice is leased to this process before it is posted, so two replicas never post one
// notice; what is left unsent (its chat had no room) is released for the next Deliver. A
// notice still undelivered after the retry policy's give-up time is given up, kept in the
// store with its last error and counted, never retried for ever.
func (w *Watcher) Deliver(ctx context.Context) error {
	now := w.now()
	if n, err := w.store.GiveUpNotices(ctx, now.Add(-w.cfg.Retry.GiveUpAfter), now); err != nil {
		w.log.Error("give up old notices", "err", err)
	} else if n > 0 {
		w.metrics.givenUp.Add(float64(n))
		w.log.Warn("notices given up: undelivered past their time", "notices", n, "give_up_after", w.cfg.Retry.GiveUpAfter)
	}
	pending, err := w.store.PendingNotices(ctx, now, 2000)
	if err != nil {
		return err
	}
	pending, err = w.lease(ctx, pending, now)
	if err != nil || len(pending) == 0 {
		return err
	}
	defer func() {
		ids := make([]string, len(pending))
		for i, n := range pending {
			ids[i] = n.ID
		}
		// Only those still unsent are released; the rest ended their lease when marked.
		if err := w.store.ReleaseNotices(context.WithoutCancel(ctx), ids); err != nil {
			w.log.Error("release notices", "err", err)
		}
	}()
	type chatKey struct{ platform, chat string }
	var order []chatKey
	byChat := map[chatKey][]store.Notice{}
	for _, n := range pending {
		k := chatKey{n.Platform, n.ChatID}
		if _, ok := byChat[k]; !ok {
			order = append(order, k)
		}
		byChat[k] = append(byChat[k], n)
	}
	w.metrics.queued.Set(float64(len(pending)))
	var work []*chatWork
	for _, k := range order {
		p, ok := w.platforms[k.platform]
		if !ok {
			continue
		}
		if steps := w.plan(ctx, p, k.chat, byChat[k], now); len(steps) > 0 {
			work = append(work, &chatWork{platform: k.platform, chat: k.chat, steps: steps})
		}
	}
	return w.run(ctx, work)
}

// lease takes the notices of pending that this process wins the lease of.
func (w *Watcher) lease(ctx context.Context, pending []store.Notice, now time.Time) ([]store.Notice, error) {
	if len(pending) == 0 {
		return nil, nil
	}
	ids := make([]string, len(pending))
	for i, n := range pending {
		ids[i] = n.ID
	}
	won, err := w.store.LeaseNotices(ctx, ids, now, now.Add(w.cfg.Retry.Lease))
	if err != nil {
		return nil, err
	}
	if len(won) == len(pending) {
		return pending, nil
	}
	mine := make(map[string]bool, len(won))
	for _, id := range won {
		mine[id] = true
	}
	return slices.DeleteFunc(pending, func(n store.Notice) bool { return !mine[n.ID] }), nil
}

// plan turns a chat's pending notices into the calls that deliver them: merged notices
// first (what people must read), then reminders (one per ticket), the daily summary and the
// weekly report, then card redraws. Quiet hours hold the messages, not the redraws, which
// make no sound.
func (w *Watcher) plan(ctx context.Context, p Platform, chat string, ns []store.Notice, now time.Time) []step {
	var cards, msgs, summaries, reports, reminders []store.Notice
	for _, n := range ns {
		switch n.Kind {
		case "card":
			cards = append(cards, n)
		case kindSummary:
			summaries = append(summaries, n)
		case kindReport:
			reports = append(reports, n)
		case kindRemind, kindEscalate:
			reminders = append(reminders, n)
		default:
			msgs = append(msgs, n)
		}
	}
	var steps []step
	if q := w.policy(p.Name(), chat).Quiet; q == nil || !q.Contains(now.In(w.cfg.Location)) {
		for len(msgs) > 0 {
			batch := msgs[:min(maxPerMessage, len(msgs))]
			msgs = msgs[len(batch):]
			steps = append(steps, func(ctx context.Context) bool { return w.post(ctx, p, chat, batch, now) })
		}
		steps = append(steps, w.reminderSteps(p, chat, reminders, now)...)
		if len(summaries) > 0 {
			steps = append(steps, func(ctx context.Context) bool { return w.postSummary(ctx, p, chat, summaries, now) })
		}
		if len(reports) > 0 {
			steps = append(steps, func(ctx context.Context) bool { return w.postReport(ctx, p, chat, reports, now) })
		}
	}
	return append(steps, w.redraws(p, chat, cards)...)
}

// run makes the calls, one per chat in turn as each chat's slot comes, until all are made or
// the next slot is further away than what is left of DeliverEvery. A call the platform had
// no room for (BusyError) moves the chat's slot to the platform's RetryAt and is made again
// then, here or in a later Deliver.
func (w *Watcher) run(ctx context.Context, work []*chatWork) error {
	ctx = WithSendWait(ctx, watchSendWait)
	deadline := time.Now().Add(w.cfg.DeliverEvery)
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		busy, progressed, wait := false, false, time.Duration(0)
		for _, cw := range work {
			if len(cw.steps) == 0 {
				continue
			}
			busy = true
			if d := w.slotIn(cw.platform, cw.chat); d > 0 {
				if wait == 0 || d < wait {
					wait = d
				}
				continue
			}
			if err := w.appSlot(ctx, cw.platform); err != nil {
				return err
			}
			if cw.steps[0](ctx) {
				w.posted(cw.platform, cw.chat)
				cw.steps = cw.steps[1:]
			} else if w.slotIn(cw.platform, cw.chat) == 0 {
				cw.steps = cw.steps[1:] // nothing was sent: no card to redraw, say
			} // else the platform had no room (hold): the step goes again at the chat's slot
			progressed = true
		}
		switch {
		case !busy:
			return nil
		case progressed:
			continue
		case wait > time.Until(deadline):
			return nil // the rest waits for the chat's next slot, merged further meanwhile
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-t.C:
		}
	}
}

// redraw is one card to draw again with the newest reading of its ticket.
type redraw struct {
	card     string // message id; "" for the chat's first card of the ticket
	rank     int
	view     NoticeView
	provider string
	ticketID string
	ids      []string // the card notices it settles
}

// redraws plans the card redraws of a chat: each card once, with the newest reading of its
// ticket; every ticket's newest card before anyone's older ones.
func (w *Watcher) redraws(p Platform, chat string, cards []store.Notice) []step {
	byCard := map[string]*redraw{}
	var order []*redraw
	for _, n := range cards { // oldest first: a later notice has the newer reading
		var pl noticePayload
		if err := json.Unmarshal(n.Payload, &pl); err != nil {
			pl = noticePayload{}
		}
		k := pl.Card
		if k == "" {
			k = "first:" + n.Provider + ":" + n.TicketID
		}
		r, ok := byCard[k]
		if !ok {
			r = &redraw{card: pl.Card, provider: n.Provider, ticketID: n.TicketID}
			byCard[k] = r
			order = append(order, r)
		}
		r.rank, r.view = pl.Rank, pl.View
		r.ids = append(r.ids, n.ID)
	}
	slices.SortStableFunc(order, func(a, b *redraw) int { return a.rank - b.rank })
	steps := make([]step, 0, len(order))
	for _, r := range order {
		steps = append(steps, func(ctx context.Context) bool { return w.redrawCard(ctx, p, chat, r) })
	}
	return steps
}

// redrawCard updates one card in place. A card that cannot be updated (on one platform, outside
// a click's answer) shows the change with the next notice; nothing is retried, except a redraw
// the platform had no room for, which waits for the chat's next slot.
func (w *Watcher) redrawCard(ctx context.Context, p Platform, chat string, r *redraw) bool {
	held := false
	defer func() {
		if held {
			return // drawn when the chat has room
		}
		if err := w.store.MarkNoticesSent(ctx, r.ids, w.now()); err != nil {
			w.log.Error("mark cards redrawn", "err", err)
		}
	}()
	msg := r.card
	if msg == "" {
		c, err := w.store.CardInChat(ctx, p.Name(), chat, r.provider, r.ticketID)
		if err != nil {
			return false // no card in this chat: nothing to redraw
		}
		msg = c.MessageID
	}
	if r.view.Ticket.ID == "" {
		return false
	}
	out, err := w.present.TicketCard(ctx, p.Name(), chat, r.view.Ticket)
	if err != nil {
		w.log.Error("render card", "platform", p.Name(), "chat_id", chat, "ticket_id", r.ticketID, "err", err)
		return false
	}
	err = p.Update(ctx, CardRef{Platform: p.Name(), ChatID: chat, MessageID: msg}, out)
	if held = w.hold(p.Name(), chat, err); held {
		return false
	}
	if err != nil {
		w.log.Info("card not updated", "platform", p.Name(), "chat_id", chat, "ticket_id", r.ticketID, "err", err)
	}
	return !errors.Is(err, ErrCannotUpdate)
}

// hold reports whether err says the chat has no room (a BusyError), and if so holds the
// chat's calls until then: not a failure, so nothing is deferred or counted against the
// notices, which wait in the outbox to be merged further.
func (w *Watcher) hold(platform, chat string, err error) bool {
	until, busy := BusyUntil(err)
	if !busy {
		return false
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	k := platform + "/" + chat
	if until.After(w.nextSend[k]) {
		w.nextSend[k] = until
	}
	w.metrics.busy.WithLabelValues(platform).Inc()
	w.log.Info("chat over its send rate; its notices wait", "platform", platform, "chat_id", chat, "retry_at", until)
	return true
}

// post sends one merged message for batch; it reports whether the chat's slot was used (not
// when the chat had no room).
func (w *Watcher) post(ctx context.Context, p Platform, chat string, batch []store.Notice, now time.Time) bool {
	views := make([]NoticeView, 0, len(batch))
	ids := make([]string, 0, len(batch))
	for _, n := range batch {
		ids = append(ids, n.ID)
		if v, ok := view(n); ok {
			views = append(views, v)
		}
	}
	out, err := w.present.Notices(ctx, p.Name(), chat, views)
	if err == nil {
		// The first notice's id keys the send: a retry after a crash posts nothing new.
		out.Key = "notice:" + batch[0].ID
		err = w.send(ctx, p, chat, batch, out)
	}
	if w.hold(p.Name(), chat, err) {
		return false
	}
	if err != nil {
		w.deferNotices(ctx, p.Name(), chat, batch, now, err)
		return true
	}
	if err := w.store.MarkNoticesSent(ctx, ids, w.now()); err != nil {
		w.log.Error("mark notices sent", "err", err)
	}
	w.metrics.sent.WithLabelValues(p.Name()).Inc()
	if len(batch) > 1 {
		w.metrics.coalesced.WithLabelValues(p.Name()).Add(float64(len(batch) - 1))
	}
	return true
}

// deferNotices puts a batch whose delivery failed off, with the retry policy's backoff by its
// attempts.
func (w *Watcher) deferNotices(ctx context.Context, platform, chat string, batch []store.Notice, now time.Time, cause error) {
	ids := make([]string, 0, len(batch))
	for _, n := range batch {
		ids = append(ids, n.ID)
	}
	backoff := w.cfg.Retry.Backoff(batch[0].Attempts + 1)
	w.log.Warn("notice delivery failed; will retry", "platform", platform, "chat_id", chat, "notices", len(batch), "err", cause)
	if err := w.store.DeferNotices(ctx, ids, now.Add(backoff), cause.Error()); err != nil {
		w.log.Error("defer notices", "err", err)
	}
	w.metrics.failed.WithLabelValues(platform).Inc()
}

// send posts a single notice in the thread of its ticket's first card in the chat (the
// conversation stays in one thread however many cards were posted since), when configured;
// else in the chat.
func (w *Watcher) send(ctx context.Context, p Platform, chat string, batch []store.Notice, out Outgoing) error {
	if w.cfg.InThread && len(batch) == 1 {
		if c, err := w.store.CardInChat(ctx, p.Name(), chat, batch[0].Provider, batch[0].TicketID); err == nil {
			_, err := p.Reply(ctx, CardRef{Platform: p.Name(), ChatID: chat, MessageID: c.MessageID}, out)
			return err
		} else if !errors.Is(err, store.ErrNotFound) {
			return err
		}
	}
	_, err := p.Send(ctx, chat, out)
	return err
}

// slotIn is how long until the chat's next slot (0 when it has come).
func (w *Watcher) slotIn(platform, chat string) time.Duration {
	w.mu.Lock()
	defer w.mu.Unlock()
	return max(w.nextSend[platform+"/"+chat].Sub(w.now()), 0)
}

// appSlot waits for the platform's app-wide spacing (one platform's 50/s per app, kept at 40/s):
// sends are sequential, so waiting here is all the limiter needs.
func (w *Watcher) appSlot(ctx context.Context, platform string) error {
	gap := w.cfg.AppInterval[platform]
	if gap <= 0 {
		return nil
	}
	w.mu.Lock()
	wait := time.Until(w.appNext[platform])
	w.appNext[platform] = time.Now().Add(max(wait, 0) + gap)
	w.mu.Unlock()
	if wait <= 0 {
		return nil
	}
	t := time.NewTimer(wait)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// posted starts the chat's spacing when a call has finished: measured from the end, a slow
// call followed by a fast one can never crowd the platform's window.
func (w *Watcher) posted(platform, chat string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.nextSend[platform+"/"+chat] = w.now().Add(w.cfg.ChatInterval[platform])
}

func view(n store.Notice) (NoticeView, bool) {
	var p noticePayload
	if err := json.Unmarshal(n.Payload, &p); err != nil {
		return NoticeView{}, false
	}
	return p.View, true
}
