package bot

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/ticketbot/ticketbot/providers"
	"github.com/ticketbot/ticketbot/store"
)

// NoticeNew is the notice of a ticket a chat's subscription found: one the group did not
// follow before, opened anywhere (the vendor's console, a colleague elsewhere).
const NoticeNew = "new"

// SubscriptionPages bounds the list pages one subscription reads in one sweep (2,000 tickets
// in pages of 100): a window beyond them is a burst no group would read ticket by ticket.
const SubscriptionPages = 20

// SubscriptionBy is the Follow.By of a follow subscription n made (the watcher's and 订阅's).
func SubscriptionBy(n int64) string { return fmt.Sprintf("subscription:%d", n) }

// SubscriptionFollows is what a subscription's sweep needs of the store beyond the watcher's.
type SubscriptionFollows interface {
	AllSubscriptions(ctx context.Context) ([]store.Subscription, error)
	AdvanceSubscription(ctx context.Context, platform, chatID string, n int64, cursor time.Time) error
	Follow(ctx context.Context, f store.Follow) error
}

// SweepSubscriptions finds each subscription's new tickets with its vendor's list
// (providers.Lister) and makes its chat follow them, with a notice of each. A subscription
// with states lists the tickets in those states each sweep (a ticket may enter them long
// after it was opened); one without lists only the tickets created since its cursor, page
// by page, and moves the cursor to the newest it read. A ticket is posted once: its notice is
// keyed by the chat and the ticket, and the follow is written after it, so a crash between
// the two finds the ticket again and posts nothing new.
func (w *Watcher) SweepSubscriptions(ctx context.Context) error {
	subs, err := w.store.AllSubscriptions(ctx)
	if err != nil {
		return err
	}
	for _, sub := range subs {
		if err := ctx.Err(); err != nil {
			return err
		}
		p, ok := w.providers[sub.Provider]
		if !ok || !providers.Can(p).List {
			continue
		}
		if _, ok := w.platforms[sub.Platform]; !ok {
			continue // a platform this process does not run: its chats are another's
		}
		found, err := w.sweepSubscription(ctx, p, sub)
		if err != nil {
			w.log.Warn("subscription sweep failed", "provider", sub.Provider, "platform", sub.Platform, "chat_id", sub.ChatID,
				"subscription", sub.N, "err", err)
		}
		if found > 0 {
			w.metrics.subscribed.WithLabelValues(sub.Provider).Add(float64(found))
			w.poke()
		}
	}
	return nil
}

// sweepSubscription reads one subscription's window and adopts what is new in it.
func (w *Watcher) sweepSubscription(ctx context.Context, p providers.Provider, sub store.Subscription) (found int, err error) {
	byState := len(sub.Statuses) > 0
	q := providers.ListQuery{Filters: sub.Filters, Size: providers.ListPageSize(p)}
	for _, s := range sub.Statuses {
		q.Statuses = append(q.Statuses, providers.Status(s))
	}
	from := sub.Cursor.Add(-providers.FindSkew)
	if !byState {
		q.CreatedFrom = from
	}
	// The cursor is the newest creation time read, by the vendor's clock; where the list shows
	// none (the vendor applied the window itself), the time this sweep began, by ours.
	newest, undated, began := sub.Cursor, false, w.now()
	complete, calls, err := providers.ListEach(ctx, p, q, SubscriptionPages, func(t providers.Ticket) error {
		if byState && !slices.Contains(sub.Statuses, string(t.Status)) {
			return nil // the vendor's list narrowed to a superset
		}
		if !byState && !t.CreatedAt.IsZero() && t.CreatedAt.Before(from) {
			return nil
		}
		fresh, err := w.adopt(ctx, p, sub, t)
		if fresh {
			found++
		}
		if t.CreatedAt.IsZero() {
			undated = true
		} else if t.CreatedAt.After(newest) {
			newest = t.CreatedAt
		}
		return err
	})
	w.metrics.vendorCalls.WithLabelValues(p.Name()).Add(float64(calls))
	if err != nil {
		return found, err
	}
	if undated && complete && began.After(newest) {
		newest = began
	}
	// A window longer than the pages (a long outage, a burst): what was read is kept and the
	// cursor moves past it, so the sweep goes on making progress rather than reading the same
	// pages for ever. A vendor that lists newest first leaves the window's oldest unread.
	if !byState && newest.After(sub.Cursor) {
		if err := w.store.AdvanceSubscription(ctx, sub.Platform, sub.ChatID, sub.N, newest); err != nil {
			return found, err
		}
	}
	if !complete {
		return found, fmt.Errorf("more than %d pages: the rest of the window is not read", SubscriptionPages)
	}
	return found, nil
}

// adopt makes the subscription's chat follow t, with a notice of it, unless it follows t
// already; it reports whether t was new to the chat.
func (w *Watcher) adopt(ctx context.Context, p providers.Provider, sub store.Subscription, t providers.Ticket) (bool, error) {
	fs, err := w.store.Followers(ctx, t.Provider, t.ID)
	if err != nil {
		return false, err
	}
	if slices.ContainsFunc(fs, func(f store.Follow) bool { return f.Platform == sub.Platform && f.ChatID == sub.ChatID }) {
		return false, nil
	}
	if t.Title == "" {
		// A list entry that names no title: the notice needs one.
		w.metrics.vendorCalls.WithLabelValues(p.Name()).Inc()
		full, err := p.Get(ctx, t.ID)
		if err != nil {
			return false, err
		}
		t = full
	}
	if _, err := w.tickets.Baseline(ctx, t); err != nil {
		return false, err
	}
	n := w.notice(sub.Platform, sub.ChatID, t.Provider, t.ID, NoticeNew,
		noticePayload{View: NoticeView{Ticket: t, Kind: NoticeNew, Priority: "normal", Subscription: sub.N}})
	n.ID = "sub:" + sub.Platform + "/" + sub.ChatID + ":" + t.Provider + ":" + t.ID
	if _, err := w.store.EnqueueNotice(ctx, n); err != nil {
		return false, err
	}
	err = w.store.Follow(ctx, store.Follow{Platform: sub.Platform, ChatID: sub.ChatID, Provider: t.Provider, TicketID: t.ID,
		By: SubscriptionBy(sub.N), CreatedAt: w.now()})
	if err != nil {
		return false, err
	}
	return true, nil
}
