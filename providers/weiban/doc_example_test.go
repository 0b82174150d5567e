package weiban_test

import (
	"bytes"
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/ticketbot/ticketbot/providers"
	"github.com/ticketbot/ticketbot/providers/weiban"
	"github.com/ticketbot/ticketbot/providers/weiban/weibantest"
)

// docContent is the card text of the document's example.
const docContent = "2021年12月17日19:42:45\n" +
	"电话：45645645632\n" +
	"城市：上海\n" +
	"流程：12-17 19:43 新建工单（超长昵称你怕了吗怕了吗…） → 12-17 19:43 待处理（超长昵称你怕了吗怕了吗…）\n" +
	"持续时间：不足1分钟"

func TestDocExampleTicket(t *testing.T) {
	p, _, _ := newFakeProvider(t)
	tk, err := p.Get(context.Background(), weibantest.DocOrderNo)
	if err != nil {
		t.Fatal(err)
	}
	at := time.Unix(1639741382, 0)
	want := providers.Ticket{
		Provider: "weiban", ID: "1471808049579560960", Title: "2021年12月17日19:42:43",
		Content: docContent, Status: providers.StatusOpen, RawStatus: "10", Type: "鬼鬼",
		Customer: "大大怪", Creator: weiban.LongName, CreatorID: "LiuYang", Handler: weiban.LongName, HandlerID: "LiuYang",
		CreatedAt: at, UpdatedAt: at,
		LatestNote: &providers.Note{ID: "114049", Author: weiban.LongName, Official: true, Body: "待员工 " + weiban.LongName + " 处理", At: at},
	}
	g, _ := json.MarshalIndent(tk, "", " ")
	w, _ := json.MarshalIndent(want, "", " ")
	if !bytes.Equal(g, w) {
		t.Errorf("ticket =\n%s\nwant\n%s", g, w)
	}
	notes, err := p.Notes(context.Background(), weibantest.DocOrderNo)
	if err != nil {
		t.Fatal(err)
	}
	if len(notes) != 2 || notes[0].ID != "113921" || notes[1].ID != "114049" {
		t.Errorf("notes not oldest first by id: %+v", notes)
	}
}
