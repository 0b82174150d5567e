package ksyun_test

import (
	"context"
	"strings"
	"testing"

	"github.com/ticketbot/ticketbot/providers"
	"github.com/ticketbot/ticketbot/providers/ksyun"
)

// Files go with a new ticket: each is uploaded, then attached to the create as Kingsoft
// answered it; a comment takes none, so Kingsoft is no ReplyAttacher.
func TestCreateWithFiles(t *testing.T) {
	p, f := newFakeProvider(t)
	req := providers.CreateRequest{Title: "页面报错", Content: "见截图"}
	got, err := providers.CreateWithFiles(context.Background(), p, req, []providers.File{
		{Name: "screen.png", Data: []byte("\x89PNG fake")}, {Name: "app.log", Data: []byte("ERROR 502")},
	})
	if err != nil {
		t.Fatal(err)
	}
	if n := len(callsTo(f, "upload_file")); n != 2 {
		t.Errorf("%d uploads, want 2", n)
	}
	tk, ok := f.Ticket(got.ID)
	if !ok || len(tk.Attachments) != 2 || tk.Attachments[0].FileName != "screen.png" || tk.Attachments[1].FileName != "app.log" ||
		!strings.HasPrefix(tk.Attachments[0].FilePath, "workorder/") {
		t.Fatalf("the ticket at Kingsoft has attachments %+v", tk.Attachments)
	}
	if can := providers.Can(p); !can.Files || can.ReplyFiles {
		t.Errorf("Can = Files %v, ReplyFiles %v; want files with a new ticket only", can.Files, can.ReplyFiles)
	}
	if err := providers.ReplyWithFiles(context.Background(), p, got.ID, providers.Reply{Text: "x"}, nil); err == nil {
		t.Error("ReplyWithFiles to Kingsoft did not fail")
	}

	t.Run("over the limits nothing is filed", func(t *testing.T) {
		p, f := newFakeProvider(t)
		big := providers.File{Name: "dump.bin", Data: make([]byte, ksyun.MaxUploadSize+1)}
		if _, err := providers.CreateWithFiles(context.Background(), p, req, []providers.File{big}); err == nil {
			t.Error("a file over the limit was filed")
		}
		many := make([]providers.File, ksyun.MaxAttachments+1)
		for i := range many {
			many[i] = providers.File{Name: "a.txt", Data: []byte("a")}
		}
		if _, err := providers.CreateWithFiles(context.Background(), p, req, many); err == nil {
			t.Error("too many files were filed")
		}
		if n := len(f.Tickets()); n != 0 {
			t.Errorf("%d tickets filed", n)
		}
	})
}
