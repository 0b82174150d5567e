package demo

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ticketbot/ticketbot/bot/feishu/feishutest"
	"github.com/ticketbot/ticketbot/bot/wecom/wecomtest"
)

// demo is the playground behind `ticketbot demo`: the fakes, ticketbot's address, both
// chats' timelines and the page's live view of it all.
type demo struct {
	fakes    *demoFakes
	botURL   string // ticketbot's own server (the webhooks)
	adminURL string // its admin listener (/healthz, /readyz, /metrics)
	log      *slog.Logger
	hc       *http.Client
	desks    []vendorDesk
	// suggestions are fixed at start: they name the sample tickets.
	suggestions []suggestion
	seq         atomic.Int64
	hub         demoHub
	// refreshMu keeps snapshots published in the order they were taken.
	refreshMu sync.Mutex

	mu         sync.Mutex
	entries    []chatEntry // both chats, in the order the messages appeared
	seenFeishu int         // Feishu fake messages already in entries
	seenWeCom  int         // WeCom fake records already looked at
	// wecomCards are WeCom cards replaced by a click's passive reply, by task_id: WeCom
	// redraws them, but the fake never sees that answer.
	wecomCards map[string]json.RawMessage
}

func newDemo(fakes *demoFakes, botURL, adminURL string, log *slog.Logger) *demo {
	d := &demo{
		fakes:      fakes,
		botURL:     botURL,
		adminURL:   adminURL,
		log:        log,
		hc:         &http.Client{Timeout: 30 * time.Second},
		wecomCards: map[string]json.RawMessage{},
	}
	d.desks = newVendorDesks(fakes, botURL)
	d.suggestions = demoSuggestions(fakes.samples)
	d.hub.changed = make(chan struct{})
	return d
}

// demoSnapshot is everything the page shows.
type demoSnapshot struct {
	// Bot is ticketbot's own server (its webhooks); Admin its admin listener, for its
	// /healthz, /readyz and /metrics.
	Bot     string       `json:"bot"`
	Admin   string       `json:"admin"`
	Me      demoMe       `json:"me"`
	Feishu  chatView     `json:"feishu"`
	WeCom   chatView     `json:"wecom"`
	Vendors []vendorView `json:"vendors"`
	// Suggestions are the chips under the chat's input.
	Suggestions []suggestion `json:"suggestions"`
}

// suggestion is a chip under the chat's input: Label is shown, Text goes into the input.
type suggestion struct {
	Label string `json:"label"`
	Text  string `json:"text"`
}

type demoMe struct {
	Name      string `json:"name"`
	OpenID    string `json:"open_id"`
	WeComUser string `json:"wecom_user"`
}

type chatView struct {
	Chat     string        `json:"chat"`
	Name     string        `json:"name"`
	Messages []chatMessage `json:"messages"`
}

// chatMessage is one message as the page draws it.
type chatMessage struct {
	ID string `json:"id"`
	// From is "me" or "bot"; Sender is the name shown.
	From   string `json:"from"`
	Sender string `json:"sender"`
	// Type is "text", "markdown" (WeCom) or "card"; Card is the card JSON as the platform
	// holds it (Feishu card JSON 2.0, WeCom template_card).
	Type    string          `json:"type"`
	Text    string          `json:"text,omitempty"`
	Card    json.RawMessage `json:"card,omitempty"`
	ReplyTo string          `json:"reply_to,omitempty"`
	At      int64           `json:"at"` // Unix ms
}

// run keeps the page's view fresh: the fakes change under ticketbot's hand (answers,
// watcher notices, card updates) and under the vendor console's.
func (d *demo) run(ctx context.Context) {
	t := time.NewTicker(150 * time.Millisecond)
	defer t.Stop()
	for {
		d.refresh()
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// refresh takes a snapshot and publishes it if anything changed.
func (d *demo) refresh() {
	d.refreshMu.Lock()
	defer d.refreshMu.Unlock()
	// Cards keep their markup as the platform holds it (<at id=…>, <font>), unescaped.
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(d.snapshot()); err != nil {
		d.log.Error("demo: snapshot", "err", err)
		return
	}
	d.hub.publish(bytes.TrimSuffix(buf.Bytes(), []byte("\n")))
}

func (d *demo) snapshot() demoSnapshot {
	fsMsgs := d.fakes.feishu.Messages()
	wxSent := d.fakes.wecom.Sent()
	now := time.Now()

	d.mu.Lock()
	for ; d.seenFeishu < len(fsMsgs); d.seenFeishu++ {
		d.entries = append(d.entries, chatEntry{Platform: platformFeishu, ID: fsMsgs[d.seenFeishu].ID, At: now})
	}
	for ; d.seenWeCom < len(wxSent); d.seenWeCom++ {
		if s := wxSent[d.seenWeCom]; inDemoWeComChat(s) {
			d.entries = append(d.entries, chatEntry{Platform: platformWeCom, Sent: d.seenWeCom, At: now})
		}
	}
	byID := make(map[string]int, len(fsMsgs))
	for i, m := range fsMsgs {
		byID[m.ID] = i
	}
	s := demoSnapshot{
		Bot:    d.botURL,
		Admin:  d.adminURL,
		Me:     demoMe{Name: demoPerson, OpenID: demoOpenID, WeComUser: demoWeComUser},
		Feishu: chatView{Chat: demoFeishuChat, Name: demoChatName, Messages: []chatMessage{}},
		WeCom:  chatView{Chat: demoWeComChat, Name: demoChatName, Messages: []chatMessage{}},

		Suggestions: d.suggestions,
	}
	for _, e := range d.entries {
		var m chatMessage
		switch {
		case e.Mine:
			m = chatMessage{ID: e.ID, From: "me", Sender: demoPerson, Type: "text", Text: e.Text, ReplyTo: e.ReplyTo}
		case e.Platform == platformFeishu:
			m = feishuMessage(fsMsgs[byID[e.ID]])
		default:
			m = d.wecomMessage(wxSent[e.Sent], e.Sent)
		}
		m.At = e.At.UnixMilli()
		if e.Platform == platformFeishu {
			s.Feishu.Messages = append(s.Feishu.Messages, m)
		} else {
			s.WeCom.Messages = append(s.WeCom.Messages, m)
		}
	}
	d.mu.Unlock()

	for _, desk := range d.desks {
		s.Vendors = append(s.Vendors, desk.view())
	}
	return s
}

// inDemoWeComChat tells the messages of the demo group: answers through a response_url of
// that chat, and the group robot's, which posts into its own group.
func inDemoWeComChat(s wecomtest.Sent) bool {
	return s.Chat == demoWeComChat || s.Channel == "robot"
}

// feishuMessage draws a message the bot sent to Feishu.
func feishuMessage(f feishutest.Message) chatMessage {
	m := chatMessage{ID: f.ID, From: "bot", Sender: demoBotName, ReplyTo: f.ParentID}
	switch f.MsgType {
	case "interactive":
		m.Type, m.Card = "card", json.RawMessage(f.Content)
	case "text":
		var c struct {
			Text string `json:"text"`
		}
		_ = json.Unmarshal([]byte(f.Content), &c)
		m.Type, m.Text = "text", c.Text
	default:
		m.Type, m.Text = "text", fmt.Sprintf("[%s] %s", f.MsgType, f.Content)
	}
	return m
}

// wecomMessage draws the bot's i-th WeCom record. Call with d.mu held.
func (d *demo) wecomMessage(s wecomtest.Sent, i int) chatMessage {
	m := chatMessage{ID: "wx-" + strconv.Itoa(i), From: "bot", Sender: demoBotName}
	if s.Channel == "robot" {
		m.Sender = "群机器人"
	}
	switch s.MsgType {
	case "template_card":
		m.Type, m.Card = "card", s.Card()
		if id := s.TaskID(); id != "" {
			m.ID = id // clicks name the card by its task_id
			if c, ok := d.wecomCards[id]; ok {
				m.Card = c
			}
		}
	case "markdown":
		m.Type, m.Text = "markdown", s.Content()
	default:
		m.Type, m.Text = "text", s.Content()
	}
	return m
}

// wecomMessages lists the bot's messages in the WeCom group.
func (d *demo) wecomMessages() []chatMessage {
	sent := d.fakes.wecom.Sent()
	d.mu.Lock()
	defer d.mu.Unlock()
	var out []chatMessage
	for i, s := range sent {
		if inDemoWeComChat(s) {
			out = append(out, d.wecomMessage(s, i))
		}
	}
	return out
}

// demoHub holds the newest snapshot and wakes the page's event streams when it changes.
type demoHub struct {
	mu      sync.Mutex
	last    []byte // the snapshot last published
	version uint64
	data    []byte        // {"version":N,"state":…}
	changed chan struct{} // closed and replaced on every change
}

// publish makes state the current snapshot unless nothing changed.
func (h *demoHub) publish(state []byte) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if bytes.Equal(state, h.last) {
		return
	}
	h.last = state
	h.version++
	h.data = fmt.Appendf(nil, `{"version":%d,"state":%s}`, h.version, state)
	close(h.changed)
	h.changed = make(chan struct{})
}

// current returns the newest snapshot, its version, and a channel closed at the next change.
func (h *demoHub) current() (uint64, []byte, <-chan struct{}) {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.version, h.data, h.changed
}
