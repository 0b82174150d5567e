package aliyun_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/ticketbot/ticketbot/providers"
	"github.com/ticketbot/ticketbot/providers/aliyun"
	"github.com/ticketbot/ticketbot/providers/aliyun/aliyuntest"
)

func new2021(t *testing.T, opts ...aliyun.Option) (*aliyun.Provider, *aliyuntest.Server) {
	t.Helper()
	return newFakeProvider(t, func(c *aliyun.Config) { c.APIVersion = aliyun.Version2021 }, opts...)
}

func TestCreate2021(t *testing.T) {
	tests := []struct {
		name    string
		change  func(*aliyun.Config)
		req     providers.CreateRequest
		opts    aliyun.CreateOptions
		want    map[string]string
		wantSev [2]string // the label and level read back
	}{
		{"defaults", nil, providers.CreateRequest{Title: "ECS 无法登录", Content: "SSH 超时"}, aliyun.CreateOptions{},
			map[string]string{"Title": "ECS 无法登录", "Description": "SSH 超时", "Severity": "1", "CategoryId": "2101"}, [2]string{"中", "normal"}},
		{"urgent with e-mail and category", func(c *aliyun.Config) { c.Email = "ops@example.com" },
			providers.CreateRequest{Title: "t", Content: "c", Priority: "urgent"}, aliyun.CreateOptions{CategoryID: 2102},
			map[string]string{"Title": "t", "Description": "c", "Severity": "2", "CategoryId": "2102", "Email": "ops@example.com"}, [2]string{"紧急", "urgent"}},
		{"configured severity", func(c *aliyun.Config) { c.Severity = 2 }, providers.CreateRequest{Content: "只有正文"}, aliyun.CreateOptions{},
			map[string]string{"Title": "只有正文", "Description": "只有正文", "Severity": "2", "CategoryId": "2101"}, [2]string{"紧急", "urgent"}},
		{"low", func(c *aliyun.Config) { c.Severity = 2 }, providers.CreateRequest{Title: "t", Priority: "low"}, aliyun.CreateOptions{},
			map[string]string{"Title": "t", "Description": "t", "Severity": "1", "CategoryId": "2101"}, [2]string{"中", "normal"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, f := newFakeProvider(t, func(c *aliyun.Config) {
				c.APIVersion = aliyun.Version2021
				if tt.change != nil {
					tt.change(c)
				}
			})
			got, err := p.CreateWith(context.Background(), tt.req, tt.opts)
			if err != nil {
				t.Fatal(err)
			}
			calls := f.CallsTo("CreateTicket")
			if len(calls) != 1 || calls[0].Version != "2021-06-10" {
				t.Fatalf("CreateTicket calls = %v", calls)
			}
			if wire := params(calls[0]); !equalMaps(wire, tt.want) {
				t.Errorf("CreateTicket parameters =\n%v\nwant\n%v", wire, tt.want)
			}
			if got.ID != "00001FK" || got.Status != providers.StatusOpen || got.RawStatus != "1" || got.RawLabel != "待响应" ||
				got.Priority != tt.wantSev[0] || got.PriorityLevel != tt.wantSev[1] || got.Content != tt.want["Description"] || !got.CreatedAt.Equal(aliyun.FixedNow) {
				t.Errorf("ticket = %+v", got)
			}
			if len(f.CallsTo("GetTicket")) != 1 || len(f.CallsTo("ListTicketNotes")) != 1 {
				t.Error("the ticket was not read back")
			}
		})
	}
}

func TestCreate2021NeverRetried(t *testing.T) {
	p, f := new2021(t)
	f.FailNext(1, "System.error", "busy")
	_, err := p.Create(context.Background(), providers.CreateRequest{Title: "t"})
	var ve *providers.VendorError
	if !errors.As(err, &ve) || ve.Code != "System.error" || ve.Message != "busy" || !ve.Temporary || ve.Op != "CreateTicket" {
		t.Fatalf("err = %v", err)
	}
	if n := len(f.CallsTo("CreateTicket")); n != 1 {
		t.Errorf("%d CreateTicket calls, want 1", n)
	}
}

func TestCreate2021WithSecret(t *testing.T) {
	const secret = "root / Passw0rd!"
	p, f := new2021(t)
	got, err := p.CreateWith(context.Background(), providers.CreateRequest{Title: "t", Content: "c"}, aliyun.CreateOptions{SecretContent: secret})
	if err != nil {
		t.Fatal(err)
	}
	replies := f.CallsTo("ReplyTicket")
	if len(replies) != 1 || !equalMaps(params(replies[0]), map[string]string{"TicketId": got.ID, "Content": secret, "Encrypt": "true"}) {
		t.Errorf("ReplyTicket calls = %v", replies)
	}
	if strings.Contains(params(f.CallsTo("CreateTicket")[0])["Description"], secret) {
		t.Error("the secret went into the description")
	}

	// The secret cannot be sent: the ticket is returned with ErrSecretNotSent.
	p, f = new2021(t, aliyun.WithHTTPClient(failActionClient("ReplyTicket")))
	got, err = p.CreateWith(context.Background(), providers.CreateRequest{Title: "t"}, aliyun.CreateOptions{SecretContent: secret})
	if !errors.Is(err, aliyun.ErrSecretNotSent) || got.ID != "00001FK" {
		t.Fatalf("CreateWith = %+v, %v; want the ticket and ErrSecretNotSent", got, err)
	}
	if strings.Contains(err.Error(), secret) {
		t.Error("the error carries the secret")
	}
	if len(f.Tickets()) != 1 {
		t.Error("want the ticket kept")
	}
}

func TestGetAndGetMany2021(t *testing.T) {
	p, f := new2021(t)
	ctx := context.Background()
	ids := seed(f, 250)
	for raw, want := range map[string]providers.Status{
		"dealing": providers.StatusInProgress, "wait-feedback": providers.StatusWaitingOnUs,
		"feedback": providers.StatusInProgress, "wait_confirm": providers.StatusPendingConfirm, "confirmed": providers.StatusClosed,
	} {
		if err := f.SetStatus(ids[0], raw); err != nil {
			t.Fatal(err)
		}
		got, err := p.Get(ctx, ids[0])
		if err != nil {
			t.Fatal(err)
		}
		if got.Status != want || got.RawStatus != aliyun.RawStatusValue(raw) || got.Title != "t0" {
			t.Errorf("%s: Get = %+v, want %s", raw, got, want)
		}
	}
	_ = f.SetStatus(ids[0], "confirmed")
	if got, _ := p.Get(ctx, ids[0]); got.RawLabel != "已完成" {
		t.Errorf("RawLabel = %q, want the vendor's 已完成", got.RawLabel)
	}
	got, err := p.GetMany(ctx, ids)
	if err != nil || len(got) != 250 || got[249].ID != ids[249] {
		t.Fatalf("GetMany = %d tickets, %v", len(got), err)
	}
	lists := f.CallsTo("ListTickets")
	if len(lists) != 3 {
		t.Errorf("%d ListTickets calls for 250 ids, want 3", len(lists))
	}
	first := params(lists[0])
	if first["PageNumber"] != "1" || first["PageSize"] != "100" || len(strings.Split(first["TicketIdList"], ",")) != 100 {
		t.Errorf("ListTickets parameters = %v", first)
	}
}

func TestReply2021(t *testing.T) {
	p, f := new2021(t)
	ctx := context.Background()
	id := mustCreate(t, p, providers.CreateRequest{Title: "t"}).ID
	if err := p.Reply(ctx, id, providers.Reply{Text: "日志见附件", Actor: providers.Actor{Name: "张三"}}); err != nil {
		t.Fatal(err)
	}
	if err := p.ReplySecret(ctx, id, "密码 123", providers.Actor{Name: "张三"}); err != nil {
		t.Fatal(err)
	}
	if err := p.ReplyWith(ctx, id, providers.Reply{Text: "两者"}, aliyun.ReplyOptions{SecretContent: "密钥"}); err != nil {
		t.Fatal(err)
	}
	var got []map[string]string
	for _, c := range f.CallsTo("ReplyTicket") {
		got = append(got, params(c))
	}
	want := []map[string]string{
		{"TicketId": id, "Content": "张三：日志见附件", "Encrypt": "false"},
		{"TicketId": id, "Content": "密码 123", "Encrypt": "true"},
		{"TicketId": id, "Content": "两者", "Encrypt": "false"},
		{"TicketId": id, "Content": "密钥", "Encrypt": "true"},
	}
	if !slices.EqualFunc(got, want, equalMaps) {
		t.Errorf("ReplyTicket calls =\n%v\nwant\n%v", got, want)
	}
	tk, err := p.Get(ctx, id)
	if err != nil || tk.Status != providers.StatusInProgress || !tk.HasFlag(providers.FlagCustomerReplied) {
		t.Errorf("Get = %+v, %v", tk, err)
	}
}

func TestClose2021(t *testing.T) {
	ctx := context.Background()
	t.Run("closes", func(t *testing.T) {
		p, f := new2021(t)
		id := mustCreate(t, p, providers.CreateRequest{Title: "t"}).ID
		if err := p.Close(ctx, id, providers.CloseRequest{}); err != nil {
			t.Fatal(err)
		}
		if c := f.CallsTo("CloseTicket"); len(c) != 1 || !equalMaps(params(c[0]), map[string]string{"TicketId": id}) {
			t.Errorf("CloseTicket calls = %v", c)
		}
		if len(f.CallsTo("ReplyTicket")) != 0 {
			t.Error("an empty remark was sent")
		}
		tk, err := p.Get(ctx, id)
		if err != nil || tk.Status != providers.StatusClosed || tk.RawStatus != "6" {
			t.Errorf("after close: %+v, %v", tk, err)
		}
		err = p.Close(ctx, id, providers.CloseRequest{})
		if !errors.Is(err, providers.ErrAlreadyClosed) || !strings.Contains(err.Error(), "已完成") {
			t.Errorf("second Close = %v, want ErrAlreadyClosed", err)
		}
		if len(f.CallsTo("CloseTicket")) != 1 {
			t.Error("a doomed CloseTicket was sent")
		}
	})
	t.Run("remark is a reply first", func(t *testing.T) {
		p, f := new2021(t)
		id := mustCreate(t, p, providers.CreateRequest{Title: "t"}).ID
		if err := p.Close(ctx, id, providers.CloseRequest{Remark: "问题已解决", Actor: providers.Actor{Name: "张三"}}); err != nil {
			t.Fatal(err)
		}
		var order []string
		for _, c := range f.Calls() {
			if c.Action == "ReplyTicket" || c.Action == "CloseTicket" {
				order = append(order, c.Action+" "+c.Params.Get("Content"))
			}
		}
		if want := []string{"ReplyTicket 张三：问题已解决", "CloseTicket "}; !slices.Equal(order, want) {
			t.Errorf("calls = %v, want %v", order, want)
		}
	})
	t.Run("vendor refuses", func(t *testing.T) {
		p, f := new2021(t, aliyun.WithHTTPClient(failActionClient("CloseTicket")))
		id := mustCreate(t, p, providers.CreateRequest{Title: "t"}).ID
		err := p.Close(ctx, id, providers.CloseRequest{})
		var ve *providers.VendorError
		if !errors.As(err, &ve) || ve.Code != "HTTP 502" || ve.Op != "CloseTicket" || !ve.Temporary {
			t.Errorf("err = %v", err)
		}
		if errors.Is(err, providers.ErrAlreadyClosed) {
			t.Error("a vendor refusal must stay a VendorError")
		}
		if ft, _ := f.Ticket(id); ft.Status != "assigned" {
			t.Errorf("status = %s", ft.Status)
		}
	})
	t.Run("state refused by the vendor", func(t *testing.T) {
		p, f := new2021(t)
		id := mustCreate(t, p, providers.CreateRequest{Title: "t"}).ID
		f.FailNext(1, aliyuntest.ErrState, "工单状态不允许关闭")
		// FailNext hits GetTicket, a read answered HTTP 400: not retried, and reported verbatim.
		err := p.Close(ctx, id, providers.CloseRequest{})
		var ve *providers.VendorError
		if !errors.As(err, &ve) || ve.Code != "illegal.status" || ve.Message != "工单状态不允许关闭" || ve.Temporary {
			t.Errorf("err = %v", err)
		}
	})
}

func TestNotes2021(t *testing.T) {
	p, f := new2021(t)
	ctx := context.Background()
	id := mustCreate(t, p, providers.CreateRequest{Title: "t", Content: "描述"}).ID
	if err := f.AddOfficialNote(id, "请提供日志", aliyuntest.File{Name: "guide.txt", Data: []byte("步骤")}); err != nil {
		t.Fatal(err)
	}
	ds, err := p.NoteDetails(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if len(ds) != 2 || ds[0].Official || ds[0].Body != "描述" || !ds[1].Official || ds[1].Author != aliyuntest.StaffName ||
		ds[1].Kind != "text" || len(ds[1].Attachments) != 1 || ds[1].Attachments[0].Name != "guide.txt" {
		t.Fatalf("NoteDetails = %+v", ds)
	}
	if body := download(t, ds[1].Attachments[0].URL); body != "步骤" {
		t.Errorf("attachment = %q", body)
	}
	if ds[0].ID == "" || ds[0].ID == ds[1].ID {
		t.Errorf("dialog ids %q %q", ds[0].ID, ds[1].ID)
	}
	if _, err := p.AttachmentURL(ctx, "x"); !errors.Is(err, providers.ErrUnsupported) {
		t.Errorf("AttachmentURL = %v, want ErrUnsupported", err)
	}
}

func TestList2021(t *testing.T) {
	p, f := new2021(t)
	ctx := context.Background()
	ids := seed(f, 3)
	_ = f.SetStatus(ids[1], "dealing")
	got, total, err := p.List(ctx, aliyun.ListRequest{Statuses: []string{"处理中", "wait-feedback"}, Keyword: "c", Page: 1, PageSize: 50})
	if err != nil || total != 1 || len(got) != 1 || got[0].ID != ids[1] {
		t.Fatalf("List = %+v %d %v", got, total, err)
	}
	want := map[string]string{"StatusList.1": "dealing", "StatusList.2": "wait_feedback", "Keyword": "c", "PageNumber": "1", "PageSize": "50"}
	if wire := params(f.CallsTo("ListTickets")[0]); !equalMaps(wire, want) {
		t.Errorf("ListTickets parameters = %v, want %v", wire, want)
	}
	for _, bad := range []aliyun.ListRequest{{PageSize: 9}, {ProductIDs: []int64{1}}, {Statuses: make([]string, 12)}} {
		if _, _, err := p.List(ctx, bad); err == nil {
			t.Errorf("List(%+v) succeeded", bad)
		}
	}
}

func TestCatalog2021(t *testing.T) {
	p, f := new2021(t)
	ctx := context.Background()
	products, err := p.Products(ctx)
	want := []aliyun.CatalogItem{{ID: 1273, Name: "云服务器 ECS", Default: true}, {ID: 1274, Name: "块存储 EBS"}, {ID: 1301, Name: "云数据库 RDS"}}
	if err != nil || !slices.Equal(products, want) {
		t.Errorf("Products = %+v, %v", products, err)
	}
	cats, err := p.Categories(ctx, aliyuntest.ProductID)
	wantCats := []aliyun.CatalogItem{{ID: 2101, Name: "实例无法连接", Default: true}, {ID: 2102, Name: "性能问题"}}
	if err != nil || !slices.Equal(cats, wantCats) {
		t.Errorf("Categories = %+v, %v", cats, err)
	}
	if c := f.CallsTo("ListCategories"); len(c) != 1 || !equalMaps(params(c[0]), map[string]string{"ProductId": "1273"}) {
		t.Errorf("ListCategories calls = %v", c)
	}
}
