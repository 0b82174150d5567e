package bot

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/ticketbot/ticketbot/providers"
)

// fakeClock is a clock tests move by hand; the watcher reads it from several goroutines.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

func (c *fakeClock) add(d time.Duration) { c.set(c.now().Add(d)) }

// call is one platform call a recPlatform saw.
type call struct {
	op     string // send, reply, update
	chat   string
	target string // the message replied to or updated
	body   string
	key    string
	at     time.Time // real time, for spacing
}

// recPlatform records every call with its target, and can be told to fail sends.
type recPlatform struct {
	mu       sync.Mutex
	calls    []call
	failSend int // the next failSend sends and replies fail
	seq      int
}

func (p *recPlatform) Name() string { return "feishu" }

func (p *recPlatform) record(c call) (CardRef, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	c.at = time.Now()
	if c.op != "update" && p.failSend > 0 {
		p.failSend--
		return CardRef{}, errors.New("feishu: 500 internal error")
	}
	p.calls = append(p.calls, c)
	p.seq++
	return CardRef{Platform: "feishu", ChatID: c.chat, MessageID: fmt.Sprintf("om_sent_%d", p.seq)}, nil
}

func (p *recPlatform) Send(_ context.Context, chat string, m Outgoing) (CardRef, error) {
	return p.record(call{op: "send", chat: chat, body: string(m.Body), key: m.Key})
}

func (p *recPlatform) Reply(_ context.Context, ref CardRef, m Outgoing) (CardRef, error) {
	return p.record(call{op: "reply", chat: ref.ChatID, target: ref.MessageID, body: string(m.Body), key: m.Key})
}

func (p *recPlatform) Update(_ context.Context, ref CardRef, m Outgoing) error {
	_, err := p.record(call{op: "update", chat: ref.ChatID, target: ref.MessageID, body: string(m.Body)})
	return err
}

// all returns every call, in order.
func (p *recPlatform) all() []call {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]call(nil), p.calls...)
}

// of returns the calls of one kind, in order.
func (p *recPlatform) of(op string) []call {
	p.mu.Lock()
	defer p.mu.Unlock()
	var out []call
	for _, c := range p.calls {
		if c.op == op {
			out = append(out, c)
		}
	}
	return out
}

// notePresenter renders notices with their kind, status and quoted note, so tests see what
// a chat would read.
type notePresenter struct{ textPresenter }

func (notePresenter) TicketCard(_ context.Context, _, _ string, t providers.Ticket) (Outgoing, error) {
	return Outgoing{Kind: KindCard, Body: []byte(t.Ref() + " " + string(t.Status))}, nil
}

func (notePresenter) Notices(_ context.Context, _, _ string, ns []NoticeView) (Outgoing, error) {
	var parts []string
	for _, n := range ns {
		s := n.Ticket.Ref() + " " + n.Name()
		if n.Note != nil {
			s += " 「" + n.Note.Body + "」"
		}
		parts = append(parts, s)
	}
	return Outgoing{Kind: KindText, Body: []byte(strings.Join(parts, "; "))}, nil
}

// notesProvider is a vendor whose batch read carries no notes (as Aliyun's list calls): its
// notes come from Notes only, which it counts.
type notesProvider struct {
	*memProvider
	notes     map[string][]providers.Note
	noteReads []string // ticket ids, in call order
}

func (p *notesProvider) Capabilities() providers.Capabilities {
	return providers.Capabilities{Notes: true, BatchOmitsNotes: true}
}

func (p *notesProvider) GetMany(_ context.Context, ids []string) ([]providers.Ticket, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.batches++
	var out []providers.Ticket
	for _, id := range ids {
		if t, ok := p.tickets[id]; ok {
			t.LatestNote = nil // the list carries no notes
			out = append(out, t)
		}
	}
	return out, nil
}

func (p *notesProvider) Notes(_ context.Context, id string) ([]providers.Note, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.noteReads = append(p.noteReads, id)
	return append([]providers.Note(nil), p.notes[id]...), nil
}

func (p *notesProvider) addNote(id string, official bool, body string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.notes[id] = append(p.notes[id], providers.Note{ID: fmt.Sprintf("%s-n%d", id, len(p.notes[id])+1), Official: official, Body: body})
}

// reads returns and forgets the note reads so far.
func (p *notesProvider) reads() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	r := p.noteReads
	p.noteReads = nil
	return r
}
