package aliyun

import (
	"cmp"
	"context"
	"fmt"
	"strconv"

	"github.com/ticketbot/ticketbot/providers"
)

// A new Aliyun ticket is filed under a category (2021 CategoryId, from ListCategories) of a
// product (ListProducts); 2016's add takes a productId and a common question, whose lists
// are "待实现" in its document, so with 2016 the fields are offered only where action_names
// name the list actions.

// CreateFields are the product and its category, where the product list can be read.
func (p *Provider) CreateFields() []providers.Field {
	var out []providers.Field
	if p.actions[OpProducts] != "" {
		out = append(out, providers.Field{Name: providers.FieldProduct})
	}
	if p.actions[OpCategories] != "" {
		out = append(out, providers.Field{Name: providers.FieldCategory, Parent: providers.FieldProduct})
	}
	return out
}

// FieldChoices lists the products, or the categories of parent (the configured product_id
// when parent is "").
func (p *Provider) FieldChoices(ctx context.Context, field, parent string) ([]providers.Choice, error) {
	var (
		items []CatalogItem
		err   error
	)
	switch field {
	case providers.FieldProduct:
		items, err = p.Products(ctx)
	case providers.FieldCategory:
		product := p.cfg.ProductID
		if parent != "" {
			if product, err = strconv.ParseInt(parent, 10, 64); err != nil || product <= 0 {
				return nil, fmt.Errorf("aliyun: product %q is not a product id", parent)
			}
		}
		if product <= 0 {
			// No product to list the categories of: the configured category is the one choice.
			return defaultChoice(cmp.Or(p.cfg.CategoryID, p.cfg.CustomerCommonQuestionID)), nil
		}
		items, err = p.Categories(ctx, product)
	default:
		return nil, providers.ErrUnsupported
	}
	if err != nil {
		return nil, err
	}
	out := make([]providers.Choice, 0, len(items))
	for _, it := range items {
		id := strconv.FormatInt(it.ID, 10)
		out = append(out, providers.Choice{Value: id, Label: cmp.Or(it.Name, id), Default: it.Default})
	}
	return out, nil
}

func defaultChoice(id int64) []providers.Choice {
	if id <= 0 {
		return nil
	}
	s := strconv.FormatInt(id, 10)
	return []providers.Choice{{Value: s, Label: s, Default: true}}
}

// fieldOptions applies the fields chosen (CreateRequest.Fields) to o where o leaves them
// open: the category (2021 CategoryId, 2016 customerCommonQuestionId) and the product (2016
// productId; 2021's CreateTicket takes the category alone).
func (p *Provider) fieldOptions(r providers.CreateRequest, o CreateOptions) (CreateOptions, error) {
	num := func(name string) (int64, error) {
		v := r.Fields[name]
		if v == "" {
			return 0, nil
		}
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n <= 0 {
			return 0, fmt.Errorf("%s %q is not an id", name, v)
		}
		return n, nil
	}
	product, err := num(providers.FieldProduct)
	if err != nil {
		return o, err
	}
	category, err := num(providers.FieldCategory)
	if err != nil {
		return o, err
	}
	if p.v2021 {
		o.CategoryID = cmp.Or(o.CategoryID, category)
		return o, nil
	}
	if o.ProductID == 0 && o.CommonQuestionID == 0 && (product > 0 || category > 0) {
		o.ProductID = cmp.Or(product, p.cfg.ProductID)
		o.CommonQuestionID = category
	}
	return o, nil
}
