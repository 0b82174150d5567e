package bot

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/ticketbot/ticketbot/store"
)

// The outbox kinds of what is posted on a schedule: a daily summary, a weekly report.
const (
	kindSummary = "summary"
	kindReport  = "report"
)

// reportPayload is what a weekly report's notice carries: the end of the week it reports
// (its scheduled time), so a report held by quiet hours or a failed send still shows its week.
type reportPayload struct {
	Until time.Time `json:"until"`
}

// summaries records each chat's daily summary and weekly report in the outbox once their
// time has come (in the configured zone), keyed by chat and day: the key makes "once a day"
// and "once a week" hold across restarts and replicas, and the outbox sends them like a
// notice. Each is marked sent only after the platform took it (a failed send is retried,
// keyed, so never doubled), and quiet hours hold it until they end. A time that came while
// no replica ran is caught up the same day, not later.
func (w *Watcher) summaries(ctx context.Context) {
	now := w.now().In(w.cfg.Location)
	minute := now.Truncate(time.Minute)
	if minute.Equal(w.summaryChecked) {
		return // once a minute is enough for a daily or weekly time
	}
	w.summaryChecked = minute
	all, err := w.store.AllFollows(ctx)
	if err != nil {
		w.log.Error("daily summaries and weekly reports", "err", err)
		return
	}
	seen := map[string]bool{}
	for _, f := range all {
		k := f.Platform + "/" + f.ChatID
		if seen[k] {
			continue
		}
		seen[k] = true
		pol := w.policy(f.Platform, f.ChatID)
		if at := pol.Summary; at != "" && now.Format("15:04") >= at {
			w.schedule(ctx, store.Notice{ID: kindSummary + ":" + k + ":" + now.Format("2006-01-02"), Platform: f.Platform, ChatID: f.ChatID,
				Kind: kindSummary, CreatedAt: w.now()})
		}
		if pol.Report == nil {
			continue
		}
		if until, due := pol.Report.due(now); due {
			b, _ := json.Marshal(reportPayload{Until: until})
			w.schedule(ctx, store.Notice{ID: kindReport + ":" + k + ":" + now.Format("2006-01-02"), Platform: f.Platform, ChatID: f.ChatID,
				Kind: kindReport, Payload: b, CreatedAt: w.now()})
		}
	}
}

// schedule records a scheduled post unless its key was recorded before.
func (w *Watcher) schedule(ctx context.Context, n store.Notice) {
	fresh, err := w.store.EnqueueNotice(ctx, n)
	if err != nil {
		w.log.Error("record "+n.Kind, "platform", n.Platform, "chat_id", n.ChatID, "err", err)
		return
	}
	if fresh {
		w.poke()
	}
}

// postSummary posts a chat's pending daily summary, rendered now.
func (w *Watcher) postSummary(ctx context.Context, p Platform, chat string, ns []store.Notice, now time.Time) bool {
	return w.postScheduled(ctx, p, chat, ns, now, func(store.Notice) (*Outgoing, error) {
		return w.present.Summary(ctx, p.Name(), chat)
	})
}

// postReport posts a chat's pending weekly report, of the week its notice names.
func (w *Watcher) postReport(ctx context.Context, p Platform, chat string, ns []store.Notice, now time.Time) bool {
	return w.postScheduled(ctx, p, chat, ns, now, func(n store.Notice) (*Outgoing, error) {
		var pl reportPayload
		if err := json.Unmarshal(n.Payload, &pl); err != nil || pl.Until.IsZero() {
			return nil, fmt.Errorf("weekly report %s: no week in %q", n.ID, n.Payload)
		}
		return w.present.Report(ctx, p.Name(), chat, pl.Until)
	})
}

// postScheduled posts the newest of a chat's pending scheduled notices of one kind, drawn
// now: older ones (held while the platform was down) are settled with it. Nothing to say
// (draw gives nil) settles them too.
func (w *Watcher) postScheduled(ctx context.Context, p Platform, chat string, ns []store.Notice, now time.Time,
	draw func(store.Notice) (*Outgoing, error)) bool {
	n := ns[len(ns)-1]
	ids := make([]string, 0, len(ns))
	for _, x := range ns {
		ids = append(ids, x.ID)
	}
	out, err := draw(n)
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
	if err := w.store.MarkNoticesSent(ctx, ids, w.now()); err != nil {
		w.log.Error("mark "+n.Kind+" sent", "platform", p.Name(), "chat_id", chat, "err", err)
	}
	return out != nil
}
