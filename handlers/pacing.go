package handlers

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/ticketbot/ticketbot/bot"
	"github.com/ticketbot/ticketbot/store"
)

// An answer whose chat is over its platform's send rate is not waited for in the worker that
// made it: the platform says when the chat has room (bot.BusyError) and the answer waits in
// the outbox until then, while the worker goes on to other chats. pacing keeps such a chat's
// answers in order: once one waits, the chat's next answers queue behind it (kept in the
// outbox without being tried), the outbox tries the chat's answers oldest first and none of
// them before the chat has room, and the chat's answers go straight out again once all that
// waited have gone.
//
// What is guaranteed: within one process, the answers of a chat reach it in the order they
// were handed to the platform (for commands, the order their work finished; commands of one
// chat run on several workers at once, so two sent together may finish either way), none
// lost and none doubled (the outbox's job ids), within the platform's rate. Across replicas,
// or after a restart, each answer still arrives once, but two replicas answering one busy
// chat may interleave. An answer kept for any other reason (the platform failing) is retried
// with the outbox's backoff, outside this order.

// outboxSendWait bounds the wait of one send of the outbox, which serves every chat from one
// loop: enough for the app-wide spacing (Feishu's 25 ms), far less than any chat's, so a busy
// chat's answer is put back, not waited for.
const outboxSendWait = 50 * time.Millisecond

// errBehind keeps an answer for later because earlier answers of its chat are waiting for
// the chat's rate: sent now, it would overtake them.
var errBehind = errors.New("earlier answers of this chat are waiting for its send rate")

// pacing is what the handlers know of the chats that are over their send rate. Its zero
// value is ready; it is safe for concurrent use.
type pacing struct {
	mu      sync.Mutex
	lanes   map[laneKey]*lane
	metrics *bot.Metrics
}

type laneKey struct{ platform, chat string }

// lane is one chat with answers waiting for its rate.
type lane struct {
	until   time.Time           // the chat has no room before then, as its platform said
	kept    map[string]struct{} // this process's answers for the chat waiting in the outbox, by job id
	nextAt  time.Time           // NextAt of the newest kept answer
	created time.Time           // CreatedAt of the newest kept answer
}

// UseMetrics counts the answers put off for a chat's rate on m (ticketbot_answers_busy_total).
func (b *Bot) UseMetrics(m *bot.Metrics) {
	b.pace.mu.Lock()
	defer b.pace.mu.Unlock()
	b.pace.metrics = m
}

// lane returns key's lane, made if need be. Call with p.mu held.
func (p *pacing) lane(key laneKey) *lane {
	if p.lanes == nil {
		p.lanes = map[laneKey]*lane{}
	}
	l, ok := p.lanes[key]
	if !ok {
		l = &lane{kept: map[string]struct{}{}}
		p.lanes[key] = l
	}
	return l
}

// tidy forgets key's lane once nothing waits in it and the chat has room. Call with p.mu
// held.
func (p *pacing) tidy(key laneKey, now time.Time) {
	if l, ok := p.lanes[key]; ok && len(l.kept) == 0 && !l.until.After(now) {
		delete(p.lanes, key)
	}
}

// behind reports whether an answer to the chat must queue behind earlier ones: some wait in
// the outbox, or the chat has no room yet.
func (p *pacing) behind(platform, chat string, now time.Time) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	key := laneKey{platform, chat}
	p.tidy(key, now)
	_, ok := p.lanes[key]
	return ok
}

// held reports whether the chat has no room yet: the outbox leaves its answers in place.
func (p *pacing) held(platform, chat string, now time.Time) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	l, ok := p.lanes[laneKey{platform, chat}]
	return ok && l.until.After(now)
}

// busy records that the chat has no room before until, and counts one answer put off.
func (p *pacing) busy(platform, chat string, until time.Time) {
	p.mu.Lock()
	defer p.mu.Unlock()
	l := p.lane(laneKey{platform, chat})
	l.until = maxTime(l.until, until)
	p.metrics.AnswerBusy(platform)
}

// place records the answer kept as job id behind the chat's earlier ones and gives it its
// place in the outbox: due no sooner than the chat has room, and after every answer kept
// before it (the outbox takes due jobs by NextAt, then CreatedAt, which the store keeps to
// the millisecond).
func (p *pacing) place(platform, chat, id string, now time.Time) (nextAt, created time.Time) {
	p.mu.Lock()
	defer p.mu.Unlock()
	l := p.lane(laneKey{platform, chat})
	nextAt = maxTime(now, l.until, l.nextAt)
	created = maxTime(now, l.created.Add(time.Millisecond))
	l.nextAt, l.created = nextAt, created
	l.kept[id] = struct{}{}
	return nextAt, created
}

// add records a kept answer of the chat, waiting in the outbox as job id.
func (p *pacing) add(platform, chat, id string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.lane(laneKey{platform, chat}).kept[id] = struct{}{}
}

// done forgets a kept answer: sent, given up, or taken by another process.
func (p *pacing) done(platform, chat, id string, now time.Time) {
	p.mu.Lock()
	defer p.mu.Unlock()
	key := laneKey{platform, chat}
	if l, ok := p.lanes[key]; ok {
		delete(l.kept, id)
		p.tidy(key, now)
	}
}

// waiting is how many kept answers wait, in every chat.
func (p *pacing) waiting() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	n := 0
	for _, l := range p.lanes {
		n += len(l.kept)
	}
	return n
}

// keptJobs lists the kept answers by job id with their chat.
func (p *pacing) keptJobs() map[string]laneKey {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := map[string]laneKey{}
	for k, l := range p.lanes {
		for id := range l.kept {
			out[id] = k
		}
	}
	return out
}

// wakeAt is the soonest a chat with answers waiting gets room again, if that is after now.
func (p *pacing) wakeAt(now time.Time) (time.Time, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	var at time.Time
	for _, l := range p.lanes {
		if l.until.After(now) && (at.IsZero() || l.until.Before(at)) {
			at = l.until
		}
	}
	return at, !at.IsZero()
}

func maxTime(t time.Time, more ...time.Time) time.Time {
	for _, u := range more {
		if u.After(t) {
			t = u
		}
	}
	return t
}

// putOff puts back a say job whose chat had no room: not a failure, so not given up for it
// before its time. It keeps its place in the outbox (its NextAt), ahead of the chat's later
// answers, and the chat is held until until; an answer that could only go after its give-up
// time is given up.
func (b *Bot) putOff(ctx context.Context, j store.Job, until time.Time, cause error) jobEnd {
	log := b.Log.With("platform", j.Platform, "chat_id", j.ChatID, "job", j.ID)
	b.pace.busy(j.Platform, j.ChatID, until)
	if until.After(j.GiveUpAt) {
		log.Error("answer given up: its chat stays over its send rate past the answer's time", "retry_at", until, "err", cause)
		if err := b.Store.FinishJob(ctx, j.ID, store.JobFailed, b.Now(), cause.Error()); err != nil {
			log.Error("finish job", "err", err)
		}
		b.pace.done(j.Platform, j.ChatID, j.ID, b.Now())
		return jobFailed
	}
	if err := b.Store.DeferJob(ctx, j.ID, j.NextAt, cause.Error()); err != nil {
		log.Error("defer job", "err", err)
	}
	b.pace.add(j.Platform, j.ChatID, j.ID) // the chat's next answers go behind it
	log.Info("answer waits for its chat's send rate", "retry_at", until)
	return jobBusy
}

// chatOrder puts each chat's due answers oldest first, in the places the chat's answers hold
// in jobs (the other chats' and the vendor jobs stay where they are): an answer kept for the
// chat's rate is due no sooner than the chat has room, so one the outbox came to owe the chat
// meanwhile may be due before it, though made after.
func chatOrder(jobs []store.Job) []store.Job {
	byChat := map[laneKey][]store.Job{}
	for _, j := range jobs {
		if j.Kind == jobSay {
			k := laneKey{j.Platform, j.ChatID}
			byChat[k] = append(byChat[k], j)
		}
	}
	for _, js := range byChat {
		slices.SortStableFunc(js, func(a, b store.Job) int {
			if c := a.CreatedAt.Compare(b.CreatedAt); c != 0 {
				return c
			}
			return strings.Compare(a.ID, b.ID)
		})
	}
	out := make([]store.Job, 0, len(jobs))
	next := map[laneKey]int{}
	for _, j := range jobs {
		if j.Kind != jobSay {
			out = append(out, j)
			continue
		}
		k := laneKey{j.Platform, j.ChatID}
		out = append(out, byChat[k][next[k]])
		next[k]++
	}
	return out
}

// forgetGone drops kept answers that are no longer waiting (done or failed, here or by
// another process), so their chat's answers go straight out again. due is the outbox's
// current page of due jobs; it is consulted only when complete (not cut at its limit).
func (b *Bot) forgetGone(ctx context.Context, due []store.Job) {
	seen := make(map[string]bool, len(due))
	for _, j := range due {
		seen[j.ID] = true
	}
	now := b.Now()
	for id, k := range b.pace.keptJobs() {
		if seen[id] || b.pace.held(k.platform, k.chat, now) {
			continue
		}
		j, err := b.Store.Job(ctx, id)
		if errors.Is(err, store.ErrNotFound) || err == nil && (j.State == store.JobDone || j.State == store.JobFailed) {
			b.pace.done(k.platform, k.chat, id, now)
		}
	}
}
