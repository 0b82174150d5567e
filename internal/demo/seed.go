package demo

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/ticketbot/ticketbot/providers"
	"github.com/ticketbot/ticketbot/providers/aliyun"
	"github.com/ticketbot/ticketbot/providers/aliyun/aliyuntest"
	"github.com/ticketbot/ticketbot/providers/ksyun"
	"github.com/ticketbot/ticketbot/providers/ksyun/ksyuntest"
	"github.com/ticketbot/ticketbot/providers/weiban"
	"github.com/ticketbot/ticketbot/providers/weiban/weibantest"
)

// The demo opens on vendor consoles that already hold a few days of an ops team's tickets,
// so the page looks like the product in use rather than like the vendors' API examples. The
// samples are filed the way they would be in production: created through each vendor's own
// API by the provider packages, answered by the vendor's staff through the fakes' exported
// hooks, each step at its own time in the past (the fakes' and the providers' clocks are
// set for the purpose, then given back to the wall clock before ticketbot starts).

// samplePerson is someone of our team who files or answers a sample ticket.
type samplePerson struct {
	Name     string
	KsyunID  int64  // Kingsoft 长工号, for tickets filed at Kingsoft
	WeibanID string // Weiban staff_id, for work orders filed in Weiban
}

// Our side of the samples. 姜程 is the person typing in the playground (the Kingsoft fake's
// own creator), so the tickets he filed can be closed from the chat.
var (
	sampleJiangCheng = samplePerson{Name: demoPerson, KsyunID: ksyuntest.CreatorID}
	sampleWangLei    = samplePerson{Name: "王磊", KsyunID: 38420}
	sampleWangFang   = samplePerson{Name: "王芳", WeibanID: "wangfang"}
	sampleChenJing   = samplePerson{Name: "陈静", WeibanID: "chenjing"}
)

// demoWeibanStaff are the staff members the demo adds to the Weiban fake, by staff_id.
var demoWeibanStaff = map[string]string{sampleWangFang.WeibanID: sampleWangFang.Name, sampleChenJing.WeibanID: sampleChenJing.Name}

// demoCustomer is our company as Kingsoft knows it (customer_organization_name).
const demoCustomer = "杭州云帆网络科技有限公司"

// sampleStep is something that happens to a sample ticket, After its creation: a note by
// the vendor's staff (Vendor set, the engineer's name), a note of ours (By set), or a status
// change (Status, the console's action id).
type sampleStep struct {
	After  time.Duration
	Vendor string
	By     *samplePerson
	Status string
	// Text may hold %s verbs, filled with the wall-clock times (Asia/Shanghai, 15:04) of
	// Clocks, offsets from the ticket's creation.
	Text   string
	Clocks []time.Duration
}

// sampleTicket is one ticket the demo starts with.
type sampleTicket struct {
	Vendor   string
	Title    string
	Priority string
	By       samplePerson
	// Ago is how long before the demo started the ticket was filed.
	Ago time.Duration
	// Content and Clocks as in sampleStep.
	Content string
	Clocks  []time.Duration
	Steps   []sampleStep
	// Suggest, when set, is the label of a chip that follows the ticket in the chat.
	Suggest string
}

// demoSample is a ticket the demo filed at startup.
type demoSample struct {
	Vendor, ID, Title, Suggest string
	Created                    time.Time
}

// Ref is the ticket's reference in chat ("ksyun:1204").
func (s demoSample) Ref() string { return s.Vendor + ":" + s.ID }

const (
	minute = time.Minute
	hour   = time.Hour
)

// sampleTickets are the demo's tickets: an ops team's week with Kingsoft, Aliyun and Weiban.
var sampleTickets = []sampleTicket{
	{
		Vendor: "ksyun", Title: "云数据库 RDS 实例 krds-order-prod 慢查询激增，CPU 持续 95%", Priority: "high",
		By: sampleJiangCheng, Ago: 26*hour + 14*minute, Suggest: "关注 金山云工单：RDS 慢查询",
		Content: "订单库 krds-order-prod（MySQL 5.7，华北1（北京）可用区A，8核32G）从 %s 起慢查询从每分钟二十条左右涨到一千八百多条，" +
			"CPU 持续 95% 以上，下单接口 P99 从 200ms 升到 4s。近期没有发布，业务流量正常。\n请协助排查原因。",
		Clocks: []time.Duration{-25 * minute},
		Steps: []sampleStep{
			{After: 28 * minute, Status: "processing"},
			{After: 31 * minute, Vendor: "金山云工程师 周凯", Text: "您好，已收到。慢日志里九成是同一条语句：SELECT … FROM order_item WHERE status = ? AND updated_at > ?，" +
				"每次扫描约 1200 万行，没有用到索引。请确认这条查询是否是最近新增的。"},
			{After: 72 * minute, By: &sampleJiangCheng, Text: "确认是财务新上线的对账任务，每 5 分钟跑一次。已先暂停该任务，CPU 回落到 40% 左右。" +
				"计划今晚低峰期给 order_item 加 (status, updated_at) 联合索引。"},
			{After: 97 * minute, Vendor: "金山云工程师 周凯", Text: "好的。加索引建议用 online DDL，并避开 02:00–03:00 的自动备份窗口。我们这边持续观察到明早，有异常随时联系。"},
		},
	},
	{
		Vendor: "ksyun", Title: "云服务器 ks-web-03 修改安全组后无法 SSH 登录", Priority: "normal",
		By: sampleWangLei, Ago: 5*hour + 37*minute,
		Content: "%s 收紧了安全组 sg-web-prod 的 22 端口来源（只放行堡垒机 10.0.0.8），之后 ks-web-03（10.0.3.17）SSH 连接超时；" +
			"同一安全组下的 ks-web-01、ks-web-02 正常。控制台 VNC 可以登录，实例内 sshd 运行正常，iptables 没有规则。",
		Clocks: []time.Duration{-18 * minute},
		Steps: []sampleStep{
			{After: 21 * minute, Status: "processing"},
			{After: 34 * minute, Vendor: "金山云工程师 刘畅", Text: "您好，查到 ks-web-03 除 sg-web-prod 外还绑定了安全组 sg-legacy，" +
				"其中一条优先级 1 的入方向规则拒绝 22 端口，优先于新加的放行规则。建议删除该规则，或把实例从 sg-legacy 解绑。"},
			{After: 52 * minute, By: &sampleWangLei, Text: "已把 ks-web-03 从 sg-legacy 解绑，堡垒机 SSH 恢复正常，谢谢。"},
			{After: 58 * minute, Vendor: "金山云工程师 刘畅", Text: "好的，问题已处理完毕。如无其他问题请确认关闭工单。"},
			{After: 59 * minute, Status: "finished"},
		},
	},
	{
		Vendor: "aliyun", Title: "CDN 域名 static.yunfan-tech.cn 证书续签后部分地区仍下发旧证书", Priority: "high",
		By: sampleJiangCheng, Ago: 50*hour + 8*minute, Suggest: "关注 阿里云工单：CDN 证书",
		Content: "static.yunfan-tech.cn 的 HTTPS 证书已在 %s 于 CDN 控制台更换为新签发的证书（有效期一年），控制台显示「已生效」，" +
			"但广东、四川部分用户访问时仍拿到旧证书，浏览器提示证书即将过期。旧证书 3 天后到期。",
		Clocks: []time.Duration{-70 * minute},
		Steps: []sampleStep{
			{After: 24 * minute, Status: "dealing"},
			{After: 26 * minute, Vendor: aliyuntest.StaffName, Text: "您好，证书更新后需要下发到全部边缘节点，一般 10 分钟内完成。" +
				"麻烦提供拿到旧证书的客户端出口 IP 和访问时间，我们定位具体节点。"},
			{After: 118 * minute, By: &sampleJiangCheng, Text: "出口 IP 113.108.77.21（广东电信）、118.112.40.9（四川电信），时间约 %s，" +
				"curl -v 看到的证书序列号仍是旧证书的 4A:3F:…:9C。", Clocks: []time.Duration{100 * minute}},
			{After: 4*hour + 4*minute, Status: "dealing"},
			{After: 4*hour + 5*minute, Vendor: aliyuntest.StaffName, Text: "查到广东、四川各有 2 个节点的证书下发任务失败，已重新下发并刷新，" +
				"预计 30 分钟内生效，请稍后再验证。"},
		},
	},
	{
		Vendor: "aliyun", Title: "ECS 实例重启后数据盘未自动挂载，应用启动失败", Priority: "normal",
		By: sampleWangLei, Ago: 20*hour + 41*minute,
		Content: "生产 ECS i-bp1a8x3k2lq6wz0（华东1 杭州）在 %s 维护重启后，数据盘 /dev/vdb1 没有自动挂载到 /data，应用启动失败，" +
			"已手动 mount 恢复。想确认原因，避免下次重启再出现。",
		Clocks: []time.Duration{-45 * minute},
		Steps: []sampleStep{
			{After: 17 * minute, Status: "dealing"},
			{After: 33 * minute, Vendor: aliyuntest.StaffName, Text: "您好，请提供实例中 /etc/fstab 的内容，以及 lsblk -f 和 blkid 的输出，我们确认挂载配置。"},
			{After: 34 * minute, Status: "wait_feedback"},
		},
	},
	{
		Vendor: "weiban", Title: "客户「鼎盛物流」企业微信客户群消息同步失败", Priority: "high",
		By: sampleWangFang, Ago: 30*hour + 22*minute, Suggest: "关注 微伴工单：消息同步失败",
		Content: "客户鼎盛物流反馈：从 %s 起，微伴后台「聊天记录」里看不到他们企业微信客户群的新消息，单聊消息正常。" +
			"会话存档已开通，授权状态显示正常。影响他们的客服质检，希望今天内恢复。",
		Clocks: []time.Duration{-2 * hour},
		Steps: []sampleStep{
			{After: 41 * minute, Status: "processing"},
			{After: 44 * minute, Vendor: weibantest.AgentName, Text: "已收到。初步看是该企业的会话存档密钥在企业微信后台更换过，我们这边还在用旧公钥解密，群消息解密失败。"},
			{After: 83 * minute, By: &sampleWangFang, Text: "和客户确认了，对方管理员昨天确实更新过会话存档密钥，新的公钥版本号是 v3。"},
			{After: 2*hour + 9*minute, Vendor: weibantest.AgentName, Text: "已按 v3 重新配置，正在补拉缺失时段的消息，预计 2 小时内补齐，补齐后通知您。"},
		},
	},
	{
		Vendor: "weiban", Title: "客户「朗润教育」客户群入群欢迎语不生效", Priority: "normal",
		By: sampleChenJing, Ago: 2*hour + 16*minute,
		Content: "朗润教育配置的客户群入群欢迎语（文字加小程序卡片）这周起对新入群的客户不再发送。群欢迎语开关是开的，" +
			"换成纯文字也不生效，涉及 12 个客户群。",
	},
}

// seedClock is the time the fakes and the seeding providers see while the samples are filed.
type seedClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *seedClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *seedClock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

// sampleVendor files and moves sample tickets at one vendor.
type sampleVendor struct {
	create func(ctx context.Context, s sampleTicket, content string) (string, error)
	// note writes text by the vendor's staff member who (step.Vendor) or, when by is set, by
	// our person.
	note   func(ctx context.Context, id, who string, by *samplePerson, text string) error
	status func(id, action string) error
}

// seedDemo files sampleTickets at the fakes as of now, and gives the fakes back the wall
// clock. It runs before ticketbot starts, so nothing else talks to the fakes meanwhile.
func seedDemo(ctx context.Context, f *demoFakes, now time.Time) ([]demoSample, error) {
	clock := &seedClock{t: now}
	f.ksyun.SetClock(clock.Now)
	f.aliyun.SetClock(clock.Now)
	f.weiban.SetClock(clock.Now)
	defer func() {
		f.ksyun.SetClock(time.Now)
		f.aliyun.SetClock(time.Now)
		f.weiban.SetClock(time.Now)
	}()
	vendors, err := sampleVendors(f, clock.Now)
	if err != nil {
		return nil, err
	}
	// Each vendor lists its tickets in the order they were filed: oldest first.
	order := make([]int, len(sampleTickets))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int { return cmp.Compare(sampleTickets[b].Ago, sampleTickets[a].Ago) })
	out := make([]demoSample, len(sampleTickets)) // in sampleTickets' order
	for _, i := range order {
		s := sampleTickets[i]
		v := vendors[s.Vendor]
		created := now.Add(-s.Ago).Truncate(time.Second)
		clock.Set(created)
		id, err := v.create(ctx, s, clockText(s.Content, created, s.Clocks))
		if err != nil {
			return nil, fmt.Errorf("sample %s ticket %q: %w", s.Vendor, s.Title, err)
		}
		for _, st := range s.Steps {
			clock.Set(created.Add(st.After))
			switch {
			case st.Status != "":
				err = v.status(id, st.Status)
			default:
				err = v.note(ctx, id, st.Vendor, st.By, clockText(st.Text, created, st.Clocks))
			}
			if err != nil {
				return nil, fmt.Errorf("sample %s:%s: %w", s.Vendor, id, err)
			}
		}
		out[i] = demoSample{Vendor: s.Vendor, ID: id, Title: s.Title, Suggest: s.Suggest, Created: created}
	}
	return out, nil
}

// clockText fills text's %s verbs with the Shanghai wall-clock times of created+offsets.
func clockText(text string, created time.Time, offsets []time.Duration) string {
	if len(offsets) == 0 {
		return text
	}
	args := make([]any, len(offsets))
	for i, d := range offsets {
		args[i] = created.Add(d).In(providers.Shanghai).Format("15:04")
	}
	return fmt.Sprintf(text, args...)
}

// sampleVendors builds the filing of each vendor: the provider package against its fake, on
// the seed clock, and the fake's staff hooks.
func sampleVendors(f *demoFakes, now func() time.Time) (map[string]sampleVendor, error) {
	kp, err := ksyun.New(demoKsyunConfig(f), ksyun.WithClock(now))
	if err != nil {
		return nil, err
	}
	ap, err := aliyun.New(demoAliyunConfig(f), aliyun.WithClock(now))
	if err != nil {
		return nil, err
	}
	for id, name := range demoWeibanStaff {
		f.weiban.AddStaff(id, name)
	}
	wp, err := weiban.New(demoWeibanConfig(f), weiban.WithClock(now))
	if err != nil {
		return nil, err
	}
	create := func(p providers.Provider, actor func(samplePerson) providers.Actor) func(context.Context, sampleTicket, string) (string, error) {
		return func(ctx context.Context, s sampleTicket, content string) (string, error) {
			t, err := p.Create(ctx, providers.CreateRequest{Title: s.Title, Content: content, Priority: s.Priority, Type: "incident", Actor: actor(s.By)})
			return t.ID, err
		}
	}
	return map[string]sampleVendor{
		"ksyun": {
			create: create(kp, func(p samplePerson) providers.Actor {
				return providers.Actor{Name: p.Name, VendorID: strconv.FormatInt(p.KsyunID, 10)}
			}),
			note: func(ctx context.Context, id, who string, by *samplePerson, text string) error {
				if by != nil {
					// Kingsoft writes API comments as the ticket's creator, whose name the
					// console already shows: no name prefix.
					return kp.Reply(ctx, id, providers.Reply{Text: text})
				}
				return f.ksyun.AddNote(id, who, text)
			},
			status: func(id, action string) error {
				switch action {
				case "processing":
					return f.ksyun.SetStatus(id, 2)
				case "finished":
					return f.ksyun.Finish(id)
				}
				return fmt.Errorf("unknown sample status %q", action)
			},
		},
		"aliyun": {
			// Aliyun files 2021 tickets for the AccessKey's account, not for a person.
			create: create(ap, func(samplePerson) providers.Actor { return providers.Actor{} }),
			note: func(ctx context.Context, id, _ string, by *samplePerson, text string) error {
				if by != nil {
					return ap.Reply(ctx, id, providers.Reply{Text: text, Actor: providers.Actor{Name: by.Name}})
				}
				return f.aliyun.AddOfficialNote(id, text)
			},
			status: f.aliyun.SetStatus,
		},
		"weiban": {
			create: create(wp, func(p samplePerson) providers.Actor {
				return providers.Actor{Name: p.Name, VendorID: p.WeibanID}
			}),
			note: func(_ context.Context, no, who string, by *samplePerson, text string) error {
				staff, ok := map[string]string{weibantest.AgentName: weibantest.AgentID, weibantest.Agent2Name: weibantest.Agent2ID}[who]
				if by != nil {
					staff, ok = by.WeibanID, true
				}
				if !ok {
					return fmt.Errorf("no Weiban staff member named %q", who)
				}
				return f.weiban.AddFlow(no, staff, text)
			},
			status: func(no, action string) error {
				if action != "processing" {
					return fmt.Errorf("unknown sample status %q", action)
				}
				return f.weiban.SetStatus(no, weibantest.StatusProcessing)
			},
		},
	}, nil
}

// demoSuggestions are the chat's chips: a create at each vendor, following the samples marked
// Suggest, and the list and help commands.
func demoSuggestions(samples []demoSample) []suggestion {
	out := []suggestion{
		{"建单 ksyun 数据库连接超时", "建单 ksyun 数据库连接超时\n生产库 mysql-prod-01 连接超时，影响下单。\n优先级: 高"},
		{"建单 aliyun ECS 无法登录", "建单 aliyun ECS 无法登录\n登录报错 Permission denied"},
		{"建单 weiban 客户群发消息失败", "建单 weiban 客户群发消息失败\n客户「星河家居」今天的群发任务显示发送失败，涉及 3 个客户群。"},
	}
	for _, s := range samples {
		if s.Suggest != "" {
			out = append(out, suggestion{s.Suggest, "关注 " + s.Ref()})
		}
	}
	return append(out, suggestion{"列表", "列表"}, suggestion{"帮助", "帮助"})
}
