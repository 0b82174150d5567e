package demo

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/ticketbot/ticketbot/bot/feishu/feishutest"
	"github.com/ticketbot/ticketbot/bot/wecom"
	"github.com/ticketbot/ticketbot/bot/wecom/wecomtest"
)

// This file is the people's side of the two group chats. What someone types in the
// playground becomes the callback the platform itself would send: a Feishu event encrypted
// and signed with the encrypt key, a WeCom callback encrypted and signed with the token and
// EncodingAESKey, POSTed to ticketbot's own webhook. The bot's answers are read back from
// the platform fakes, never from ticketbot.

// Platforms of the playground.
const (
	platformFeishu = "feishu"
	platformWeCom  = "wecom"
)

// chatEntry is one message of a chat's timeline: a person's (kept here, since the platform
// fakes hold only what the bot sent) or the bot's (a reference into its fake).
type chatEntry struct {
	Platform string
	Mine     bool
	// ID is the person's message id, the Feishu fake's message id, or the index of the
	// WeCom fake's record.
	ID   string
	Sent int // WeCom: index into the fake's Sent()
	Text string
	// ReplyTo is the message a person answered (a Feishu thread, a WeCom quote).
	ReplyTo string
	At      time.Time
}

// toast is the small notice Feishu shows the clicker (WeCom has none).
type toast struct {
	Type    string `json:"type"`
	Content string `json:"content"`
}

// errBadInput is a request of the page that cannot be acted on; it is answered 400.
var errBadInput = errors.New("bad input")

// say posts a person's message into a chat; replyTo ("" for none) makes it a thread reply
// (Feishu) or a quote (WeCom) of the bot's message with that id.
func (d *demo) say(ctx context.Context, platform, text, replyTo string) error {
	text = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(text), "@"+demoBotName))
	if text == "" {
		return fmt.Errorf("%w: 请输入内容", errBadInput)
	}
	switch platform {
	case platformFeishu:
		return d.sayFeishu(ctx, text, replyTo)
	case platformWeCom:
		return d.sayWeCom(ctx, text, replyTo)
	}
	return fmt.Errorf("%w: unknown platform %q", errBadInput, platform)
}

// selectChoice is the option a person chose in a select menu that calls back at once (a
// Feishu select_static outside a form): the select's name and the option's value.
type selectChoice struct {
	Name   string `json:"name"`
	Option string `json:"option"`
}

// click presses a card's button: cmd is the command the button carries, form the values of
// the form it submits (Feishu only). With sel it is a choice in a select menu instead, cmd
// the command the select carries (Feishu only).
func (d *demo) click(ctx context.Context, platform, messageID, cmd string, form map[string]string, sel *selectChoice) (*toast, error) {
	if messageID == "" || cmd == "" {
		return nil, fmt.Errorf("%w: message_id and cmd are required", errBadInput)
	}
	if sel != nil && (sel.Name == "" || sel.Option == "") {
		return nil, fmt.Errorf("%w: a select needs its name and the option chosen", errBadInput)
	}
	switch platform {
	case platformFeishu:
		return d.clickFeishu(ctx, messageID, cmd, form, sel)
	case platformWeCom:
		if sel != nil {
			return nil, fmt.Errorf("%w: WeCom cards have no select menus that call back", errBadInput)
		}
		return nil, d.clickWeCom(ctx, messageID, cmd)
	}
	return nil, fmt.Errorf("%w: unknown platform %q", errBadInput, platform)
}

func (d *demo) sayFeishu(ctx context.Context, text, replyTo string) error {
	n := d.seq.Add(1)
	id := fmt.Sprintf("om_demo_user_%d", n)
	opts := []feishutest.EventOpt{feishutest.WithVerificationToken(d.fakes.feishuToken)}
	if replyTo != "" {
		card, ok := d.feishuCardOf(replyTo)
		if !ok {
			return fmt.Errorf("%w: 只能在工单卡片的话题里回复", errBadInput)
		}
		// A reply in the card's topic (话题), as the e2e tests send it.
		opts = append(opts, feishutest.WithRootID(card), feishutest.WithParentID(card))
		replyTo = card
	}
	d.addEntry(chatEntry{Platform: platformFeishu, Mine: true, ID: id, Text: text, ReplyTo: replyTo})
	plain := feishutest.TextMessageEvent(fmt.Sprintf("ev_demo_%d", n), id, demoFeishuChat, demoOpenID, text, opts...)
	status, body, err := d.postFeishu(ctx, plain)
	if err != nil {
		return err
	}
	if status != http.StatusOK {
		return fmt.Errorf("ticketbot answered the Feishu event with HTTP %d: %s", status, truncateText(string(body), 200))
	}
	return nil
}

// feishuCardOf finds the ticket card a thread reply belongs to: the card itself, or the
// card a notice was posted under.
func (d *demo) feishuCardOf(id string) (string, bool) {
	for range 2 {
		m, ok := d.fakes.feishu.Message(id)
		if !ok {
			return "", false
		}
		if m.MsgType == "interactive" && strings.Contains(m.Content, `"cmd":"show `) {
			return m.ID, true
		}
		id = m.ParentID
	}
	return "", false
}

func (d *demo) clickFeishu(ctx context.Context, messageID, cmd string, form map[string]string, sel *selectChoice) (*toast, error) {
	n := d.seq.Add(1)
	// Feishu puts a fresh delayed-update token in every callback; the bot may use it to
	// redraw the card after answering.
	opts := []feishutest.EventOpt{feishutest.WithCardToken(d.fakes.feishu.CardToken(messageID))}
	if sel != nil {
		// A choice in a select outside a form: Feishu sends action.tag select_static with
		// the select's name and the option, and no form_value.
		opts = append(opts, feishutest.WithSelect(sel.Name, sel.Option))
		form = nil
	}
	plain := feishutest.CardActionEvent(fmt.Sprintf("ev_demo_click_%d", n), demoFeishuChat, messageID, demoOpenID, cmd, form,
		d.fakes.feishuToken, opts...)
	status, body, err := d.postFeishu(ctx, plain)
	if err != nil {
		return nil, err
	}
	if status != http.StatusOK {
		return nil, fmt.Errorf("ticketbot answered the click with HTTP %d: %s", status, truncateText(string(body), 200))
	}
	var ans struct {
		Toast *toast `json:"toast"`
		Card  *struct {
			Type string          `json:"type"`
			Data json.RawMessage `json:"data"`
		} `json:"card"`
	}
	if err := json.Unmarshal(body, &ans); err != nil {
		return nil, fmt.Errorf("click answer: %w", err)
	}
	// Feishu redraws the clicked card with the card of the answer.
	if ans.Card != nil && ans.Card.Type == "raw" && len(ans.Card.Data) > 0 {
		if err := d.fakes.feishu.ApplyCallbackCard(messageID, ans.Card.Data); err != nil {
			return ans.Toast, err
		}
	}
	d.refresh()
	return ans.Toast, nil
}

// postFeishu seals a plaintext event as Feishu does and POSTs it to ticketbot's webhook.
func (d *demo) postFeishu(ctx context.Context, plain []byte) (int, []byte, error) {
	body, hdr := feishutest.SealRequest(d.fakes.feishuEncryptKey, plain, time.Now(), randomHex(8))
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, d.botURL+"/feishu/webhook", bytes.NewReader(body))
	if err != nil {
		return 0, nil, err
	}
	req.Header = hdr
	resp, err := d.hc.Do(req)
	if err != nil {
		return 0, nil, fmt.Errorf("post to ticketbot: %w", err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	return resp.StatusCode, b, err
}

func (d *demo) sayWeCom(ctx context.Context, text, replyTo string) error {
	id := fmt.Sprintf("demo-msg-%d", d.seq.Add(1))
	opts := []wecomtest.PayloadOpt{wecomtest.WithMention(demoBotName)}
	if replyTo != "" {
		quote, ok := d.wecomQuote(replyTo)
		if !ok {
			return fmt.Errorf("%w: 找不到要引用的消息", errBadInput)
		}
		// WeCom quotes carry the quoted message's text only; the bot finds the ticket
		// reference in it.
		opts = append(opts, wecomtest.WithQuote(quote))
	}
	d.addEntry(chatEntry{Platform: platformWeCom, Mine: true, ID: id, Text: text, ReplyTo: replyTo})
	r, err := d.fakes.wecom.PostText(ctx, d.botURL+wecom.CallbackPath, id, demoWeComChat, demoWeComUser, text, opts...)
	if err != nil {
		return fmt.Errorf("post to ticketbot: %w", err)
	}
	if r.Status != http.StatusOK {
		return fmt.Errorf("ticketbot answered the WeCom callback with HTTP %d", r.Status)
	}
	return nil
}

func (d *demo) clickWeCom(ctx context.Context, taskID, key string) error {
	id := fmt.Sprintf("demo-click-%d", d.seq.Add(1))
	r, err := d.fakes.wecom.PostClick(ctx, d.botURL+wecom.CallbackPath, id, demoWeComChat, demoWeComUser, taskID, key)
	if err != nil {
		return fmt.Errorf("post to ticketbot: %w", err)
	}
	if r.Status != http.StatusOK {
		return fmt.Errorf("ticketbot answered the click with HTTP %d", r.Status)
	}
	// The passive reply replaces the clicked card for everyone (update_template_card); a
	// failure arrives as a message instead, WeCom having no toast.
	if len(r.Plain) > 0 {
		var p struct {
			ResponseType string          `json:"response_type"`
			TemplateCard json.RawMessage `json:"template_card"`
		}
		if err := json.Unmarshal(r.Plain, &p); err != nil {
			return fmt.Errorf("click answer: %w", err)
		}
		if p.ResponseType == "update_template_card" && len(p.TemplateCard) > 0 {
			d.mu.Lock()
			d.wecomCards[taskID] = p.TemplateCard
			d.mu.Unlock()
		}
	}
	d.refresh()
	return nil
}

// wecomQuote is the text a WeCom quote of the bot's message id carries: a card's title
// and description (which hold the ticket reference), or a markdown message's text.
func (d *demo) wecomQuote(id string) (string, bool) {
	for _, m := range d.wecomMessages() {
		if m.ID != id {
			continue
		}
		if m.Card != nil {
			var c struct {
				MainTitle struct{ Title, Desc string } `json:"main_title"`
			}
			_ = json.Unmarshal(m.Card, &c)
			return c.MainTitle.Title + " " + c.MainTitle.Desc, true
		}
		return m.Text, true
	}
	return "", false
}

// addEntry appends to the timeline and tells the page.
func (d *demo) addEntry(e chatEntry) {
	if e.At.IsZero() {
		e.At = time.Now()
	}
	d.mu.Lock()
	d.entries = append(d.entries, e)
	d.mu.Unlock()
	d.refresh()
}

func truncateText(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[:n]) + "…"
	}
	return s
}
