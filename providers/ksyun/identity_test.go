package ksyun_test

import (
	"context"
	"errors"
	"testing"

	"github.com/ticketbot/ticketbot/providers"
	"github.com/ticketbot/ticketbot/providers/ksyun/ksyuntest"
)

// A 长工号 is a positive number; one that created tickets is named from them, one that did
// not is taken unchecked, and the form alone refuses.
func TestCheckIdentity(t *testing.T) {
	p, f := newFakeProvider(t)
	f.Put(ksyuntest.Ticket{Title: "工单", Detail: "内容", Type: 1, Priority: 2, Status: 1,
		CreatorID: 40001, CreatorName: "李四", ProductGroupID: 36})
	tests := []struct {
		in      string
		want    providers.Identity
		invalid bool
	}{
		{in: "40001", want: providers.Identity{ID: "40001", Name: "李四", Checked: true}},
		{in: " 040001 ", want: providers.Identity{ID: "40001", Name: "李四", Checked: true}},
		{in: "38362", want: providers.Identity{ID: "38362"}},
		{in: "0", invalid: true},
		{in: "-5", invalid: true},
		{in: "zhangsan", invalid: true},
		{in: "", invalid: true},
	}
	for _, tt := range tests {
		before := len(callsTo(f, "list_tickets"))
		got, err := providers.CheckIdentity(context.Background(), p, tt.in)
		if tt.invalid {
			if !errors.Is(err, providers.ErrInvalidIdentity) {
				t.Errorf("CheckIdentity(%q) = %+v, %v; want ErrInvalidIdentity", tt.in, got, err)
			}
			if n := len(callsTo(f, "list_tickets")) - before; n != 0 {
				t.Errorf("CheckIdentity(%q) asked Kingsoft %d times about an id of the wrong form", tt.in, n)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("CheckIdentity(%q) = %+v, %v; want %+v", tt.in, got, err, tt.want)
		}
	}
	if k := providers.IdentityNoun(p); k.Zh != "长工号" || !providers.Can(p).Identity {
		t.Errorf("IdentityNoun = %+v, Can.Identity = %v", k, providers.Can(p).Identity)
	}
}

// Kingsoft down: the id is still bound, unchecked (the lookup only adds a name).
func TestCheckIdentityVendorDown(t *testing.T) {
	p, f := newFakeProvider(t)
	f.Close()
	got, err := providers.CheckIdentity(context.Background(), p, "38361")
	if err != nil || got != (providers.Identity{ID: "38361"}) {
		t.Fatalf("CheckIdentity with Kingsoft down = %+v, %v; want 38361 unchecked", got, err)
	}
}
