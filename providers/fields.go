package providers

import (
	"context"
	"strings"
)

// A vendor's own fields of a new ticket: what a ticket is filed under at that vendor beyond
// its title, details, priority and type (a product and its category, a product line, a
// template and a handler). People get exactly these wrong when they type them blind, so the
// create form offers each with its real choices, read from the vendor where an API lists
// them and from the configuration where none does.

// The fields' names, as CreateRequest.Fields and the create form carry them.
const (
	FieldProduct     = "product"      // 产品; it decides the categories
	FieldCategory    = "category"     // 问题分类 of a product
	FieldProductLine = "product_line" // 产品线
	FieldTemplate    = "template"     // 工单模板
	FieldHandler     = "handler"      // 处理人, whom a new ticket is handed to
)

// Field is one of a vendor's own fields of a new ticket.
type Field struct {
	Name string
	// Parent is the field whose value decides this one's choices (FieldProduct for
	// FieldCategory), "" for none.
	Parent string
}

// Choice is one value a field takes: the vendor's id and the name people read.
type Choice struct {
	Value string
	Label string
	// Default marks the configured default, taken when the field is left out.
	Default bool
}

// Fielder is a vendor with fields of its own on a new ticket (each vendor's fields.go says
// which and where their choices come from). A CreateRequest's Fields carry
// the values chosen, each a Choice's Value; a field left out takes the configured default.
type Fielder interface {
	// CreateFields lists the vendor's own fields, parents before the fields they decide.
	CreateFields() []Field
	// FieldChoices lists the current choices of field; parent is the value of its Parent
	// ("" for the configured default). An empty list means the vendor offers none.
	FieldChoices(ctx context.Context, field, parent string) ([]Choice, error)
}

// FindChoice finds what a person wrote among choices: a value exactly, else a label without
// regard to case or surrounding space.
func FindChoice(choices []Choice, written string) (Choice, bool) {
	w := strings.TrimSpace(written)
	for _, c := range choices {
		if c.Value == w {
			return c, true
		}
	}
	for _, c := range choices {
		if strings.EqualFold(strings.TrimSpace(c.Label), w) {
			return c, true
		}
	}
	return Choice{}, false
}

// DefaultChoice is the choice marked Default, if any.
func DefaultChoice(choices []Choice) (Choice, bool) {
	for _, c := range choices {
		if c.Default {
			return c, true
		}
	}
	return Choice{}, false
}
