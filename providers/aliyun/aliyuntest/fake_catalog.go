package aliyuntest

import (
	"net/url"
	"slices"
	"strconv"
	"strings"
)

// The fake's products and categories (2021 ListProducts and ListCategories): a product tree
// of groups, and the categories of each product. CreateTicket files only under a category
// that exists, as Aliyun does; RemoveProduct and RemoveCategory make a choice go stale.

type fakeProduct struct {
	group string
	id    int64
	name  string
}

var fakeProducts = []fakeProduct{
	{"弹性计算", ProductID, "云服务器 ECS"},
	{"弹性计算", 1274, "块存储 EBS"},
	{"数据库", 1301, "云数据库 RDS"},
}

type fakeCategory struct {
	product int64
	id      int64
	name    string
}

var fakeCategories = []fakeCategory{
	{ProductID, CategoryID, "实例无法连接"},
	{ProductID, CategoryID + 1, "性能问题"},
	{1274, 2201, "云盘扩容"},
	{1301, 2301, "连接数已满"},
	{1301, 2302, "慢查询"},
}

// RemoveProduct takes a product off the list, with its categories: a choice that went stale.
func (f *Server) RemoveProduct(id int64) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.removed == nil {
		f.removed = map[int64]bool{}
	}
	f.removed[id] = true
	for _, c := range fakeCategories {
		if c.product == id {
			f.removed[c.id] = true
		}
	}
}

// RemoveCategory takes one category off its product's list.
func (f *Server) RemoveCategory(id int64) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.removed == nil {
		f.removed = map[int64]bool{}
	}
	f.removed[id] = true
}

// categoryKnown reports whether tickets can be filed under category id. Call with f.mu held.
func (f *Server) categoryKnown(id int64) bool {
	return !f.removed[id] && slices.ContainsFunc(fakeCategories, func(c fakeCategory) bool { return c.id == id })
}

// The handlers run with f.mu held (serveRPC).

// listProducts answers the product tree, groups with their Children, or the products whose
// name holds Name.
func (f *Server) listProducts(p url.Values) fakeReply {
	name := p.Get("Name")
	var groups []map[string]any
	var found []map[string]any
	for _, pr := range fakeProducts {
		if f.removed[pr.id] {
			continue
		}
		item := map[string]any{"ProductId": pr.id, "ProductName": pr.name}
		if name != "" {
			if strings.Contains(pr.name, name) {
				found = append(found, item)
			}
			continue
		}
		if n := len(groups); n > 0 && groups[n-1]["Name"] == pr.group {
			groups[n-1]["Children"] = append(groups[n-1]["Children"].([]map[string]any), item)
			continue
		}
		groups = append(groups, map[string]any{"Name": pr.group, "Children": []map[string]any{item}})
	}
	if name != "" {
		return fakeOK21(orEmpty(found))
	}
	return fakeOK21(orEmpty(groups))
}

// listCategories answers the categories of ProductId: none for a product it does not know.
func (f *Server) listCategories(p url.Values) fakeReply {
	product, err := strconv.ParseInt(p.Get("ProductId"), 10, 64)
	var out []map[string]any
	for _, c := range fakeCategories {
		if err == nil && c.product == product && !f.removed[c.id] && !f.removed[product] {
			out = append(out, map[string]any{"CategoryId": c.id, "CategoryName": c.name})
		}
	}
	return fakeOK21(orEmpty(out))
}

func orEmpty(items []map[string]any) []map[string]any {
	if items == nil {
		return []map[string]any{}
	}
	return items
}
