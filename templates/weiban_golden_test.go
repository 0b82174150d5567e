package templates

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/ticketbot/ticketbot/providers/weiban"
	"github.com/ticketbot/ticketbot/providers/weiban/weibantest"
)

// The Weiban card is drawn from the vendor document's own example work order, read through
// the real provider from its fake: stage, status, handler, creator, customer, custom form
// fields, the flow timeline and 持续时间.
func TestGoldenWeiban(t *testing.T) {
	fake := weibantest.New("corp", "secret")
	defer fake.Close()
	p, err := weiban.New(fake.Config())
	if err != nil {
		t.Fatal(err)
	}
	tk, err := p.Get(context.Background(), weibantest.DocOrderNo)
	if err != nil {
		t.Fatal(err)
	}
	r, err := New("")
	if err != nil {
		t.Fatal(err)
	}
	for _, en := range []bool{false, true} {
		data := TicketCard{Ticket: tk, ProviderLabel: "微伴助手", Buttons: []Button{{Text: "刷新", Command: "show " + tk.Ref()}}}
		dir := ""
		if en {
			data.ProviderLabel, data.Buttons[0].Text, dir = "Weiban", "Refresh", "en"
		}
		for _, platform := range []string{"feishu", "wecom"} {
			got, err := r.In(en).Render(platform, "ticket", data)
			if err != nil {
				t.Fatal(err)
			}
			goldenJSON(t, filepath.Join("testdata", platform, dir, "weiban_doc_example.golden.json"), got)
			if platform == "wecom" {
				checkWeComCard(t, got)
			} else {
				checkFeishuCard(t, got)
			}
			if en {
				noChinese(t, string(got), data)
			}
		}
	}
}
