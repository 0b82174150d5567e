package command

import (
	"context"
	"errors"
	"maps"
	"testing"

	"github.com/ticketbot/ticketbot/providers"
)

// fieldVendor is a vendor with fields of its own, as Aliyun's: a product, which decides the
// categories.
type fieldVendor struct{ *fakeVendor }

func (f fieldVendor) CreateFields() []providers.Field {
	return []providers.Field{{Name: providers.FieldProduct}, {Name: providers.FieldCategory, Parent: providers.FieldProduct}}
}

func (f fieldVendor) FieldChoices(_ context.Context, field, parent string) ([]providers.Choice, error) {
	v := f.fakeVendor
	v.mu.Lock()
	defer v.mu.Unlock()
	v.choiceReads++
	if v.ChoicesErr != nil {
		return nil, v.ChoicesErr
	}
	if v.catalog == nil {
		v.catalog = map[string][]providers.Choice{
			"product":       {{Value: "1273", Label: "云服务器 ECS", Default: true}, {Value: "1301", Label: "云数据库 RDS"}},
			"category/1273": {{Value: "2101", Label: "实例无法连接", Default: true}, {Value: "2102", Label: "性能问题"}},
			"category/1301": {{Value: "2301", Label: "连接数已满"}, {Value: "2302", Label: "慢查询"}},
		}
	}
	key := field
	if field == providers.FieldCategory {
		key += "/" + cmpOr(parent, "1273")
	}
	return v.catalog[key], nil
}

// remove takes a choice away at the vendor.
func (f fieldVendor) remove(key, value string) {
	v := f.fakeVendor
	v.mu.Lock()
	defer v.mu.Unlock()
	var keep []providers.Choice
	for _, c := range v.catalog[key] {
		if c.Value != value {
			keep = append(keep, c)
		}
	}
	v.catalog[key] = keep
}

// filedFields checks the fields of the one create the vendor got.
func filedFields(got *[]providers.CreateRequest, content string, want map[string]string) func(t *testing.T, _ *harness, _ *fakeVendor) {
	return func(t *testing.T, _ *harness, _ *fakeVendor) {
		t.Helper()
		if len(*got) != 1 {
			t.Fatalf("%d creates, want 1", len(*got))
		}
		r := (*got)[0]
		if !maps.Equal(r.Fields, want) || (content != "" && r.Content != content) {
			t.Errorf("filed fields %v content %q; want %v %q", r.Fields, r.Content, want, content)
		}
	}
}

// The vendor's own fields, on the form and typed: their real choices, a field that decides
// another drawn again when it changes, what was chosen filed, a choice gone stale at the
// vendor said with what was filled in kept, and a value the vendor does not offer answered
// with the ones it does.
func TestCreateFormFields(t *testing.T) {
	var got, typed, kept []providers.CreateRequest
	submit := map[string]string{"title": "慢查询很多", "content": "从 10 点开始", "category": "2302"}
	runCases(t, []cmdCase{{
		name:   "the form offers the product outside the form and its categories inside",
		fields: true,
		text:   "建单",
		want: []string{`"name":"product"`, `"initial_option":"1273"`, "云数据库 RDS", `"name":"category"`, `"initial_option":"2101"`,
			"性能问题", `"cmd":"newform `, ` pick product=1273 vendor=ksyun"`, "先选供应商和产品"},
		not:   []string{"慢查询"},
		calls: []string{},
	}, {
		name:   "choosing a product draws its categories",
		fields: true,
		click:  "newform k1 pick product=1273 vendor=ksyun",
		form:   map[string]string{"product": "1301"},
		want:   []string{`"initial_option":"1301"`, "连接数已满", "慢查询", `"cmd":"newform k1 product=1301 vendor=ksyun"`},
		not:    []string{"性能问题", "toast error"},
		calls:  []string{},
	}, {
		name:   "the submit files under the choices",
		fields: true,
		click:  "newform k2 product=1301 vendor=ksyun",
		form:   submit,
		vendor: created(&got),
		want:   []string{"toast success", "慢查询很多"},
		check:  filedFields(&got, "从 10 点开始", map[string]string{"product": "1301", "category": "2302"}),
	}, {
		name:   "a category removed since the form was drawn",
		fields: true,
		setup: func(t *testing.T, h *harness, v *fakeVendor) {
			// The form was drawn for RDS, and its categories read and kept.
			h.click("feishu", "om_form", "newform k3 pick product=1273 vendor=ksyun", map[string]string{"product": "1301"})
			fieldVendor{v}.remove("category/1301", "2302")
		},
		click: "newform k3 product=1301 vendor=ksyun",
		form:  submit,
		want: []string{"toast error: 金山云的问题分类「慢查询」已不存在，请重新选择；已填写的内容已保留。", `"default_value":"慢查询很多"`,
			`"default_value":"从 10 点开始"`, `"initial_option":"1301"`, `"cmd":"newform k3 product=1301 vendor=ksyun"`},
		calls: []string{},
	}, {
		name:   "a product removed: drawn again with the default's categories",
		fields: true,
		setup: func(t *testing.T, h *harness, v *fakeVendor) {
			h.say("建单")
			fieldVendor{v}.remove("product", "1301")
		},
		click: "newform k4 product=1301 vendor=ksyun",
		form:  submit,
		want:  []string{"toast error: 金山云的产品「云数据库 RDS」已不存在", `"initial_option":"1273"`, "实例无法连接", `"default_value":"慢查询很多"`},
		calls: []string{},
	}, {
		name:   "choices that cannot be read: the form says so and files with the default",
		fields: true,
		vendor: func(v *fakeVendor) { v.ChoicesErr = errVendor },
		text:   "建单",
		want:   []string{"暂时读不到金山云的产品列表，将按默认值建单。", `"name":"title"`},
		not:    []string{`"name":"product"`},
	}, {
		name:   "typed by name",
		fields: true,
		text:   "建单 ksyun 慢查询\nRDS 从 10 点开始变慢\n产品: 云数据库 RDS\n分类：慢查询",
		vendor: created(&typed),
		check:  filedFields(&typed, "RDS 从 10 点开始变慢", map[string]string{"product": "1301", "category": "2302"}),
	}, {
		name:   "typed, a value the vendor does not offer",
		fields: true,
		text:   "建单 ksyun 慢查询\n分类: 磁盘满",
		want:   []string{"金山云没有问题分类「磁盘满」。可选：实例无法连接、性能问题。"},
		calls:  []string{},
	}, {
		name:   "typed, a field the vendor does not have stays in the details",
		text:   "建单 ksyun 告警\n产品: 订单服务\n模板: 售后",
		vendor: created(&kept),
		check:  filedFields(&kept, "产品: 订单服务\n模板: 售后", nil),
	}})
}

// A read of the choices is shared while it lasts and kept for a while: drawing the form
// twice reads each list once.
func TestChoicesAreKept(t *testing.T) {
	v := newFakeVendor("ksyun")
	h := buildHarness(t, Config{}, ":memory:", map[string]providers.Provider{"ksyun": fieldVendor{v}})
	h.say("建单")
	h.say("建单")
	v.mu.Lock()
	reads := v.choiceReads
	v.mu.Unlock()
	if reads != 2 { // the products, and the default product's categories
		t.Errorf("%d reads of the choices, want 2", reads)
	}
	if _, err := h.bot.env.choices(context.Background(), fieldVendor{v}, "product", "", true); err != nil {
		t.Fatal(err)
	}
	v.mu.Lock()
	v.ChoicesErr = errors.New("down")
	v.mu.Unlock()
	if _, err := h.bot.env.choices(context.Background(), fieldVendor{v}, "product", "", false); err != nil {
		t.Errorf("kept choices were read again: %v", err)
	}
}
