package ksyun_test

import (
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/ticketbot/ticketbot/providers"
	"github.com/ticketbot/ticketbot/providers/ksyun/ksyuntest"
)

// TestRequestIDsAreRecorded proves every Kingsoft answer's request_id reaches the context's
// request log, in order, for successes and for refusals alike.
func TestRequestIDsAreRecorded(t *testing.T) {
	p, f := newFakeProvider(t)
	tk := mustCreate(t, p, providers.CreateRequest{Title: "磁盘告警"})

	tests := []struct {
		name string
		fail bool // the fake refuses the first call
		call func(ctx context.Context) error
		// calls is how many answers the call gets: Reply reads base, then comments.
		calls   int
		wantErr bool
	}{
		{"get", false, func(ctx context.Context) error { _, err := p.Get(ctx, tk.ID); return err }, 1, false},
		{"reply", false, func(ctx context.Context) error {
			return p.Reply(ctx, tk.ID, providers.Reply{Text: "已重启"})
		}, 2, false},
		{"refused get", true, func(ctx context.Context) error { _, err := p.Get(ctx, tk.ID); return err }, 1, true},
		{"refused reply", true, func(ctx context.Context) error {
			return p.Reply(ctx, tk.ID, providers.Reply{Text: "已重启"})
		}, 1, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.fail {
				f.FailNext(1, ksyuntest.ErrSign, "sign error")
			}
			before := len(f.RequestIDs())
			ctx, log := providers.WithRequestLog(context.Background())
			err := tt.call(ctx)
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, want error %v", err, tt.wantErr)
			}
			want := f.RequestIDs()[before:]
			if got := log.IDs(); len(want) != tt.calls || !slices.Equal(got, want) {
				t.Errorf("logged %q, want the fake's %q (%d answers)", got, want, tt.calls)
			}
			var ve *providers.VendorError
			if tt.wantErr && (!errors.As(err, &ve) || ve.RequestID != want[len(want)-1]) {
				t.Errorf("err = %v, want a VendorError naming request_id %s", err, want[len(want)-1])
			}
		})
	}

	t.Run("no log in the context", func(t *testing.T) {
		if _, err := p.Get(context.Background(), tk.ID); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("bare HTTP failure names nothing", func(t *testing.T) {
		f.FailHTTP(1, 502)
		ctx, log := providers.WithRequestLog(context.Background())
		if _, err := p.Get(ctx, tk.ID); err == nil {
			t.Fatal("Get succeeded against an HTTP 502")
		}
		if got := log.IDs(); len(got) != 0 {
			t.Errorf("logged %q for an answer without request_id", got)
		}
	})
}
