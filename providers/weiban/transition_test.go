package weiban_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/ticketbot/ticketbot/providers"
	"github.com/ticketbot/ticketbot/providers/weiban"
	"github.com/ticketbot/ticketbot/providers/weiban/weibantest"
)

// 流转 through the transition: switch names the next handler, acts as the person's staff id or
// the bot's with their name before the remark, and is not sent where Weiban would refuse it or
// where it would change nothing; the fake checks what switch checks (the handler, the length).
func TestTransferTransition(t *testing.T) {
	tests := []struct {
		name    string
		r       providers.TransferRequest
		closed  bool
		send    bool   // a switch call is made
		staff   string // its staff_id
		text    string // its content.text
		wantErr error
		code    string // the vendor's code of a refusal
	}{
		{name: "as the bot, the name before the remark", r: providers.TransferRequest{To: weibantest.Agent2ID, Remark: "请李娜跟进", Actor: providers.Actor{Name: "张三"}},
			send: true, staff: weibantest.BotStaffID, text: "张三：请李娜跟进"},
		{name: "as the person's own staff id", r: providers.TransferRequest{To: weibantest.Agent2ID, Actor: providers.Actor{Name: "张三", VendorID: weibantest.AgentID}},
			send: true, staff: weibantest.AgentID, text: ""},
		{name: "600 characters is the most", r: providers.TransferRequest{To: weibantest.Agent2ID, Remark: strings.Repeat("长", 600), Actor: providers.Actor{VendorID: weibantest.AgentID}},
			send: true, staff: weibantest.AgentID, text: strings.Repeat("长", 600)},
		{name: "a remark too long is refused, not cut", r: providers.TransferRequest{To: weibantest.Agent2ID, Remark: strings.Repeat("长", 598), Actor: providers.Actor{Name: "张三"}}},
		{name: "the handler it has already", r: providers.TransferRequest{To: weibantest.AgentID}, wantErr: providers.ErrWrongState},
		{name: "a closed work order", r: providers.TransferRequest{To: weibantest.Agent2ID}, closed: true, wantErr: providers.ErrAlreadyClosed},
		{name: "no handler", r: providers.TransferRequest{To: " "}},
		{name: "a handler Weiban does not know", r: providers.TransferRequest{To: "nobody"}, send: true, staff: weibantest.BotStaffID, code: "22302"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			p, f, _ := newFakeProvider(t)
			tk, err := p.Create(ctx, providers.CreateRequest{Title: "网关超时"})
			if err != nil {
				t.Fatal(err)
			}
			if tt.closed {
				if err := p.Close(ctx, tk.ID, providers.CloseRequest{}); err != nil {
					t.Fatal(err)
				}
			}
			err = providers.Transfer(ctx, p, tk.ID, tt.r)
			sent := callsTo(f, weiban.PathSwitch)
			if !tt.send {
				if err == nil || len(sent) != 0 {
					t.Fatalf("Transfer = %v with %d switch calls; want an error and none", err, len(sent))
				}
				if tt.wantErr != nil && !errors.Is(err, tt.wantErr) {
					t.Errorf("Transfer = %v, want %v", err, tt.wantErr)
				}
				return
			}
			if len(sent) != 1 {
				t.Fatalf("%d switch calls", len(sent))
			}
			b := sent[0].Body
			c, _ := b["content"].(map[string]any)
			if b["order_no"] != tk.ID || b["staff_id"] != tt.staff || b["handler_id"] != strings.TrimSpace(tt.r.To) || c["text"] != tt.text || fmt.Sprint(b["is_show"]) != "1" {
				t.Errorf("switch body = %v", b)
			}
			if tt.code != "" {
				var ve *providers.VendorError
				if !errors.As(err, &ve) || ve.Code != tt.code || !strings.Contains(ve.Sentence(false), "接手人") {
					t.Errorf("Transfer = %v, want the vendor's %s saying the handler is wrong", err, tt.code)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			got, _ := p.Get(ctx, tk.ID)
			if got.HandlerID != tt.r.To || got.Handler != weibantest.Agent2Name {
				t.Errorf("after the transfer: handler %q (%q)", got.Handler, got.HandlerID)
			}
		})
	}
}

// A remark too long says how long it may be, counting what the person wrote.
func TestTransferTooLong(t *testing.T) {
	p, _, _ := newFakeProvider(t)
	err := p.Transfer(context.Background(), "1", providers.TransferRequest{To: weibantest.Agent2ID, Remark: strings.Repeat("长", 599), Actor: providers.Actor{Name: "张三"}})
	var tl *providers.TooLongError
	if !errors.As(err, &tl) || tl.Max != 597 || tl.Got != 599 {
		t.Errorf("Transfer = %v, want at most 597 (600 less 张三：), got 599", err)
	}
}

// Weiban has no reopen and no reject: the transitions say so and why, and call nothing.
func TestWeibanUnsupportedTransitions(t *testing.T) {
	p, f, _ := newFakeProvider(t)
	ctx := context.Background()
	if c := providers.Can(p); c.Reopen || c.Reject || !c.Transfer {
		t.Errorf("Can = %+v: want transfer only", c)
	}
	n := len(f.Calls())
	for name, err := range map[string]error{
		"reopen": providers.Reopen(ctx, p, "1", providers.ReopenRequest{}),
		"reject": providers.Reject(ctx, p, "1", providers.RejectRequest{Reason: "x"}),
	} {
		var ue *providers.UnsupportedError
		if !errors.As(err, &ue) || ue.Reason == "" || ue.ReasonEN == "" || ue.Op != name {
			t.Errorf("%s = %v, want the reason in both languages", name, err)
		}
	}
	if len(f.Calls()) != n {
		t.Error("an unsupported transition called Weiban")
	}
}
