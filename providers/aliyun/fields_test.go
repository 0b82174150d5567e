package aliyun_test

import (
	"context"
	"slices"
	"testing"

	"github.com/ticketbot/ticketbot/providers"
)

// The product and category of a 2021 ticket: their choices come from ListProducts and
// ListCategories, the chosen category is what CreateTicket files under, and one the vendor
// took away is refused by it.
func TestFields2021(t *testing.T) {
	p, f := new2021(t)
	ctx := context.Background()
	if got := providers.CreateFields(p); !slices.Equal(got, []providers.Field{{Name: "product"}, {Name: "category", Parent: "product"}}) {
		t.Fatalf("fields = %+v", got)
	}
	products, err := providers.FieldChoices(ctx, p, providers.FieldProduct, "")
	if err != nil || len(products) != 3 || products[0] != (providers.Choice{Value: "1273", Label: "云服务器 ECS", Default: true}) {
		t.Fatalf("products = %+v, %v", products, err)
	}
	tests := []struct {
		parent string
		want   []providers.Choice
	}{
		{"", []providers.Choice{{Value: "2101", Label: "实例无法连接", Default: true}, {Value: "2102", Label: "性能问题"}}},
		{"1301", []providers.Choice{{Value: "2301", Label: "连接数已满"}, {Value: "2302", Label: "慢查询"}}},
	}
	for _, tt := range tests {
		got, err := providers.FieldChoices(ctx, p, providers.FieldCategory, tt.parent)
		if err != nil || !slices.Equal(got, tt.want) {
			t.Errorf("categories of %q = %+v, %v; want %+v", tt.parent, got, err, tt.want)
		}
	}
	if _, err := providers.FieldChoices(ctx, p, providers.FieldCategory, "ecs"); err == nil {
		t.Error("a product that is no id was listed")
	}

	tk, err := p.Create(ctx, providers.CreateRequest{Title: "慢查询", Content: "RDS 慢", Fields: map[string]string{"product": "1301", "category": "2302"}})
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := f.Ticket(tk.ID); got.CategoryID != 2302 {
		t.Errorf("filed under category %d, want 2302", got.CategoryID)
	}
	f.RemoveCategory(2302)
	if _, err := p.Create(ctx, providers.CreateRequest{Title: "再来", Content: "x", Fields: map[string]string{"category": "2302"}}); err == nil {
		t.Error("a removed category was filed under")
	}
	if got, _ := providers.FieldChoices(ctx, p, providers.FieldCategory, "1301"); len(got) != 1 {
		t.Errorf("categories after the removal = %+v", got)
	}
	if _, err := p.Create(ctx, providers.CreateRequest{Title: "t", Content: "c", Fields: map[string]string{"category": "x"}}); err == nil {
		t.Error("a category that is no id was sent")
	}
}

// 2016's lists are "待实现": no fields are offered, and a chosen product and question still
// reach add.
func TestFields2016(t *testing.T) {
	p, f := newFakeProvider(t, nil)
	if got := providers.CreateFields(p); len(got) != 0 {
		t.Errorf("2016 offers %+v", got)
	}
	tk, err := p.Create(context.Background(), providers.CreateRequest{Title: "t", Content: "c", Fields: map[string]string{"product": "1274", "category": "9"}})
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := f.Ticket(tk.ID); got.ProductID != 1274 || got.CommonQuestionID != 9 {
		t.Errorf("add got product %d, question %d", got.ProductID, got.CommonQuestionID)
	}
}
