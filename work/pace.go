package work

import (
	"errors"
	"sync"
	"time"

	"github.com/ticketbot/ticketbot/bot"
)

// An answer whose chat is over its platform's send rate is not waited for in the worker that
// made it: the platform says when the chat has room (bot.BusyError) and the answer waits in
// the engine until then, while the worker goes on to other chats. pacing keeps such a chat's
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

// sendWait bounds the wait of one send of Drain, which serves every chat from one loop:
// enough for the app-wide spacing (25 ms on one platform), far less than any chat's, so a busy
// chat's answer is put back, not waited for.
const sendWait = 50 * time.Millisecond

// ErrBehind keeps an answer for later because earlier answers of its chat are waiting for
// the chat's rate: sent now, it would overtake them (see Engine.Behind).
var ErrBehind = errors.New("earlier answers of this chat are waiting for its send rate")

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
	until time.Time           // the chat has no room before then, as its platform said
	kept  map[string]struct{} // this process's answers for the chat waiting in the outbox, by job id
	// untracked counts answers kept past maxKeptIDs, waiting in the outbox but not by id here:
	// a burst keeps its answers on disk, not a map entry each in memory. They hold the chat
	// until a complete page of due jobs shows none of the chat's left (settle).
	untracked int
	nextAt    time.Time // NextAt of the newest kept answer
	created   time.Time // CreatedAt of the newest kept answer
}

// maxKeptIDs bounds the job ids a lane remembers; answers kept past it are counted instead.
const maxKeptIDs = 256

// keep remembers the kept answer id, or counts it when the lane remembers enough.
func (l *lane) keep(id string) {
	if _, ok := l.kept[id]; ok {
		return
	}
	if len(l.kept) >= maxKeptIDs {
		l.untracked++
		return
	}
	l.kept[id] = struct{}{}
}

// UseMetrics counts on m the answers put off for a chat's rate (ticketbot_answers_busy_total)
// and the jobs given up (ticketbot_jobs_given_up_total).
func (e *Engine) UseMetrics(m *bot.Metrics) {
	e.pace.mu.Lock()
	defer e.pace.mu.Unlock()
	e.pace.metrics = m
}

// metricsOf is the metrics UseMetrics gave (nil: none, which count nothing).
func (p *pacing) metricsOf() *bot.Metrics {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.metrics
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
	if l, ok := p.lanes[key]; ok && len(l.kept) == 0 && l.untracked == 0 && !l.until.After(now) {
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
	l.keep(id)
	return nextAt, created
}

// add records a kept answer of the chat, waiting in the outbox as job id.
func (p *pacing) add(platform, chat, id string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.lane(laneKey{platform, chat}).keep(id)
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
		n += len(l.kept) + l.untracked
	}
	return n
}

// keptID is one kept answer: its job id and its chat.
type keptID struct {
	id  string
	key laneKey
}

// unheldKept lists the kept answers of the chats that have room at now and that skip does
// not exclude. A chat still held is passed over whole, its answers untouched: at a burst
// nearly every chat is held with hundreds kept, and listing them on every pass cost more
// than the answers themselves.
func (p *pacing) unheldKept(now time.Time, skip func(laneKey) bool) []keptID {
	p.mu.Lock()
	defer p.mu.Unlock()
	var out []keptID
	for k, l := range p.lanes {
		if l.until.After(now) || len(l.kept) == 0 || skip(k) {
			continue
		}
		for id := range l.kept {
			out = append(out, keptID{id, k})
		}
	}
	return out
}

// settle forgets the untracked answers of the chats that have room, whose kept answers are
// all due by now (the newest's NextAt has passed), and of which a complete page of due jobs
// holds none (due counts that page's jobs by chat): none of them is left waiting. An answer
// kept for an outage and due later is retried outside the chat's order, as always.
func (p *pacing) settle(now time.Time, due map[laneKey]int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for k, l := range p.lanes {
		if l.untracked == 0 || l.until.After(now) || l.nextAt.After(now) || due[k] > 0 {
			continue
		}
		l.untracked = 0
		p.tidy(k, now)
	}
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
