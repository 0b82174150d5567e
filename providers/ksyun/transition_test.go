package ksyun_test

import (
	"context"
	"errors"
	"testing"

	"github.com/ticketbot/ticketbot/providers"
	"github.com/ticketbot/ticketbot/providers/ksyun/ksyuntest"
)

// 驳回 through the transition: reject_handle names the product line the ticket's assignments
// say is being worked on, carries the reason under the person's name, and is not sent where the
// ticket's state allows none (the fake refuses what Kingsoft's state refuses, so a reject that
// got past the provider's own checks would fail there).
func TestRejectTransition(t *testing.T) {
	line := func(group int64, status int, handler bool) ksyuntest.Assign {
		return ksyuntest.Assign{ProductGroupID: group, ProductGroupName: "产品线", Status: status, IsHandler: handler}
	}
	tests := []struct {
		name    string
		status  int // the ticket's
		own     int64
		assigns []ksyuntest.Assign
		reason  string
		group   string // productGroupId sent; "" when nothing may be sent
		wantErr error
	}{
		{"the handler's line", 2, 36, []ksyuntest.Assign{line(36, 2, false), line(48, 1, true)}, "非本产品线问题", "48", nil},
		{"the ticket's own line when no handler has one", 1, 36, []ksyuntest.Assign{line(48, 1, false), line(36, 1, false)}, "x", "36", nil},
		{"the first line left", 1, 36, []ksyuntest.Assign{line(36, 4, true), line(52, 2, false)}, "x", "52", nil},
		{"every line past rejecting", 2, 36, []ksyuntest.Assign{line(36, 4, true), line(48, 3, false), line(52, 5, false)}, "x", "", providers.ErrWrongState},
		{"a closed ticket", 3, 36, []ksyuntest.Assign{line(36, 2, true)}, "x", "", providers.ErrAlreadyClosed},
		{"a cancelled ticket", 4, 36, []ksyuntest.Assign{line(36, 2, true)}, "x", "", providers.ErrAlreadyClosed},
		{"no reason", 2, 36, []ksyuntest.Assign{line(36, 2, true)}, "  ", "", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, f := newFakeProvider(t)
			id := f.Put(ksyuntest.Ticket{Title: "t", Status: tt.status, CreatorID: 40084, ProductGroupID: tt.own, Assigns: tt.assigns})
			err := providers.Reject(context.Background(), p, id, providers.RejectRequest{Reason: tt.reason, Actor: providers.Actor{Name: "张三"}})
			sent := callsTo(f, "reject_handle")
			if tt.group == "" {
				if err == nil || len(sent) != 0 {
					t.Fatalf("Reject = %v with %d reject_handle calls; want an error and none", err, len(sent))
				}
				if tt.wantErr != nil && !errors.Is(err, tt.wantErr) {
					t.Errorf("Reject = %v, want %v", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			want := map[string]string{"id": id, "detail": "张三：" + tt.reason, "productGroupId": tt.group}
			if len(sent) != 1 || !mapsEqual(wireFields(sent[0]), want) {
				t.Errorf("reject_handle bodies %v, want one %v", sent, want)
			}
			tk, err := p.Get(context.Background(), id)
			if err != nil || !tk.HasFlag(providers.FlagRejected) {
				t.Errorf("Get = %+v, %v; want the rejected flag", tk, err)
			}
		})
	}
}

// The fake refuses a reject Kingsoft's state would refuse, whatever the client sends: a line
// already rejected, and a closed ticket, with 23000.
func TestFakeRefusesRejectByState(t *testing.T) {
	p, f := newFakeProvider(t)
	ctx := context.Background()
	id := mustCreate(t, p, providers.CreateRequest{Title: "t"}).ID
	if err := p.RejectLine(ctx, id, 0, "第一次"); err != nil {
		t.Fatal(err)
	}
	var ve *providers.VendorError
	if err := p.RejectLine(ctx, id, 0, "第二次"); !errors.As(err, &ve) || ve.Code != "23000" || ve.Sentence(false) != "产品线分派状态不允许驳回" {
		t.Errorf("a second reject of the line = %v, want 23000 in Kingsoft's words, not close_ticket's hint", err)
	}
	id2 := mustCreate(t, p, providers.CreateRequest{Title: "t2"}).ID
	if err := f.SetStatus(id2, 3); err != nil {
		t.Fatal(err)
	}
	if err := p.RejectLine(ctx, id2, 0, "x"); !errors.As(err, &ve) || ve.Code != "23000" {
		t.Errorf("a reject of a closed ticket = %v, want 23000", err)
	}
}

// Kingsoft has no reopen and no transfer: the transitions say so and why, and call nothing.
func TestKsyunUnsupportedTransitions(t *testing.T) {
	p, f := newFakeProvider(t)
	ctx := context.Background()
	c := providers.Can(p)
	if c.Reopen || c.Transfer || !c.Reject {
		t.Errorf("Can = %+v: want reject only", c)
	}
	for name, err := range map[string]error{
		"reopen":   providers.Reopen(ctx, p, "1204", providers.ReopenRequest{}),
		"transfer": providers.Transfer(ctx, p, "1204", providers.TransferRequest{To: "x"}),
	} {
		var ue *providers.UnsupportedError
		if !errors.As(err, &ue) || ue.Reason == "" || ue.ReasonEN == "" || ue.Op != name {
			t.Errorf("%s = %v, want the reason in both languages", name, err)
		}
	}
	if n := len(f.Calls()); n != 0 {
		t.Errorf("%d calls made", n)
	}
}
