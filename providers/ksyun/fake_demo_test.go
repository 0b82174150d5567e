package ksyun_test

import (
	"context"
	"testing"

	"github.com/ticketbot/ticketbot/providers"
	"github.com/ticketbot/ticketbot/providers/ksyun"
	"github.com/ticketbot/ticketbot/providers/ksyun/ksyuntest"
)

// Finish then Resume: the ticket is in progress again, no longer waiting for confirmation.
func TestFakeResume(t *testing.T) {
	f := ksyuntest.New("app", "secret")
	defer f.Close()
	p, err := ksyun.New(f.Config())
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	tk, err := p.Create(ctx, providers.CreateRequest{Title: "磁盘告警", Content: "满了"})
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Finish(tk.ID); err != nil {
		t.Fatal(err)
	}
	if got, _ := p.Get(ctx, tk.ID); got.Status != providers.StatusPendingConfirm {
		t.Fatalf("after Finish: %s", got.Status)
	}
	if err := f.Resume(tk.ID); err != nil {
		t.Fatal(err)
	}
	if got, _ := p.Get(ctx, tk.ID); got.Status != providers.StatusInProgress {
		t.Errorf("after Resume: %s", got.Status)
	}
	if err := f.Resume("999999"); err == nil {
		t.Error("Resume of an unknown ticket")
	}
}
