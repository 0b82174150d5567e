package weiban_test

import (
	"context"
	"testing"

	"github.com/ticketbot/ticketbot/providers"
)

// Weiban's list finds work orders by a part of their title, a page at a time.
func TestSearch(t *testing.T) {
	p, f, _ := newFakeProvider(t)
	ctx := context.Background()
	for _, title := range []string{"退款失败 A", "退款失败 B", "发票"} {
		if _, err := p.Create(ctx, providers.CreateRequest{Title: title}); err != nil {
			t.Fatal(err)
		}
	}
	if !providers.Can(p).Search {
		t.Fatal("Weiban cannot search")
	}
	ts, total, err := providers.Search(ctx, p, "退款", 2, 1)
	if err != nil || total != 2 || len(ts) != 1 {
		t.Fatalf("search = %+v, %d, %v", ts, total, err)
	}
	calls := f.Calls()
	last := calls[len(calls)-1]
	if last.Path != "/open-api/workorder/list" || last.Query.Get("title") != "退款" || last.Query.Get("limit") != "1" || last.Query.Get("offset") != "1" {
		t.Errorf("the list call: %s %v", last.Path, last.Query)
	}
	if _, _, err := providers.Search(ctx, p, "退款", 1, 101); err == nil {
		t.Error("a page of 101 was asked for")
	}
}
