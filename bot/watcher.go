package bot

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"log/slog"
	"math/big"
	"slices"
	"sync"
	"time"

	"github.com/ticketbot/ticketbot/providers"
	"github.com/ticketbot/ticketbot/retry"
	"github.com/ticketbot/ticketbot/store"
	"github.com/ticketbot/ticketbot/tickets"
)

// Presenter renders what the watcher posts; the handlers package implements it, so a card
// redrawn by the watcher is the same card a command would draw.
type Presenter interface {
	// TicketCard renders the ticket's card for one chat.
	TicketCard(ctx context.Context, platform, chatID string, t providers.Ticket) (Outgoing, error)
	// Notices renders one message announcing one or more changes to a chat.
	Notices(ctx context.Context, platform, chatID string, ns []NoticeView) (Outgoing, error)
	// Summary renders the daily summary of the tickets a chat follows (nil when none is open).
	Summary(ctx context.Context, platform, chatID string) (*Outgoing, error)
	// Report renders the weekly report of the tickets a chat follows, for the week that ends
	// at until (nil when the week has nothing to show).
	Report(ctx context.Context, platform, chatID string, until time.Time) (*Outgoing, error)
	// Reminder renders a reminder of a ticket that waits on us, or its post in an
	// escalation chat (remind.go).
	Reminder(ctx context.Context, platform, chatID string, r ReminderView) (Outgoing, error)
}

// ChatPolicy is a chat's notification settings ([[chats]]).
type ChatPolicy struct {
	// Notify names the status notices that go out (see NoticeKinds); nil means
	// DefaultNotify, the status model's policy.
	Notify map[string]bool
	// MuteNotes silences new vendor replies.
	MuteNotes bool
	// Quiet holds notices during a daily window; they go out as one digest when it ends.
	Quiet *Window
	// Summary is the time of day ("09:30") a summary of open tickets is posted; "" for none.
	Summary string
	// Report is when the weekly report is posted; nil for none.
	Report *Weekly
	// Remind is the chat's reminder schedule of tickets that wait on us; nil for none.
	Remind *Reminders
	// Admins are the chat's admins (platform user ids), @-mentioned when a reminder
	// escalates.
	Admins []string
}

// Weekly is a time of the week in the watcher's zone: a day and a time of day.
type Weekly struct {
	Day time.Weekday
	At  time.Duration // from midnight
}

// due is the time of the week that falls on now's day, if it is that day and the time has
// come: the weekly report is due from then until the day ends, as the daily summary is.
func (w Weekly) due(now time.Time) (time.Time, bool) {
	at := time.Date(now.Year(), now.Month(), now.Day(), int(w.At/time.Hour), int(w.At%time.Hour/time.Minute), 0, 0, now.Location())
	return at, now.Weekday() == w.Day && !now.Before(at)
}

// Window is a daily time window in the watcher's zone, possibly spanning midnight.
type Window struct{ From, To time.Duration } // offsets from midnight

// Contains reports whether t falls in the window.
func (w Window) Contains(t time.Time) bool {
	d := time.Duration(t.Hour())*time.Hour + time.Duration(t.Minute())*time.Minute
	if w.From <= w.To {
		return d >= w.From && d < w.To
	}
	return d >= w.From || d < w.To
}

// WatchConfig tunes the watcher; zero values take the defaults.
type WatchConfig struct {
	Interval     time.Duration // between sweeps (60 s)
	Concurrency  int           // vendor calls at once per provider without batching (4)
	Batch        int           // ids per batch call (100)
	ClosedEvery  int           // closed tickets are refreshed every Nth sweep (10)
	ClosedFor    time.Duration // and not at all once closed this long (72 h)
	DeliverEvery time.Duration // outbox poll (1 s)
	// InThread posts a single notice in the thread of the ticket's first card in the chat
	// (on a platform with threads) rather than in the chat.
	InThread bool
	// ChatInterval spaces messages to one chat per platform, so each platform's limit holds
	// even in a burst (bot.Pacing of the registered platforms).
	ChatInterval map[string]time.Duration
	// AppInterval spaces messages across all chats of a platform.
	AppInterval map[string]time.Duration
	// Location is the zone of quiet hours, summaries and weekly reports ([bot] timezone;
	// Asia/Shanghai).
	Location *time.Location
	// NotesEvery is how often each open ticket's notes are read, for vendors whose batch read
	// carries no notes (Capabilities.BatchOmitsNotes; 5 min). A ticket whose status changed
	// has its notes read in the same sweep.
	NotesEvery time.Duration
	// NotesBudget bounds the note reads of one sweep per such vendor (30); status changes go
	// first, then the open tickets checked longest ago, so every ticket gets its turn.
	NotesBudget int
	// Retry is how undelivered notices are retried, leased and given up ([bot.retry]).
	Retry retry.Policy
	// Now is the clock (time.Now); tests inject one.
	Now func() time.Time
}

func (c *WatchConfig) defaults() {
	if c.Retry == (retry.Policy{}) {
		c.Retry = retry.Default
	}
	if c.Interval <= 0 {
		c.Interval = time.Minute
	}
	if c.Concurrency <= 0 {
		c.Concurrency = 4
	}
	if c.Batch <= 0 {
		c.Batch = 100
	}
	if c.ClosedEvery <= 0 {
		c.ClosedEvery = 10
	}
	if c.ClosedFor <= 0 {
		c.ClosedFor = 72 * time.Hour
	}
	if c.DeliverEvery <= 0 {
		c.DeliverEvery = time.Second
	}
	// The spacing is each platform's own (PlatformDescriptor); the app passes it in. None
	// given spaces nothing.
	if c.ChatInterval == nil {
		c.ChatInterval = map[string]time.Duration{}
	}
	if c.AppInterval == nil {
		c.AppInterval = map[string]time.Duration{}
	}
	if c.Location == nil {
		c.Location = DefaultLocation()
	}
	if c.NotesEvery <= 0 {
		c.NotesEvery = 5 * time.Minute
	}
	if c.NotesBudget <= 0 {
		c.NotesBudget = 30
	}
	if c.Now == nil {
		c.Now = time.Now
	}
}

// DefaultLocation is Asia/Shanghai, where our users are; a machine without a zone database
// (and a binary without time/tzdata) gets its fixed equivalent, since China has had no
// daylight saving time since 1991.
func DefaultLocation() *time.Location {
	if loc, err := time.LoadLocation("Asia/Shanghai"); err == nil {
		return loc
	}
	return time.FixedZone("CST", 8*3600)
}

// Watcher refreshes every followed ticket, turns changes that matter into notices in the
// store's outbox, and delivers them: cards updated in place, notices in the chat.
type Watcher struct {
	cfg       WatchConfig
	store     WatchStore
	tickets   *tickets.Book
	providers map[string]providers.Provider
	platforms map[string]Platform
	present   Presenter
	policy    func(platform, chatID string) ChatPolicy
	log       *slog.Logger
	metrics   *WatchMetrics
	now       func() time.Time

	sweeps         int
	summaryChecked time.Time
	remindChecked  time.Time
	mu             sync.Mutex
	nextSend       map[string]time.Time // platform/chat -> earliest next message
	appNext        map[string]time.Time // platform -> earliest next message of the app
	wake           chan struct{}

	notesMu      sync.Mutex
	notesChecked map[string]map[string]time.Time // provider -> ticket id -> last note read
}

// NewWatcher builds a watcher. policy may be nil (default policy everywhere).
func NewWatcher(cfg WatchConfig, st WatchStore, provs map[string]providers.Provider, platforms map[string]Platform,
	present Presenter, policy func(platform, chatID string) ChatPolicy, m *WatchMetrics, log *slog.Logger) *Watcher {
	cfg.defaults()
	if policy == nil {
		policy = func(string, string) ChatPolicy { return ChatPolicy{} }
	}
	if m == nil {
		m = NewWatchMetrics(nil)
	}
	w := &Watcher{cfg: cfg, store: st, providers: provs, platforms: platforms, present: present, policy: policy,
		log: log, metrics: m, now: cfg.Now, nextSend: map[string]time.Time{}, appNext: map[string]time.Time{}, wake: make(chan struct{}, 1),
		notesChecked: map[string]map[string]time.Time{}}
	w.tickets = tickets.New(st, func() time.Time { return w.now() })
	return w
}

// Run sweeps on the interval (with jitter, so replicas and restarts do not align) and
// delivers the outbox until ctx ends.
func (w *Watcher) Run(ctx context.Context) error {
	deliver := time.NewTicker(w.cfg.DeliverEvery)
	defer deliver.Stop()
	sweep := time.NewTimer(jitter(w.cfg.Interval / 10))
	defer sweep.Stop()
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-sweep.C:
			if err := w.Sweep(ctx); err != nil && !errors.Is(err, context.Canceled) {
				w.log.Error("watch sweep", "err", err)
			}
			sweep.Reset(w.cfg.Interval + jitter(w.cfg.Interval/10))
			w.poke()
		case <-deliver.C:
		case <-w.wake:
		}
		w.summaries(ctx)
		w.reminders(ctx)
		if err := w.Deliver(ctx); err != nil && !errors.Is(err, context.Canceled) {
			w.log.Error("watch delivery", "err", err)
		}
	}
}

// poke makes Run deliver now.
func (w *Watcher) poke() {
	select {
	case w.wake <- struct{}{}:
	default:
	}
}

func jitter(max time.Duration) time.Duration {
	if max <= 0 {
		return 0
	}
	n, err := rand.Int(rand.Reader, big.NewInt(int64(max)))
	if err != nil {
		return 0
	}
	return time.Duration(n.Int64())
}

// watched is a ticket to refresh with its last seen state.
type watched struct {
	state     store.TicketState
	followers []store.Follow
}

// Sweep refreshes every followed ticket once and records what changed.
func (w *Watcher) Sweep(ctx context.Context) error {
	start := w.now()
	w.sweeps++
	states, err := w.store.Tickets(ctx, "")
	if err != nil {
		return err
	}
	follows, err := w.followers(ctx)
	if err != nil {
		return err
	}
	byProvider := map[string][]watched{}
	followed := 0
	for _, st := range states {
		fs := follows[st.Provider+":"+st.TicketID]
		if len(fs) == 0 {
			continue // followed by no group: not polled (§5)
		}
		followed++
		if providers.Status(st.Status).Terminal() {
			if start.Sub(st.UpdatedAt) > w.cfg.ClosedFor || w.sweeps%w.cfg.ClosedEvery != 1%w.cfg.ClosedEvery {
				continue // closed tickets are polled less, then not at all
			}
		}
		byProvider[st.Provider] = append(byProvider[st.Provider], watched{state: st, followers: fs})
	}
	w.metrics.followed.Set(float64(followed))
	var wg sync.WaitGroup
	for name, ws := range byProvider {
		p, ok := w.providers[name]
		if !ok {
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			w.refresh(ctx, p, ws)
		}()
	}
	wg.Wait()
	// After the refresh: what a subscription finds now is read in full by the next sweep.
	if err := w.SweepSubscriptions(ctx); err != nil && ctx.Err() == nil {
		w.log.Error("subscription sweep", "err", err)
	}
	w.metrics.sweepSeconds.Observe(w.now().Sub(start).Seconds())
	return ctx.Err()
}

// followers maps "provider:id" to the chats following the ticket.
func (w *Watcher) followers(ctx context.Context) (map[string][]store.Follow, error) {
	all, err := w.store.AllFollows(ctx)
	if err != nil {
		return nil, err
	}
	m := make(map[string][]store.Follow, len(all))
	for _, f := range all {
		k := f.Provider + ":" + f.TicketID
		m[k] = append(m[k], f)
	}
	return m, nil
}

// refresh reads one provider's tickets, batched where the vendor allows.
func (w *Watcher) refresh(ctx context.Context, p providers.Provider, ws []watched) {
	byID := make(map[string]watched, len(ws))
	for _, x := range ws {
		byID[x.state.TicketID] = x
	}
	if caps := providers.Can(p); caps.Batch {
		var read []reading
		for i := 0; i < len(ws); i += w.cfg.Batch {
			chunk := ws[i:min(i+w.cfg.Batch, len(ws))]
			ids := make([]string, len(chunk))
			for j, x := range chunk {
				ids[j] = x.state.TicketID
			}
			w.metrics.vendorCalls.WithLabelValues(p.Name()).Inc()
			ts, err := providers.GetMany(ctx, p, ids)
			if err != nil {
				w.log.Warn("batch refresh failed", "provider", p.Name(), "err", err)
				continue
			}
			for _, t := range ts {
				if x, ok := byID[t.ID]; ok {
					read = append(read, reading{x, t})
				}
			}
		}
		if caps.BatchOmitsNotes && caps.Notes {
			read = w.addNotes(ctx, p, read)
		}
		for _, r := range read {
			w.observe(ctx, r.x, r.t)
		}
		return
	}
	if caps := providers.Can(p); caps.FindChanged {
		ws = w.narrow(ctx, p, ws)
	}
	sem := make(chan struct{}, w.cfg.Concurrency)
	var wg sync.WaitGroup
	for _, x := range ws {
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			w.metrics.vendorCalls.WithLabelValues(p.Name()).Inc()
			t, err := p.Get(ctx, x.state.TicketID)
			if err != nil {
				w.log.Warn("refresh failed", "provider", p.Name(), "ticket_id", x.state.TicketID, "err", err)
				return
			}
			w.observe(ctx, x, t)
		}()
	}
	wg.Wait()
}

// narrow keeps the followed tickets the vendor's list says may have changed
// (providers.ChangeFinder), so only those are read one by one. If the list fails, every
// ticket is read, as without it.
func (w *Watcher) narrow(ctx context.Context, p providers.Provider, ws []watched) []watched {
	seen := make([]providers.Seen, len(ws))
	for i, x := range ws {
		seen[i] = seenOf(x.state)
	}
	ids, err := providers.MayHaveChanged(ctx, p, seen)
	if err != nil {
		w.log.Warn("narrowing the sweep failed; reading every ticket", "provider", p.Name(), "err", err)
		return ws
	}
	keep := make(map[string]bool, len(ids))
	for _, id := range ids {
		keep[id] = true
	}
	out := ws[:0:0]
	for _, x := range ws {
		if keep[x.state.TicketID] {
			out = append(out, x)
		}
	}
	w.log.Debug("sweep narrowed by the vendor's list", "provider", p.Name(), "followed", len(ws), "to_read", len(out))
	return out
}

// seenOf is a followed ticket as last read, its vendor times taken from the stored snapshot
// (zero when there is none).
func seenOf(st store.TicketState) providers.Seen {
	s := providers.Seen{ID: st.TicketID, Status: providers.Status(st.Status), RawStatus: st.RawStatus}
	var t struct {
		CreatedAt time.Time `json:"created_at"`
		UpdatedAt time.Time `json:"updated_at"`
	}
	if len(st.Snapshot) > 0 && json.Unmarshal(st.Snapshot, &t) == nil {
		s.CreatedAt, s.UpdatedAt = t.CreatedAt, t.UpdatedAt
	}
	return s
}

// Observe feeds a ticket a vendor pushed (a vendor's change event) into the same change
// detection as a sweep, without waiting for the next poll.
func (w *Watcher) Observe(ctx context.Context, t providers.Ticket) error {
	st, err := w.store.Ticket(ctx, t.Provider, t.ID)
	if err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return nil // a ticket nobody here follows
		}
		return err
	}
	fs, err := w.store.Followers(ctx, t.Provider, t.ID)
	if err != nil || len(fs) == 0 {
		return err
	}
	w.observe(ctx, watched{state: st, followers: fs}, t)
	return nil
}

// noticePayload is what a notice row carries.
type noticePayload struct {
	View NoticeView `json:"view"`
	// Card is the message a "card" notice redraws, and Rank its place among the ticket's live
	// cards in the chat (0 for the newest). A card notice without Card (recorded before a
	// chat could hold several cards) redraws the chat's first card.
	Card string `json:"card,omitempty"`
	Rank int    `json:"rank,omitempty"`
}

// redrawNotices owes every live card of the ticket, in every chat, a redraw: the card of the
// 建单 and the cards of later 查看 all show the change.
func (w *Watcher) redrawNotices(ctx context.Context, t providers.Ticket) []store.Notice {
	cards, err := w.store.CardsForTicket(ctx, t.Provider, t.ID)
	if err != nil {
		w.log.Error("cards to redraw", "provider", t.Provider, "ticket_id", t.ID, "err", err)
		return nil
	}
	var out []store.Notice
	rank := map[string]int{}
	for _, c := range cards { // newest first within a chat
		if _, ok := w.platforms[c.Platform]; !ok {
			continue // a platform this process does not run: its cards cannot be redrawn
		}
		k := c.Platform + "/" + c.ChatID
		out = append(out, w.notice(c.Platform, c.ChatID, t.Provider, t.ID, "card",
			noticePayload{View: NoticeView{Ticket: t, Kind: "card"}, Card: c.MessageID, Rank: rank[k]}))
		rank[k]++
	}
	return out
}

// observe records what one fresh reading of a ticket means: the state advances and the
// notices it owes are written in the same transaction.
func (w *Watcher) observe(ctx context.Context, x watched, t providers.Ticket) {
	w.metrics.refreshes.WithLabelValues(t.Provider).Inc()
	c := detect(providers.Status(x.state.Status), x.state.LastNoteID, t)
	if !c.advance {
		return
	}
	if tickets.ActionOpen(x.state, w.now()) {
		// A card action (a close, a reply) is at the vendor right now: what the vendor shows
		// may be the bot's own doing, recorded when the action settles. Judge after that.
		return
	}
	next := w.tickets.Observed(x.state, t)
	var notices []store.Notice
	if c.card {
		notices = append(notices, w.redrawNotices(ctx, t)...)
	}
	for _, f := range x.followers {
		if c.notice == nil || !w.wants(f, c.notice) {
			continue
		}
		v := *c.notice
		if v.Priority == "high" {
			v.Mention = requester(x.state.CreatorUserID, f)
		}
		notices = append(notices, w.notice(f.Platform, f.ChatID, f.Provider, f.TicketID, v.Kind, noticePayload{View: v}))
	}
	ok, err := w.tickets.Advance(ctx, x.state, next, notices)
	if err != nil {
		w.log.Error("record change", "provider", t.Provider, "ticket_id", t.ID, "err", err)
		return
	}
	if !ok {
		return // the bot changed it meanwhile (its own action): the next sweep judges again
	}
	if len(notices) > 0 {
		if !t.UpdatedAt.IsZero() {
			w.metrics.detection.Observe(w.now().Sub(t.UpdatedAt).Seconds())
		}
		w.poke()
	}
}

// wants applies the chat's filters to a notice.
func (w *Watcher) wants(f store.Follow, n *NoticeView) bool {
	pol := w.policy(f.Platform, f.ChatID)
	if n.Kind == "note" {
		return !pol.MuteNotes
	}
	if pol.Notify != nil {
		return pol.Notify[n.Name()]
	}
	return slices.Contains(DefaultNotify, n.Name())
}

// requester is the person to @ in chat f: the one who created the ticket through the bot, or
// the one who made the chat follow it.
func requester(creator string, f store.Follow) string {
	for _, who := range []string{creator, f.By} {
		if len(who) > len(f.Platform)+1 && who[:len(f.Platform)+1] == f.Platform+":" {
			return who[len(f.Platform)+1:]
		}
	}
	return ""
}

func (w *Watcher) notice(platform, chat, provider, ticketID, kind string, p noticePayload) store.Notice {
	b, _ := json.Marshal(p)
	var id [12]byte
	_, _ = rand.Read(id[:])
	return store.Notice{ID: hex.EncodeToString(id[:]), Platform: platform, ChatID: chat, Provider: provider,
		TicketID: ticketID, Kind: kind, Payload: b, CreatedAt: w.now()}
}
