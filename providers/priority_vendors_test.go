package providers_test

import (
	"cmp"
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/ticketbot/ticketbot/providers"
	"github.com/ticketbot/ticketbot/providers/aliyun"
	"github.com/ticketbot/ticketbot/providers/aliyun/aliyuntest"
	"github.com/ticketbot/ticketbot/providers/ksyun"
	"github.com/ticketbot/ticketbot/providers/ksyun/ksyuntest"
	"github.com/ticketbot/ticketbot/providers/weiban"
	"github.com/ticketbot/ticketbot/providers/weiban/weibantest"
)

// priorityWords are the priority words a person may type (handlers' `优先级:` line), zh and en.
var priorityWords = []string{
	"紧急", "urgent", "critical", "p0",
	"高", "high", "p1",
	"中", "普通", "normal", "medium", "p2",
	"低", "low", "p3",
}

// filed is what one vendor did with a priority: the value the fake vendor received ("" when
// the API has no priority), and the label and level the ticket reads back with.
type filed struct {
	wire, label, level string
}

// vendorCase creates a ticket through one vendor's fake and reports what the fake received.
type vendorCase struct {
	name string
	// want is by normalized level; "" is a create without a priority (the configured default).
	want map[string]filed
	// create files a ticket at a new fake and returns it, the ticket read back with Get, and
	// the priority the fake received.
	create func(t *testing.T, r providers.CreateRequest) (created, got providers.Ticket, wire string)
}

var vendorCases = []vendorCase{
	{
		// Kingsoft: one scale, 1 高, 2 中, 3 低 (创建工单's 受影响程度); no 紧急, so urgent is
		// filed as 高 and says so. Default priority = 3.
		name: "ksyun",
		want: map[string]filed{
			"urgent": {"1", "高", "high"}, "high": {"1", "高", "high"},
			"normal": {"2", "中", "normal"}, "low": {"3", "低", "low"}, "": {"3", "低", "low"},
		},
		create: func(t *testing.T, r providers.CreateRequest) (providers.Ticket, providers.Ticket, string) {
			f := ksyuntest.New("appA", "ksyun-secret")
			t.Cleanup(f.Close)
			p, err := ksyun.New(f.Config())
			if err != nil {
				t.Fatal(err)
			}
			created, got := createAndGet(t, p, r)
			ft, ok := f.Ticket(created.ID)
			if !ok {
				t.Fatalf("the fake has no ticket %s", created.ID)
			}
			return created, got, fmt.Sprint(ft.Priority)
		},
	},
	{
		// Aliyun 2021-06-10: Severity 1 一般, 2 紧急; high is filed as 紧急, low as 一般 (中).
		// Default severity = 1.
		name: "aliyun 2021-06-10",
		want: map[string]filed{
			"urgent": {"2", "紧急", "urgent"}, "high": {"2", "紧急", "urgent"},
			"normal": {"1", "中", "normal"}, "low": {"1", "中", "normal"}, "": {"1", "中", "normal"},
		},
		create: func(t *testing.T, r providers.CreateRequest) (providers.Ticket, providers.Ticket, string) {
			return createAliyun(t, aliyun.Version2021, r, "Severity")
		},
	},
	{
		// Aliyun 2016-08-30 has no priority at all.
		name: "aliyun 2016-08-30",
		want: map[string]filed{"urgent": {}, "high": {}, "normal": {}, "low": {}, "": {}},
		create: func(t *testing.T, r providers.CreateRequest) (providers.Ticket, providers.Ticket, string) {
			return createAliyun(t, aliyun.Version2016, r, "priority")
		},
	},
	{
		// Weiban's work orders have no priority either.
		name: "weiban",
		want: map[string]filed{"urgent": {}, "high": {}, "normal": {}, "low": {}, "": {}},
		create: func(t *testing.T, r providers.CreateRequest) (providers.Ticket, providers.Ticket, string) {
			f := weibantest.New("corp-1", "weiban-secret")
			t.Cleanup(f.Close)
			p, err := weiban.New(f.Config())
			if err != nil {
				t.Fatal(err)
			}
			created, got := createAndGet(t, p, r)
			wire := ""
			for _, c := range f.Calls() {
				if !strings.HasSuffix(c.Path, "/workorder/create") {
					continue
				}
				for k, v := range c.Body {
					if strings.Contains(k, "prior") || strings.Contains(k, "sever") || strings.Contains(k, "level") {
						wire += fmt.Sprint(k, "=", v)
					}
				}
			}
			return created, got, wire
		},
	},
}

// createAliyun files a ticket at a new Aliyun fake and returns the value of the create's
// parameter param as the fake received it.
func createAliyun(t *testing.T, version string, r providers.CreateRequest, param string) (providers.Ticket, providers.Ticket, string) {
	f := aliyuntest.New("testid", "aliyun-secret")
	t.Cleanup(f.Close)
	cfg := f.Config()
	cfg.APIVersion = version
	p, err := aliyun.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	created, got := createAndGet(t, p, r)
	action := "add"
	if version == aliyun.Version2021 {
		action = "CreateTicket"
	}
	calls := f.CallsTo(action)
	if len(calls) != 1 {
		t.Fatalf("%d %s calls, want 1", len(calls), action)
	}
	return created, got, calls[0].Params.Get(param)
}

// createAndGet creates a ticket and reads it back.
func createAndGet(t *testing.T, p providers.Provider, r providers.CreateRequest) (providers.Ticket, providers.Ticket) {
	t.Helper()
	created, err := p.Create(context.Background(), r)
	if err != nil {
		t.Fatalf("Create: %v", err)
	}
	got, err := p.Get(context.Background(), created.ID)
	if err != nil {
		t.Fatalf("Get: %v", err)
	}
	return created, got
}

// TestPriorityEveryVendorEveryWord files a ticket with every priority word people type at
// every vendor, and checks what the fake vendor received and what the ticket says, on create
// and read back: the card shows the word's level where the vendor has it (优先级: 高 reads 高,
// never 紧急 or 高级), the nearest level where it has not, with PriorityLevel saying which; a
// vendor without priorities shows none.
func TestPriorityEveryVendorEveryWord(t *testing.T) {
	for _, vc := range vendorCases {
		for _, word := range append(priorityWords, "") {
			level, ok := providers.ParsePriority(word)
			if !ok && word != "" {
				t.Fatalf("ParsePriority(%q) failed", word)
			}
			t.Run(vc.name+"/"+cmp.Or(word, "(none)"), func(t *testing.T) {
				want := vc.want[level]
				created, got, wire := vc.create(t, providers.CreateRequest{Title: "数据库连接超时", Content: "生产库连接超时", Priority: level})
				if wire != want.wire {
					t.Errorf("the vendor received priority %q, want %q", wire, want.wire)
				}
				for what, tk := range map[string]providers.Ticket{"created": created, "read back": got} {
					if tk.Priority != want.label || tk.PriorityLevel != want.level {
						t.Errorf("%s: Priority %q level %q, want %q %q", what, tk.Priority, tk.PriorityLevel, want.label, want.level)
					}
				}
				if level != "" && want.level != "" && want.level == level && got.Priority != providers.PriorityLabel(level) {
					t.Errorf("asked %q (%s), the card shows %q", word, level, got.Priority)
				}
			})
		}
	}
}
