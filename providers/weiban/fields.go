package weiban

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/ticketbot/ticketbot/providers"
)

// A new Weiban work order is filed under a template (工单模板, template_id), listed by
// template/list, and handed to a handler (handler_id). The work-order API has no call that
// lists staff, so the handlers to choose from are configured.

// CreateFields are the template, and the handler where handlers are configured.
func (p *Provider) CreateFields() []providers.Field {
	out := []providers.Field{{Name: providers.FieldTemplate}}
	if len(p.cfg.Handlers) > 0 {
		out = append(out, providers.Field{Name: providers.FieldHandler})
	}
	return out
}

// FieldChoices lists the templates people file under (template/list, 常规流程 only: an
// 自动化工单 template is filed by automation, not by a person), or the configured handlers.
func (p *Provider) FieldChoices(ctx context.Context, field, _ string) ([]providers.Choice, error) {
	switch field {
	case providers.FieldTemplate:
		return p.templates(ctx)
	case providers.FieldHandler:
		return p.handlers(), nil
	}
	return nil, providers.ErrUnsupported
}

func (p *Provider) templates(ctx context.Context) ([]providers.Choice, error) {
	q := url.Values{"limit": {"100"}, "template_type": {"1"}}
	var out struct {
		TemplateList []wireTemplate `json:"template_list"`
		List         []wireTemplate `json:"list"`
		Data         struct {
			TemplateList []wireTemplate `json:"template_list"`
		} `json:"data"`
	}
	if err := p.c.call(ctx, request{op: "templates", method: http.MethodGet, path: pathTemplates, query: q, read: true}, &out); err != nil {
		return nil, fmt.Errorf("weiban: list templates: %w", err)
	}
	// The answer's shape is not published (ASSUME): the list at the top, or one level down.
	items := slices.Concat(out.TemplateList, out.List, out.Data.TemplateList)
	choices := make([]providers.Choice, 0, len(items))
	for _, t := range items {
		id := strings.TrimSpace(string(t.ID))
		if id == "" || slices.ContainsFunc(choices, func(c providers.Choice) bool { return c.Value == id }) {
			continue
		}
		choices = append(choices, providers.Choice{Value: id, Label: cmp.Or(strings.TrimSpace(t.Title), strings.TrimSpace(t.Name), id),
			Default: id == strconv.FormatInt(p.cfg.TemplateID, 10)})
	}
	return choices, nil
}

// wireTemplate is a template as template/list names it: template/detail's id and title
// (api-9687065), or a name.
type wireTemplate struct {
	ID    json.Number `json:"id"`
	Title string      `json:"title"`
	Name  string      `json:"name"`
}

// handlers are the configured handlers, the default handler_id marked (and added by its id
// when the list leaves it out).
func (p *Provider) handlers() []providers.Choice {
	def := strings.TrimSpace(p.cfg.HandlerID)
	out := make([]providers.Choice, 0, len(p.cfg.Handlers)+1)
	if def != "" && !slices.ContainsFunc(p.cfg.Handlers, func(h Handler) bool { return strings.TrimSpace(h.ID) == def }) {
		out = append(out, providers.Choice{Value: def, Label: def, Default: true})
	}
	for _, h := range p.cfg.Handlers {
		id := strings.TrimSpace(h.ID)
		out = append(out, providers.Choice{Value: id, Label: strings.TrimSpace(h.Name), Default: id == def})
	}
	return out
}

// chosen is the template and handler a create files with: those chosen, else the defaults.
func (p *Provider) chosen(r providers.CreateRequest) (template int64, handler string, err error) {
	template, handler = p.cfg.TemplateID, p.cfg.HandlerID
	if v := strings.TrimSpace(r.Fields[providers.FieldTemplate]); v != "" {
		if template, err = strconv.ParseInt(v, 10, 64); err != nil || template <= 0 {
			return 0, "", fmt.Errorf("template %q is not an id", v)
		}
	}
	if v := strings.TrimSpace(r.Fields[providers.FieldHandler]); v != "" {
		handler = v
	}
	return template, handler, nil
}
