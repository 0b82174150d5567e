package aliyun_test

import (
	"context"
	"errors"
	"testing"

	"github.com/ticketbot/ticketbot/providers"
)

// 2021's ListTickets finds tickets by a keyword of their description; 2016's list cannot, and
// says so.
func TestSearch(t *testing.T) {
	p, f := new2021(t)
	ctx := context.Background()
	for _, r := range []providers.CreateRequest{{Title: "慢查询", Content: "RDS 慢查询很多"}, {Title: "登录", Content: "ECS 无法登录"}} {
		if _, err := p.Create(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	if !providers.Can(p).Search {
		t.Fatal("2021 cannot search")
	}
	ts, total, err := providers.Search(ctx, p, "慢查询", 1, 10)
	if err != nil || total != 1 || len(ts) != 1 || ts[0].Title != "慢查询" {
		t.Fatalf("search = %+v, %d, %v", ts, total, err)
	}
	if c := f.CallsTo("ListTickets"); len(c) == 0 || params(c[len(c)-1])["Keyword"] != "慢查询" || params(c[len(c)-1])["PageSize"] != "10" {
		t.Errorf("ListTickets calls = %v", c)
	}

	old, _ := newFakeProvider(t, nil)
	if providers.Can(old).Search {
		t.Error("2016 claims to search")
	}
	_, _, err = providers.Search(ctx, old, "x", 1, 10)
	var ue *providers.UnsupportedError
	if !errors.As(err, &ue) || ue.Reason == "" || ue.ReasonEN == "" {
		t.Errorf("2016 search: %v", err)
	}
}
