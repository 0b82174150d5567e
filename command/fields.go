package command

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"golang.org/x/sync/singleflight"

	"github.com/ticketbot/ticketbot/internal/ttl"
	"github.com/ticketbot/ticketbot/providers"
)

// The vendors' own fields of a new ticket (providers.Fielder): a product and its category,
// a product line, a template, a handler. People name them by
// what they read ("产品线: 云服务器") or the create form sends the vendor's id; either way a
// value is found among the field's current choices before anything is filed, so a wrong or
// stale one is answered with the choices rather than refused by the vendor.

// choiceTTL is how long a field's choices are kept: the form draws them on every 建单 and its
// submit checks against them, while a vendor's product or template list changes rarely. A
// value missing from the kept list is looked up again before it is refused.
const choiceTTL = 5 * time.Minute

// choiceBook keeps the choices read, one read per field at a time.
type choiceBook struct {
	once  sync.Once
	cache *ttl.Cache[string, []providers.Choice]
	reads singleflight.Group
}

// choices are the current choices of p's field (parent: the value of the field it depends
// on); fresh reads them from the vendor even when they are kept.
func (e *Env) choices(ctx context.Context, p providers.Provider, field, parent string, fresh bool) ([]providers.Choice, error) {
	b := &e.choiceBook
	b.once.Do(func() { b.cache = ttl.New[string, []providers.Choice](256, choiceTTL) })
	key := p.Name() + "\x00" + field + "\x00" + parent
	if !fresh {
		if cs, ok := b.cache.Get(key); ok {
			return cs, nil
		}
	}
	v, err, _ := b.reads.Do(key, func() (any, error) {
		cs, err := providers.FieldChoices(ctx, p, field, parent)
		if err == nil {
			b.cache.Add(key, cs)
		}
		return cs, err
	})
	if err != nil {
		return nil, err
	}
	return v.([]providers.Choice), nil
}

// findChoice finds what was written among the field's choices, reading them again when the
// kept ones do not have it (a product added since they were read).
func (e *Env) findChoice(ctx context.Context, p providers.Provider, field, parent, written string) (providers.Choice, []providers.Choice, error) {
	cs, err := e.choices(ctx, p, field, parent, false)
	if err != nil {
		return providers.Choice{}, nil, err
	}
	if c, ok := providers.FindChoice(cs, written); ok {
		return c, cs, nil
	}
	if cs, err = e.choices(ctx, p, field, parent, true); err != nil {
		return providers.Choice{}, nil, err
	}
	c, ok := providers.FindChoice(cs, written)
	if !ok {
		return providers.Choice{}, cs, nil
	}
	return c, cs, nil
}

// fieldLabel is what a field is called ("产品线").
func (e *Env) fieldLabel(field string, en bool) string {
	return e.text(en, "field_"+field)
}

// resolveFields turns the fields a person wrote into p's choices, parents first. A line for
// a field p does not have goes back into the details, as any other line would; a value p
// does not offer is answered with what it does; a list that cannot be read is a vendor
// failure like any other.
func (e *Env) resolveFields(ctx context.Context, p providers.Provider, c *Command) (map[string]string, error) {
	if len(c.Fields) == 0 {
		return nil, nil
	}
	out := map[string]string{}
	known := map[string]bool{}
	for _, f := range providers.CreateFields(p) {
		known[f.Name] = true
		written, ok := c.Fields[f.Name]
		if !ok {
			continue
		}
		choice, offered, err := e.findChoice(ctx, p, f.Name, out[f.Parent], written)
		if err != nil {
			return nil, fmt.Errorf("list the %s choices: %w", f.Name, err) // said as any vendor failure
		}
		if choice.Value == "" {
			return nil, e.unknownChoice(p.Name(), f.Name, written, offered)
		}
		out[f.Name] = choice.Value
	}
	var back []string
	for _, name := range fieldOrder {
		if _, ok := c.Fields[name]; ok && !known[name] {
			back = append(back, c.fieldLines[name])
		}
	}
	if len(back) > 0 {
		if c.Content == c.Title { // details that were only the title (parser.new)
			c.Content = ""
		}
		c.Content = strings.TrimSpace(c.Content + "\n" + strings.Join(back, "\n"))
	}
	if len(out) == 0 {
		return nil, nil
	}
	return out, nil
}

// maxChoicesSaid bounds the choices a sentence lists.
const maxChoicesSaid = 12

// unknownChoice says a field has no such value, with the ones it has.
func (e *Env) unknownChoice(vendor, field, written string, offered []providers.Choice) error {
	return e.userErrBy("field_unknown", func(en bool) []any {
		names := make([]string, 0, min(len(offered), maxChoicesSaid)+1)
		for i, c := range offered {
			if i == maxChoicesSaid {
				names = append(names, "…")
				break
			}
			names = append(names, c.Label)
		}
		return []any{"vendor", e.Vendors.Label(vendor, en), "field", e.fieldLabel(field, en),
			"value", truncateRunes(written, 30), "choices", list(names, en)}
	})
}
