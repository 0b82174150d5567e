package app

import (
	"regexp"
	"strings"
	"testing"
)

// The create form through the real server: 建单 alone posts the form; its submit files the
// Kingsoft ticket with what was filled in and turns the form into the ticket's card; the same
// form submitted again files nothing more.
func TestEndToEndCreateForm(t *testing.T) {
	h := startHarness(t, "")
	h.say("ev-form", "om_form", "建单")
	h.waitFor("the form", func() bool { return len(h.messages("interactive")) == 1 })
	form := h.messages("interactive")[0]
	key := regexp.MustCompile(`"cmd":"(newform [0-9a-f]+ vendor=ksyun)"`).FindStringSubmatch(form.Content)
	if key == nil || !strings.Contains(form.Content, `"name":"title"`) {
		t.Fatalf("the form: %s", form.Content)
	}
	fields := map[string]string{"vendor": "ksyun", "title": "订单服务 502", "content": "从 09:38 起 5xx 比例 35%", "priority": "urgent", "type": "incident"}
	a := h.click("ev-submit", form.ID, key[1], fields)
	if a.Toast.Type != "success" || !strings.Contains(string(a.Card.Data), "订单服务 502") || strings.Contains(string(a.Card.Data), `"tag":"form"`) {
		t.Fatalf("the submit's answer: %+v %s", a.Toast, a.Card.Data)
	}
	tickets := h.ksyun.Tickets()
	if len(tickets) != 1 || tickets[0].Title != "订单服务 502" || tickets[0].Detail != "从 09:38 起 5xx 比例 35%" || tickets[0].Priority != 1 {
		t.Fatalf("tickets at Kingsoft: %+v", tickets)
	}
	h.click("ev-submit-again", form.ID, key[1], fields)
	if n := len(h.ksyun.Tickets()); n != 1 {
		t.Errorf("the form submitted twice filed %d tickets", n)
	}
}

// The vendor's own fields through the real server: Kingsoft's configured product lines are
// the form's choices, and the one chosen is what the ticket is filed under.
func TestEndToEndCreateFormProductLine(t *testing.T) {
	h := startHarness(t, "[[providers.ksyun.product_lines]]\nid = 501\nname = \"云服务器\"\n\n[[providers.ksyun.product_lines]]\nid = 502\nname = \"对象存储\"\n")
	h.say("ev-form", "om_form", "建单")
	h.waitFor("the form", func() bool { return len(h.messages("interactive")) == 1 })
	form := h.messages("interactive")[0]
	key := regexp.MustCompile(`"cmd":"(newform [0-9a-f]+ vendor=ksyun)"`).FindStringSubmatch(form.Content)
	if key == nil || !strings.Contains(form.Content, `"name":"product_line"`) || !strings.Contains(form.Content, "对象存储") {
		t.Fatalf("the form: %s", form.Content)
	}
	a := h.click("ev-submit", form.ID, key[1], map[string]string{"title": "桶不可读", "product_line": "502"})
	if a.Toast.Type != "success" {
		t.Fatalf("the submit's answer: %+v %s", a.Toast, a.Card.Data)
	}
	tickets := h.ksyun.Tickets()
	if len(tickets) != 1 || tickets[0].RepositoryProductID != 502 {
		t.Fatalf("tickets at Kingsoft: %+v", tickets)
	}
}
