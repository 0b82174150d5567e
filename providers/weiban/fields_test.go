package weiban_test

import (
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/ticketbot/ticketbot/providers"
	"github.com/ticketbot/ticketbot/providers/weiban"
	"github.com/ticketbot/ticketbot/providers/weiban/weibantest"
)

// Templates come from template/list (常规流程 only), handlers from the configuration; the
// chosen ones are what create files with, and a template taken away is refused with a
// sentence that says so.
func TestTemplatesAndHandlers(t *testing.T) {
	f := weibantest.New("corp-1", testSecret)
	t.Cleanup(f.Close)
	cfg := f.Config()
	cfg.Handlers = []weiban.Handler{{ID: weibantest.AgentID, Name: "张伟"}, {ID: weibantest.Agent2ID, Name: "李娜"}}
	p, err := weiban.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if got := providers.CreateFields(p); !slices.Equal(got, []providers.Field{{Name: "template"}, {Name: "handler"}}) {
		t.Fatalf("fields = %+v", got)
	}
	templates, err := providers.FieldChoices(ctx, p, providers.FieldTemplate, "")
	want := []providers.Choice{{Value: "62081", Label: "默认工单模板", Default: true}, {Value: "62082", Label: "售后问题"}}
	if err != nil || !slices.Equal(templates, want) {
		t.Fatalf("templates = %+v, %v; want %+v", templates, err, want)
	}
	var c []weibantest.Call
	for _, call := range f.Calls() {
		if call.Path == "/open-api/workorder/template/list" {
			c = append(c, call)
		}
	}
	if len(c) != 1 || c[0].Query.Get("limit") != "100" || c[0].Query.Get("template_type") != "1" {
		t.Errorf("template/list calls = %+v", c)
	}
	handlers, _ := providers.FieldChoices(ctx, p, providers.FieldHandler, "")
	wantH := []providers.Choice{{Value: weibantest.AgentID, Label: "张伟", Default: true}, {Value: weibantest.Agent2ID, Label: "李娜"}}
	if cfg.HandlerID != weibantest.AgentID || !slices.Equal(handlers, wantH) {
		t.Errorf("handlers = %+v (default %q)", handlers, cfg.HandlerID)
	}

	tk, err := p.Create(ctx, providers.CreateRequest{Title: "退款", Fields: map[string]string{"template": "62082", "handler": weibantest.Agent2ID}})
	if err != nil {
		t.Fatal(err)
	}
	if o, _ := f.Order(tk.ID); o.TemplateID != 62082 || o.HandlerID != weibantest.Agent2ID {
		t.Errorf("filed with template %d, handler %q", o.TemplateID, o.HandlerID)
	}
	f.RemoveTemplate(62082)
	_, err = p.Create(ctx, providers.CreateRequest{Title: "退款", Fields: map[string]string{"template": "62082"}})
	var ve *providers.VendorError
	if !errors.As(err, &ve) || ve.Code != "223014" {
		t.Errorf("a removed template: %v", err)
	}
	if _, err := p.Create(ctx, providers.CreateRequest{Title: "t", Fields: map[string]string{"template": "售后"}}); err == nil {
		t.Error("a template that is no id was sent")
	}
}

func TestHandlersConfig(t *testing.T) {
	for name, hs := range map[string][]weiban.Handler{
		"no id":   {{Name: "张伟"}},
		"no name": {{ID: "zw"}},
		"twice":   {{ID: "zw", Name: "a"}, {ID: "zw", Name: "b"}},
	} {
		cfg := weibantest.New("corp-1", testSecret).Config()
		cfg.Handlers = hs
		if _, err := weiban.New(cfg); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}
