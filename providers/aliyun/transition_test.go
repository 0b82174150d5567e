package aliyun_test

import (
	"context"
	"errors"
	"testing"

	"github.com/ticketbot/ticketbot/providers"
	"github.com/ticketbot/ticketbot/providers/aliyun/aliyuntest"
)

// 重开 (2021 ReopenTicket): sent only for a closed ticket, with its remark as Content under the
// person's name; the fake reopens only what Aliyun would, so a reopen the provider let through
// wrongly fails there too.
func TestReopen2021(t *testing.T) {
	tests := []struct {
		name    string
		status  string // the fake's raw status before
		remark  string
		send    map[string]string // ReopenTicket's parameters; nil: none sent
		wantErr error
	}{
		{"a finished ticket, with a remark", "confirmed", "问题复现了", map[string]string{"TicketId": "00001FK", "Content": "张三：问题复现了"}, nil},
		{"a rated ticket, without one", "score", "", map[string]string{"TicketId": "00001FK"}, nil},
		{"an open ticket", "dealing", "x", nil, providers.ErrWrongState},
		{"waiting for confirmation is not closed", "wait_confirm", "x", nil, providers.ErrWrongState},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			p, f := new2021(t)
			id := mustCreate(t, p, providers.CreateRequest{Title: "t"}).ID
			if err := f.SetStatus(id, tt.status); err != nil {
				t.Fatal(err)
			}
			err := providers.Reopen(ctx, p, id, providers.ReopenRequest{Remark: tt.remark, Actor: providers.Actor{Name: "张三"}})
			calls := f.CallsTo("ReopenTicket")
			if tt.send == nil {
				if !errors.Is(err, tt.wantErr) || len(calls) != 0 {
					t.Errorf("Reopen = %v with %d ReopenTicket calls; want %v and none", err, len(calls), tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(calls) != 1 || !equalMaps(params(calls[0]), tt.send) {
				t.Errorf("ReopenTicket calls = %v, want one with %v", calls, tt.send)
			}
			tk, err := p.Get(ctx, id)
			if err != nil || tk.Status.Terminal() {
				t.Errorf("after reopen: %+v, %v", tk, err)
			}
		})
	}
}

// The fake refuses ReopenTicket of a ticket that is not closed, and of one it does not know,
// whatever the client checked.
func TestFakeRefusesReopen(t *testing.T) {
	ctx := context.Background()
	p, _ := new2021(t)
	id := mustCreate(t, p, providers.CreateRequest{Title: "t"}).ID
	var ve *providers.VendorError
	if err := p.Call(ctx, "ReopenTicket", map[string]string{"TicketId": id}, nil); !errors.As(err, &ve) || ve.Code != aliyuntest.ErrState {
		t.Errorf("ReopenTicket of an open ticket = %v, want %s", err, aliyuntest.ErrState)
	}
	if err := p.Call(ctx, "ReopenTicket", map[string]string{}, nil); !errors.As(err, &ve) || ve.Code != aliyuntest.ErrParam21 {
		t.Errorf("ReopenTicket without TicketId = %v, want %s", err, aliyuntest.ErrParam21)
	}
}

// 2016-08-30 has no close and no reopen, and no version rejects or transfers: each says why,
// and nothing is sent.
func TestAliyunUnsupportedTransitions(t *testing.T) {
	ctx := context.Background()
	p16, f16 := newFakeProvider(t, nil)
	p21, f21 := new2021(t)
	if c := providers.Can(p16); c.Reopen || c.Close || c.Reject || c.Transfer {
		t.Errorf("2016 Can = %+v", c)
	}
	if c := providers.Can(p21); !c.Reopen || !c.Close || c.Reject || c.Transfer {
		t.Errorf("2021 Can = %+v", c)
	}
	for name, err := range map[string]error{
		"2016 reopen":   providers.Reopen(ctx, p16, "00001FK", providers.ReopenRequest{}),
		"2016 close":    p16.Close(ctx, "00001FK", providers.CloseRequest{}),
		"2021 reject":   providers.Reject(ctx, p21, "00001FK", providers.RejectRequest{Reason: "x"}),
		"2021 transfer": providers.Transfer(ctx, p21, "00001FK", providers.TransferRequest{To: "x"}),
	} {
		var ue *providers.UnsupportedError
		if !errors.As(err, &ue) || ue.Reason == "" || ue.ReasonEN == "" {
			t.Errorf("%s = %v, want the reason in both languages", name, err)
		}
	}
	if n := len(f16.Calls()) + len(f21.Calls()); n != 0 {
		t.Errorf("%d calls made", n)
	}
}
