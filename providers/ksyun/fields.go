package ksyun

import (
	"context"
	"fmt"
	"slices"
	"strconv"

	"github.com/ticketbot/ticketbot/providers"
)

// A new Kingsoft ticket is filed under a product line (repository_product_id). Kingsoft has
// no call that lists them, so the choices are the configured product_lines, with the
// default repository_product_id among them.

// CreateFields is the product line, where product lines are configured to choose from.
func (p *Provider) CreateFields() []providers.Field {
	if len(p.cfg.ProductLines) == 0 {
		return nil
	}
	return []providers.Field{{Name: providers.FieldProductLine}}
}

// FieldChoices lists the configured product lines, the default marked (and added, by its id,
// when the list leaves it out).
func (p *Provider) FieldChoices(_ context.Context, field, _ string) ([]providers.Choice, error) {
	if field != providers.FieldProductLine {
		return nil, providers.ErrUnsupported
	}
	def := p.cfg.RepositoryProductID
	out := make([]providers.Choice, 0, len(p.cfg.ProductLines)+1)
	if !slices.ContainsFunc(p.cfg.ProductLines, func(l ProductLine) bool { return l.ID == def }) {
		id := strconv.FormatInt(def, 10)
		out = append(out, providers.Choice{Value: id, Label: id, Default: true})
	}
	for _, l := range p.cfg.ProductLines {
		out = append(out, providers.Choice{Value: strconv.FormatInt(l.ID, 10), Label: l.Name, Default: l.ID == def})
	}
	return out, nil
}

// productLine is the product line a create files under: the one chosen, else the default.
func (p *Provider) productLine(r providers.CreateRequest) (int64, error) {
	v := r.Fields[providers.FieldProductLine]
	if v == "" {
		return p.cfg.RepositoryProductID, nil
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n <= 0 {
		return 0, fmt.Errorf("product line %q is not an id", v)
	}
	return n, nil
}
