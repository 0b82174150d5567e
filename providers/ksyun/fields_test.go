package ksyun_test

import (
	"context"
	"slices"
	"testing"

	"github.com/ticketbot/ticketbot/providers"
	"github.com/ticketbot/ticketbot/providers/ksyun"
	"github.com/ticketbot/ticketbot/providers/ksyun/ksyuntest"
)

// Kingsoft lists no product lines: the configured ones are the choices, the default among
// them, and the one chosen is what create files under.
func TestProductLines(t *testing.T) {
	f := ksyuntest.New("appA", testSecret)
	t.Cleanup(f.Close)
	f.SetClock(fixedClock)
	cfg := f.Config()
	if p, err := ksyun.New(cfg); err != nil || len(providers.CreateFields(p)) != 0 {
		t.Fatalf("no product lines configured offers %+v (%v)", providers.CreateFields(p), err)
	}
	cfg.ProductLines = []ksyun.ProductLine{{ID: 501, Name: "云服务器"}, {ID: 502, Name: "对象存储"}}
	p, err := ksyun.New(cfg, ksyun.WithClock(fixedClock))
	if err != nil {
		t.Fatal(err)
	}
	if got := providers.CreateFields(p); !slices.Equal(got, []providers.Field{{Name: "product_line"}}) {
		t.Fatalf("fields = %+v", got)
	}
	got, err := providers.FieldChoices(context.Background(), p, providers.FieldProductLine, "")
	want := []providers.Choice{{Value: "36", Label: "36", Default: true}, {Value: "501", Label: "云服务器"}, {Value: "502", Label: "对象存储"}}
	if err != nil || !slices.Equal(got, want) {
		t.Fatalf("choices = %+v, %v; want %+v", got, err, want)
	}
	tk := mustCreate(t, p, providers.CreateRequest{Title: "挂载失败", Fields: map[string]string{"product_line": "502"}})
	if ft, _ := f.Ticket(tk.ID); ft.RepositoryProductID != 502 {
		t.Errorf("filed under product line %d, want 502", ft.RepositoryProductID)
	}
	tk = mustCreate(t, p, providers.CreateRequest{Title: "默认"})
	if ft, _ := f.Ticket(tk.ID); ft.RepositoryProductID != 36 {
		t.Errorf("filed under product line %d, want the default 36", ft.RepositoryProductID)
	}
	if _, err := p.Create(context.Background(), providers.CreateRequest{Title: "t", Fields: map[string]string{"product_line": "云服务器"}}); err == nil {
		t.Error("a product line that is no id was sent")
	}
}

func TestProductLinesConfig(t *testing.T) {
	for name, lines := range map[string][]ksyun.ProductLine{
		"no id":   {{Name: "云服务器"}},
		"no name": {{ID: 5}},
		"twice":   {{ID: 5, Name: "a"}, {ID: 5, Name: "b"}},
	} {
		cfg := ksyuntest.New("appA", testSecret).Config()
		cfg.ProductLines = lines
		if _, err := ksyun.New(cfg); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

// Kingsoft's list has no keyword filter: it cannot search, and says why.
func TestNoSearch(t *testing.T) {
	p, _ := newFakeProvider(t)
	if providers.Can(p).Search {
		t.Fatal("Kingsoft claims to search")
	}
	_, _, err := providers.Search(context.Background(), p, "x", 1, 10)
	if ue, ok := err.(*providers.UnsupportedError); !ok || ue.Reason == "" {
		t.Errorf("search: %v", err)
	}
}
