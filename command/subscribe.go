package command

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/ticketbot/ticketbot/bot"
	"github.com/ticketbot/ticketbot/providers"
	"github.com/ticketbot/ticketbot/store"
)

// A subscription (订阅 <vendor> [key=value…]) makes the chat follow every ticket of a
// vendor's account that matches its filter, including tickets opened in the vendor's console
// or by colleagues elsewhere: the open ones now, and each new one as the watcher finds it
// with the vendor's list (bot.Watcher.SweepSubscriptions), with a notice. 订阅 alone lists
// the chat's subscriptions; 取消订阅 N removes one.

// subscribeSpec is 订阅.
var subscribeSpec = Spec{Op: OpSubscribe, Zh: "订阅", En: "subscribe", Aliases: []string{"sub"},
	UsageKey: "cmd_subscribe_usage", SummaryKey: "cmd_subscribe_summary",
	Parse: parseSubscribe, Run: runSubscribe}

// unsubscribeSpec is 取消订阅.
var unsubscribeSpec = Spec{Op: OpUnsubscribe, Zh: "取消订阅", En: "unsubscribe", Aliases: []string{"unsub"},
	UsageKey: "cmd_unsubscribe_usage", SummaryKey: "cmd_unsubscribe_summary",
	Parse: parseUnsubscribe, Run: runUnsubscribe}

// DefaultSubscriptionLimit is [bot] subscription_limit's default: a subscription that would
// bring more open tickets into a group than this asks for a narrower filter instead.
const DefaultSubscriptionLimit = 200

// Subscriptions is what commands need of the stored subscriptions.
type Subscriptions interface {
	Subscribe(ctx context.Context, sub store.Subscription) (store.Subscription, bool, error)
	Subscriptions(ctx context.Context, platform, chatID string) ([]store.Subscription, error)
	Unsubscribe(ctx context.Context, platform, chatID string, n int64) (store.Subscription, error)
}

// filterArg is one key=value[,value…] of a subscription as typed.
type filterArg struct {
	Key    string
	Values []string
}

// presetProblem is what is wrong with a [[chats]] subscribe entry as written: its vendor is
// not configured, or a word of it is no key=value. Whether the vendor's list takes the
// filter is known only with the vendor: that is said when the preset is made, at start.
func presetProblem(preset string, configured map[string]bool) error {
	w, rest := splitWord(preset)
	if !configured[w] {
		return fmt.Errorf("%q: the first word is the vendor, one of the configured providers (got %q)", preset, w)
	}
	for w, rest = splitWord(rest); w != ""; w, rest = splitWord(rest) {
		if k, v, ok := strings.Cut(w, "="); !ok || strings.TrimSpace(k) == "" || strings.TrimSpace(v) == "" {
			return fmt.Errorf("%q: %q is no key=value filter", preset, w)
		}
	}
	return nil
}

// subscriptionArgs reads "<vendor> key=v1,v2 …": the vendor's name and the filters.
func subscriptionArgs(vendors *providers.Registry, args string) (vendor string, filters []filterArg, bad string) {
	w, rest := splitWord(args)
	d, ok := vendors.Lookup(w)
	if !ok {
		return "", nil, w
	}
	for w, rest = splitWord(rest); w != ""; w, rest = splitWord(rest) {
		k, v, ok := strings.Cut(strings.ReplaceAll(w, "＝", "="), "=")
		if !ok || strings.TrimSpace(k) == "" || strings.TrimSpace(v) == "" {
			return d.Name, nil, w
		}
		var values []string
		for _, x := range strings.FieldsFunc(v, func(r rune) bool { return r == ',' || r == '，' || r == '、' }) {
			if x = strings.TrimSpace(x); x != "" {
				values = append(values, x)
			}
		}
		filters = append(filters, filterArg{Key: strings.TrimSpace(k), Values: values})
	}
	return d.Name, filters, ""
}

// parseSubscribe reads nothing (list the chat's subscriptions), or a vendor and its filters.
func parseSubscribe(p *parser, args, rest string) (Command, error) {
	if strings.TrimSpace(args) == "" {
		return p.c, p.nothingMore("", rest)
	}
	vendor, filters, bad := subscriptionArgs(p.vendors, args)
	switch {
	case vendor == "":
		return p.c, p.usage("usage_subscribe_vendor", "vendor", "word", truncateRunes(bad, 20))
	case bad != "":
		return p.c, p.usage("usage_subscribe_filter", "filter", "word", truncateRunes(bad, 20))
	}
	p.c.Provider, p.c.SubFilters = vendor, filters
	return p.c, p.nothingMore("", rest)
}

// parseUnsubscribe reads the subscription's number ("#2" or "2").
func parseUnsubscribe(p *parser, args, rest string) (Command, error) {
	w, more := splitWord(args)
	n, err := strconv.ParseInt(strings.TrimPrefix(w, "#"), 10, 64)
	if w == "" || err != nil || n < 1 {
		return p.c, p.usage("usage_unsubscribe_number", "number")
	}
	p.c.SubNumber = n
	return p.c, p.nothingMore(more, rest)
}

func runSubscribe(ctx context.Context, e *Env, r *req, c *Command, _ providers.Provider, log *slog.Logger) (outcome, error) {
	if c.Provider == "" {
		return e.listSubscriptions(ctx, r)
	}
	if !r.maySetChat() {
		return outcome{level: "warning", text: e.text(r.en, "subscribe_admins_only")}, nil
	}
	p, err := e.provider(r, c.Provider)
	if err != nil {
		return outcome{}, err
	}
	sub, err := e.subscription(ctx, p, c.SubFilters)
	if err != nil {
		return outcome{}, err
	}
	sub.Platform, sub.ChatID, sub.By = r.platform, r.chatID, r.user()
	n, adopted, fresh, err := e.subscribe(ctx, p, sub, log)
	if err != nil {
		return outcome{}, err
	}
	what := e.describeSubscription(n, r.en)
	if !fresh {
		return outcome{level: "info", text: e.text(r.en, "subscribed_already", "sub", what)}, nil
	}
	return outcome{level: "success", text: e.text(r.en, "subscribed", "sub", what, "n", adopted, "vendor", p.Name())}, nil
}

// subscription turns the typed filters into p's: each key one p's list applies, each value
// one it takes. A key or value p does not have is a usage hint naming the ones it does.
func (e *Env) subscription(ctx context.Context, p providers.Provider, args []filterArg) (store.Subscription, error) {
	sub := store.Subscription{Provider: p.Name()}
	if !providers.Can(p).List {
		return sub, e.userErrBy("subscribe_unsupported", func(en bool) []any { return []any{"vendor", e.Vendors.Label(p.Name(), en)} })
	}
	filters := providers.ListFilters(p)
	for _, a := range args {
		i := slices.IndexFunc(filters, func(f providers.ListFilter) bool {
			return strings.EqualFold(f.Key, a.Key) || slices.ContainsFunc(f.Names, func(n string) bool { return strings.EqualFold(n, a.Key) })
		})
		if i < 0 && slices.Contains(statusKeys, strings.ToLower(a.Key)) {
			return sub, e.subscribeUsage(p, filters, func(en bool) string {
				return e.text(en, "usage_subscribe_no_status", "vendor", e.Vendors.Label(p.Name(), en))
			})
		}
		if i < 0 {
			return sub, e.subscribeUsage(p, filters, func(en bool) string {
				return e.text(en, "usage_subscribe_key", "key", a.Key, "vendor", e.Vendors.Label(p.Name(), en))
			})
		}
		f := filters[i]
		if f.Key == providers.FilterStatus {
			for _, v := range a.Values {
				sts, ok := e.statusOf(f.Statuses, v)
				sts = slices.DeleteFunc(sts, func(s providers.Status) bool { return !slices.Contains(f.Statuses, s) })
				if !ok || len(sts) == 0 {
					return sub, e.subscribeUsage(p, filters, func(en bool) string {
						return e.text(en, "usage_subscribe_status", "value", v, "vendor", e.Vendors.Label(p.Name(), en))
					})
				}
				for _, s := range sts {
					if !slices.Contains(sub.Statuses, string(s)) {
						sub.Statuses = append(sub.Statuses, string(s))
					}
				}
			}
			continue
		}
		if len(a.Values) != 1 {
			return sub, e.subscribeUsage(p, filters, func(en bool) string { return e.text(en, "usage_subscribe_one_value", "key", a.Key) })
		}
		value, label := a.Values[0], a.Values[0]
		if f.Field != "" {
			choice, offered, err := e.findChoice(ctx, p, f.Field, "", value)
			if err != nil {
				return sub, fmt.Errorf("list the %s choices: %w", f.Field, err)
			}
			if choice.Value == "" {
				return sub, e.unknownChoice(p.Name(), f.Field, value, offered)
			}
			value, label = choice.Value, choice.Label
		}
		if sub.Filters == nil {
			sub.Filters, sub.Labels = map[string]string{}, map[string]string{}
		}
		sub.Filters[f.Key], sub.Labels[f.Key] = value, label
	}
	return sub, nil
}

// statusKeys are the words of the state filter, whether or not a vendor has it.
var statusKeys = []string{"状态", "status", "state"}

// statusOf reads a state as people write it (待我方补充, waiting, 已关闭…, or a label the
// cards show of one of offered).
func (e *Env) statusOf(offered []providers.Status, v string) ([]providers.Status, bool) {
	for _, s := range offered {
		for _, en := range []bool{false, true} {
			if strings.EqualFold(e.Answers.Messages().Status(s, en), v) {
				return []providers.Status{s}, true
			}
		}
	}
	lv := strings.ToLower(v)
	for _, s := range statusWords {
		if slices.Contains(s.words, lv) {
			return s.statuses, true
		}
	}
	switch s := providers.Status(lv); s {
	case providers.StatusOpen, providers.StatusInProgress, providers.StatusWaitingOnUs, providers.StatusPendingConfirm,
		providers.StatusClosed, providers.StatusCancelled:
		return []providers.Status{s}, true
	}
	return nil, false
}

// subscribeUsage is a usage hint for a filter p's list cannot apply: it names the keys p's
// list takes, and the states where it takes states.
func (e *Env) subscribeUsage(p providers.Provider, filters []providers.ListFilter, problem func(en bool) string) error {
	say := func(en bool) string {
		keys := make([]string, 0, len(filters))
		var states []string
		for _, f := range filters {
			keys = append(keys, filterName(f, en))
			for _, s := range f.Statuses {
				if label := e.Answers.Messages().Status(s, en); !slices.Contains(states, label) {
					states = append(states, label)
				}
			}
		}
		parts := []string{problem(en)}
		if len(keys) == 0 {
			parts = append(parts, e.text(en, "subscribe_no_filters"))
		} else {
			parts = append(parts, e.text(en, "subscribe_keys", "keys", list(keys, en)))
		}
		if len(states) > 0 {
			parts = append(parts, e.text(en, "subscribe_states", "states", list(states, en)))
		}
		if en {
			return strings.Join(parts, "; ")
		}
		return strings.Join(parts, "；")
	}
	return &UsageError{Spec: specFor(OpSubscribe), Problem: say(false), ProblemEN: say(true), Missing: "filter"}
}

// subscribe stores sub (unless the chat has the same one) and makes the chat follow the open
// tickets that match it now, quietly; new ones are the watcher's to find. A subscription
// that would bring more open tickets than the limit is refused, and nothing is stored.
func (e *Env) subscribe(ctx context.Context, p providers.Provider, sub store.Subscription, log *slog.Logger) (store.Subscription, int, bool, error) {
	open, err := e.openMatching(ctx, p, sub)
	if err != nil {
		return sub, 0, false, err
	}
	sub.CreatedAt, sub.Cursor = e.Now(), e.Now()
	got, fresh, err := e.Subscriptions.Subscribe(ctx, sub)
	if err != nil || !fresh {
		return got, 0, false, err
	}
	for _, t := range open {
		if _, err := e.Tickets.Baseline(ctx, t); err != nil {
			return got, 0, true, err
		}
		if err := e.Follows.Follow(ctx, store.Follow{Platform: got.Platform, ChatID: got.ChatID, Provider: t.Provider, TicketID: t.ID,
			By: bot.SubscriptionBy(got.N), CreatedAt: e.Now()}); err != nil {
			return got, 0, true, err
		}
	}
	log.Info("subscribed", "provider", p.Name(), "subscription", got.N, "open_tickets", len(open))
	return got, len(open), true, nil
}

// subscriptionPages bounds the pages read to find a new subscription's open tickets.
const subscriptionPages = 20

// openMatching lists the vendor's open tickets that match sub, through its list (narrowed
// to the open states where it can), up to the limit: more is a usage hint for a narrower
// filter.
func (e *Env) openMatching(ctx context.Context, p providers.Provider, sub store.Subscription) ([]providers.Ticket, error) {
	limit := e.SubscriptionLimit
	if limit <= 0 {
		limit = DefaultSubscriptionLimit
	}
	q := providers.ListQuery{Filters: sub.Filters, Size: providers.ListPageSize(p)}
	for _, s := range sub.Statuses {
		q.Statuses = append(q.Statuses, providers.Status(s))
	}
	if len(q.Statuses) == 0 {
		for _, f := range providers.ListFilters(p) {
			if f.Key == providers.FilterStatus {
				q.Statuses = slices.DeleteFunc(slices.Clone(f.Statuses), providers.Status.Terminal)
			}
		}
	}
	var open []providers.Ticket
	over := errors.New("over the limit")
	complete, _, err := providers.ListEach(ctx, p, q, subscriptionPages, func(t providers.Ticket) error {
		if t.Status.Terminal() || len(sub.Statuses) > 0 && !slices.Contains(sub.Statuses, string(t.Status)) {
			return nil
		}
		if open = append(open, t); len(open) > limit {
			return over
		}
		return nil
	})
	switch {
	case errors.Is(err, over):
		return nil, e.tooMany(p, limit, false)
	case err != nil:
		return nil, err
	case !complete:
		// A list that cannot narrow to the open states, of an account too big to read through.
		return nil, e.tooMany(p, limit, true)
	}
	return open, nil
}

// tooMany asks for a narrower filter, naming the keys the vendor's list takes: the open
// tickets are more than the limit, or (unread) too many tickets to tell.
func (e *Env) tooMany(p providers.Provider, limit int, unread bool) error {
	key := "subscribe_too_many"
	if unread {
		key = "subscribe_too_many_to_read"
	}
	return e.userErrBy(key, func(en bool) []any {
		var keys []string
		for _, f := range providers.ListFilters(p) {
			keys = append(keys, filterName(f, en)+"=…")
		}
		return []any{"vendor", e.Vendors.Label(p.Name(), en), "limit", limit, "keys", list(keys, en)}
	})
}

// filterName is what people type for a filter: its first name, or its English one.
func filterName(f providers.ListFilter, en bool) string {
	switch {
	case len(f.Names) == 0:
		return f.Key
	case en && len(f.Names) > 1:
		return f.Names[1]
	}
	return f.Names[0]
}

// describeSubscription is a subscription as one line: "#2 <vendor> · 状态=待确认 客户=…".
func (e *Env) describeSubscription(s store.Subscription, en bool) string {
	parts := []string{fmt.Sprintf("#%d %s", s.N, e.Vendors.Label(s.Provider, en))}
	var filters []string
	if len(s.Statuses) > 0 {
		states := make([]string, len(s.Statuses))
		for i, st := range s.Statuses {
			states[i] = e.Answers.Messages().Status(providers.Status(st), en)
		}
		filters = append(filters, e.text(en, "subscribe_key_status")+"="+strings.Join(states, ","))
	}
	if p, ok := e.Providers.Provider(s.Provider); ok {
		for _, f := range providers.ListFilters(p) {
			v, ok := s.Filters[f.Key]
			if !ok || f.Key == providers.FilterStatus {
				continue
			}
			if l := s.Labels[f.Key]; l != "" {
				v = l
			}
			filters = append(filters, filterName(f, en)+"="+v)
		}
	}
	if len(filters) > 0 {
		parts = append(parts, strings.Join(filters, " "))
	}
	return strings.Join(parts, " · ")
}

// listSubscriptions answers 订阅 alone: the chat's subscriptions, or how to make one.
func (e *Env) listSubscriptions(ctx context.Context, r *req) (outcome, error) {
	subs, err := e.Subscriptions.Subscriptions(ctx, r.platform, r.chatID)
	if err != nil {
		return outcome{}, err
	}
	if len(subs) == 0 {
		return outcome{level: "info", text: e.text(r.en, "subscriptions_none", "example", e.exampleVendor(r))}, nil
	}
	lines := []string{e.text(r.en, "subscriptions_title", "n", len(subs))}
	for _, s := range subs {
		lines = append(lines, "- "+e.describeSubscription(s, r.en))
	}
	lines = append(lines, e.text(r.en, "subscriptions_hint", "n", subs[0].N))
	return outcome{level: "info", text: strings.Join(lines, "\n")}, nil
}

func runUnsubscribe(ctx context.Context, e *Env, r *req, c *Command, _ providers.Provider, _ *slog.Logger) (outcome, error) {
	if !r.maySetChat() {
		return outcome{level: "warning", text: e.text(r.en, "subscribe_admins_only")}, nil
	}
	gone, err := e.Subscriptions.Unsubscribe(ctx, r.platform, r.chatID, c.SubNumber)
	if errors.Is(err, store.ErrNotFound) {
		return outcome{level: "warning", text: e.text(r.en, "unsubscribe_none", "n", c.SubNumber)}, nil
	}
	if err != nil {
		return outcome{}, err
	}
	return outcome{level: "success", text: e.text(r.en, "unsubscribed", "sub", e.describeSubscription(gone, r.en))}, nil
}

// Presets makes the subscriptions [[chats]] subscribe presets, each unless its chat has one
// with that filter already (the store keeps one per filter, so every replica may run it at
// start). A preset the vendor's list cannot apply, or one over the limit, is logged and
// left: the configuration's problem is said where operators read it.
func (b *Bot) Presets(ctx context.Context) {
	e := b.env
	for _, ch := range b.cfg.Chats {
		for _, preset := range ch.Subscribe {
			log := b.Log.With("platform", ch.Platform, "chat_id", ch.ChatID, "preset", preset)
			vendor, filters, bad := subscriptionArgs(e.Vendors, preset)
			if vendor == "" || bad != "" {
				log.Error("[[chats]] subscribe: not a subscription", "word", bad)
				continue
			}
			p, ok := e.Providers.Provider(vendor)
			if !ok {
				log.Error("[[chats]] subscribe: the vendor is not configured")
				continue
			}
			sub, err := e.subscription(ctx, p, filters)
			if err == nil {
				sub.Platform, sub.ChatID, sub.By = ch.Platform, ch.ChatID, "config"
				err = e.preset(ctx, p, sub, log)
			}
			if err != nil {
				log.Error("[[chats]] subscribe: not made", "err", err)
			}
		}
	}
}

// preset makes sub unless its chat has it: a restart reads no vendor list for it again.
func (e *Env) preset(ctx context.Context, p providers.Provider, sub store.Subscription, log *slog.Logger) error {
	had, err := e.Subscriptions.Subscriptions(ctx, sub.Platform, sub.ChatID)
	if err != nil {
		return err
	}
	same := func(h store.Subscription) bool {
		a, b := slices.Clone(h.Statuses), slices.Clone(sub.Statuses)
		slices.Sort(a)
		slices.Sort(b)
		return h.Provider == sub.Provider && slices.Equal(a, b) && maps.Equal(h.Filters, sub.Filters)
	}
	if slices.ContainsFunc(had, same) {
		return nil
	}
	_, _, _, err = e.subscribe(ctx, p, sub, log)
	return err
}
