package bot

import (
	"context"
	"time"

	"github.com/ticketbot/ticketbot/store"
)

// kindSummary is the outbox kind of a daily summary.
const kindSummary = "summary"

// summaries records each chat's daily summary in the outbox once its time has come (in the
// configured zone), keyed by chat and day: the key makes "once a day" hold across restarts
// and replicas, and the outbox sends it like a notice. It is marked sent only after the
// platform took it (a failed send is retried, keyed, so never doubled), and quiet hours hold
// it until they end.
func (w *Watcher) summaries(ctx context.Context) {
	now := w.now().In(w.cfg.Location)
	minute := now.Truncate(time.Minute)
	if minute.Equal(w.summaryChecked) {
		return // once a minute is enough for a daily time
	}
	w.summaryChecked = minute
	all, err := w.store.AllFollows(ctx)
	if err != nil {
		w.log.Error("daily summaries", "err", err)
		return
	}
	seen := map[string]bool{}
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
		n := store.Notice{ID: kindSummary + ":" + k + ":" + now.Format("2006-01-02"), Platform: f.Platform, ChatID: f.ChatID,
			Kind: kindSummary, CreatedAt: w.now()}
		fresh, err := w.store.EnqueueNotice(ctx, n)
		if err != nil {
			w.log.Error("record daily summary", "platform", f.Platform, "chat_id", f.ChatID, "err", err)
			continue
		}
		if fresh {
			w.poke()
		}
	}
}

// postSummary posts a chat's pending daily summary, rendered now. Only the newest is worth
// posting: older ones (held while the platform was down) are settled with it.
func (w *Watcher) postSummary(ctx context.Context, p Platform, chat string, ns []store.Notice, now time.Time) bool {
	n := ns[len(ns)-1]
	ids := make([]string, 0, len(ns))
	for _, x := range ns {
		ids = append(ids, x.ID)
	}
	out, err := w.present.Summary(ctx, p.Name(), chat)
	if err != nil {
		w.deferNotices(ctx, p.Name(), chat, ns, now, err)
		return false
	}
	if out != nil {
		out.Key = "notice:" + n.ID
		if _, err := p.Send(ctx, chat, *out); err != nil {
			if w.hold(p.Name(), chat, err) {
				return false
			}
			w.deferNotices(ctx, p.Name(), chat, ns, now, err)
			return true
		}
		w.metrics.sent.WithLabelValues(p.Name()).Inc()
	}
	// Nothing open is nothing to say; either way today's summary is done.
	if err := w.store.MarkNoticesSent(ctx, ids, w.now()); err != nil {
		w.log.Error("mark daily summary sent", "platform", p.Name(), "chat_id", chat, "err", err)
	}
	return out != nil
}
