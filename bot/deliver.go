package bot

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	"github.com/ticketbot/ticketbot/store"
)

// maxPerMessage bounds how many notices one merged message carries.
const maxPerMessage = 25

// Deliver sends what the outbox holds: card redraws in place, then the notices of each chat
// merged into as few messages as the chat's spacing allows. A notice is marked sent only
// after the platform took it, and its id keys the send, so a crash in between neither loses
// nor doubles it.
func (w *Watcher) Deliver(ctx context.Context) error {
	now := w.now()
	pending, err := w.store.PendingNotices(ctx, now, 2000)
	if err != nil {
		return err
	}
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
	for _, k := range order {
		if err := ctx.Err(); err != nil {
			return err
		}
		w.deliverChat(ctx, k.platform, k.chat, byChat[k], now)
	}
	return nil
}

func (w *Watcher) deliverChat(ctx context.Context, platform, chat string, ns []store.Notice, now time.Time) {
	p, ok := w.platforms[platform]
	if !ok {
		return
	}
	var cards, msgs []store.Notice
	for _, n := range ns {
		if n.Kind == "card" {
			cards = append(cards, n)
		} else {
			msgs = append(msgs, n)
		}
	}
	w.redrawCards(ctx, p, chat, cards)

	if len(msgs) == 0 {
		return
	}
	if q := w.policy(platform, chat).Quiet; q != nil && q.Contains(now.In(w.cfg.Location)) {
		return // held; merged into one digest when the window ends
	}
	for len(msgs) > 0 {
		if !w.mayPost(platform, chat) {
			return // the rest waits for the chat's next slot, merged further meanwhile
		}
		if err := w.appSlot(ctx, platform); err != nil {
			return
		}
		batch := msgs[:min(maxPerMessage, len(msgs))]
		msgs = msgs[len(batch):]
		w.post(ctx, p, chat, batch, now)
		w.posted(platform, chat)
	}
}

// redrawCards updates each ticket's card in place once, with the newest reading.
func (w *Watcher) redrawCards(ctx context.Context, p Platform, chat string, cards []store.Notice) {
	if len(cards) == 0 {
		return
	}
	newest := map[string]store.Notice{}
	for _, n := range cards {
		newest[n.Provider+":"+n.TicketID] = n // pending is oldest first
	}
	var done []string
	for _, n := range cards {
		done = append(done, n.ID)
	}
	for _, n := range newest {
		v, ok := view(n)
		if !ok {
			continue
		}
		c, err := w.store.CardInChat(ctx, p.Name(), chat, n.Provider, n.TicketID)
		if err != nil {
			continue // no card in this chat: nothing to redraw
		}
		out, err := w.present.TicketCard(ctx, p.Name(), chat, v.Ticket)
		if err != nil {
			w.log.Error("render card", "err", err)
			continue
		}
		if err := p.Update(ctx, CardRef{Platform: p.Name(), ChatID: chat, MessageID: c.MessageID}, out); err != nil {
			// A card that cannot be updated (WeCom after its answer window) shows the change
			// with the next notice; nothing to retry.
			w.log.Info("card not updated", "platform", p.Name(), "chat_id", chat, "err", err)
		}
	}
	if err := w.store.MarkNoticesSent(ctx, done, w.now()); err != nil {
		w.log.Error("mark cards redrawn", "err", err)
	}
}

// post sends one merged message for batch.
func (w *Watcher) post(ctx context.Context, p Platform, chat string, batch []store.Notice, now time.Time) {
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
	if err != nil {
		attempts := batch[0].Attempts
		backoff := min(time.Duration(1<<min(attempts, 10))*time.Second, 10*time.Minute)
		w.log.Warn("notice delivery failed; will retry", "platform", p.Name(), "chat_id", chat, "notices", len(batch), "err", err)
		if derr := w.store.DeferNotices(ctx, ids, now.Add(backoff), err.Error()); derr != nil {
			w.log.Error("defer notices", "err", derr)
		}
		w.metrics.failed.WithLabelValues(p.Name()).Inc()
		return
	}
	if err := w.store.MarkNoticesSent(ctx, ids, w.now()); err != nil {
		w.log.Error("mark notices sent", "err", err)
	}
	w.metrics.sent.WithLabelValues(p.Name()).Inc()
	if len(batch) > 1 {
		w.metrics.coalesced.WithLabelValues(p.Name()).Add(float64(len(batch) - 1))
	}
}

// send posts a single notice in its ticket card's thread when configured, else in the chat.
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

// mayPost reports whether the chat's next slot has come.
func (w *Watcher) mayPost(platform, chat string) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	return !w.now().Before(w.nextSend[platform+"/"+chat])
}

// appSlot waits for the platform's app-wide spacing (Feishu 50/s per app, kept at 40/s):
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

// posted starts the chat's spacing when a send has finished: measured from the end, a slow
// send followed by a fast one can never crowd the platform's window.
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

// summaries posts each chat's daily summary once a day at its configured time; the store's
// delivery record makes "once" hold across restarts and replicas.
func (w *Watcher) summaries(ctx context.Context) {
	now := w.now().In(w.cfg.Location)
	minute := now.Truncate(time.Minute)
	if minute.Equal(w.summaryChecked) {
		return // once a minute is enough for a daily time
	}
	w.summaryChecked = minute
	seen := map[string]bool{}
	all, err := w.store.AllFollows(ctx)
	if err != nil {
		return
	}
	for _, f := range all {
		k := f.Platform + "/" + f.ChatID
		if seen[k] {
			continue
		}
		seen[k] = true
		at := w.policy(f.Platform, f.ChatID).Summary
		if at == "" || now.Format("15:04") < at {
			continue
		}
		fresh, err := w.store.MarkProcessed(ctx, "summary:"+k+":"+now.Format("2006-01-02"), now)
		if err != nil || !fresh {
			continue
		}
		p, ok := w.platforms[f.Platform]
		if !ok {
			continue
		}
		out, err := w.present.Summary(ctx, f.Platform, f.ChatID)
		if err != nil || out == nil {
			continue
		}
		out.Key = "summary:" + k + ":" + now.Format("2006-01-02")
		if _, err := p.Send(ctx, f.ChatID, *out); err != nil {
			w.log.Warn("daily summary failed", "chat_id", f.ChatID, "err", err)
		}
	}
}
