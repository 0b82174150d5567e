package command

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ticketbot/ticketbot/bot"
	"github.com/ticketbot/ticketbot/providers"
	"github.com/ticketbot/ticketbot/store"
)

// The guided create on WeCom, whose cards hold no text inputs: 建单 alone answers with a card of
// choices; its submit keeps them as the person's draft and turns the card into a waiting card;
// the person's next message that is no command is the title and the details, created through
// the create form's own path, once per card.

// guidedBot is a harness whose vendors record what they were asked to create, with a clock
// the test moves.
type guidedBot struct {
	*harness
	vendors map[string]*fakeVendor

	mu      sync.Mutex
	creates []providers.CreateRequest
	now     time.Time
}

func newGuidedBot(t *testing.T, cfg Config, vendors ...string) *guidedBot {
	t.Helper()
	if len(vendors) == 0 {
		vendors = []string{"ksyun"}
	}
	g := &guidedBot{vendors: map[string]*fakeVendor{}, now: time.Date(2026, 11, 21, 10, 0, 0, 0, time.UTC)}
	provs := map[string]providers.Provider{}
	for _, name := range vendors {
		v := newFakeVendor(name)
		v.CreateFn = func(r providers.CreateRequest) (providers.Ticket, error) {
			g.mu.Lock()
			defer g.mu.Unlock()
			g.creates = append(g.creates, r)
			t := v.ticket(fmt.Sprint(1203 + len(g.creates)))
			t.Title, t.Content = r.Title, r.Content
			return t, nil
		}
		g.vendors[name] = v
		provs[name] = v
	}
	g.harness = buildHarness(t, cfg, ":memory:", provs)
	g.bot.Now = g.clock // before anything runs: the bot's, its engine's and its commands' clock
	return g
}

func (g *guidedBot) clock() time.Time {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.now
}

func (g *guidedBot) advance(d time.Duration) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.now = g.now.Add(d)
}

// filed is what the vendors were asked to create so far.
func (g *guidedBot) filed() []providers.CreateRequest {
	g.mu.Lock()
	defer g.mu.Unlock()
	return append([]providers.CreateRequest(nil), g.creates...)
}

// say types text in the WeCom group as user; it returns all the bot posted.
func (g *guidedBot) say(user, text string) string {
	g.t.Helper()
	var shown []string
	for _, p := range g.send(msg{platform: "wecom", user: user, text: text}) {
		shown = append(shown, p.Op+": "+p.Text())
	}
	return strings.Join(shown, "\n")
}

// offer types 建单 (with what follows it) as user and returns the card of choices, decoded, and
// its submit's command.
func (g *guidedBot) offer(t *testing.T, user, text string) (guidedCard, string) {
	t.Helper()
	ps := g.send(msg{platform: "wecom", user: user, text: text})
	p := only(t, ps)
	var c guidedCard
	if err := json.Unmarshal(p.Out.Body, &c); err != nil || p.Out.Kind != bot.KindCard || c.CardType != "multiple_interaction" {
		t.Fatalf("建单 alone answered %s %s, want the card of choices (%v)", p.Out.Kind, p.Out.Body, err)
	}
	if !regexp.MustCompile(`^newform [0-9a-f]{16}$`).MatchString(c.Submit.Key) {
		t.Fatalf("the card's submit carries %q", c.Submit.Key)
	}
	return c, c.Submit.Key
}

// click presses a button of a WeCom card as user, with the card's choices (question_key →
// option id).
func (g *guidedBot) click(user, command string, choices map[string]string) bot.ActionResult {
	g.t.Helper()
	g.seq++
	return g.bot.HandleAction(context.Background(), bot.Action{Platform: "wecom", EventID: fmt.Sprintf("ev_click_%d", g.seq),
		ChatID: "oc_group", MessageID: "tb-card", UserID: user, Command: command, Form: choices})
}

// submit submits the card of choices as user and checks the answer is the waiting card.
func (g *guidedBot) submit(t *testing.T, user, command string, choices map[string]string) bot.ActionResult {
	t.Helper()
	res := g.click(user, command, choices)
	if res.Toast.Type != "info" || !strings.Contains(string(res.Card), `"card_type":"button_interaction"`) {
		t.Fatalf("the submit answered %+v %s, want the waiting card", res.Toast, res.Card)
	}
	return res
}

// drafted reports the person's draft, as the store holds it, leaving it there.
func (g *guidedBot) drafted(t *testing.T, user string) (store.Draft, bool) {
	t.Helper()
	ctx := context.Background()
	d, err := g.store.TakeDraft(ctx, "wecom", "oc_group", user, "", time.Time{})
	if errors.Is(err, store.ErrNotFound) {
		return d, false
	}
	if err != nil {
		t.Fatal(err)
	}
	if err := g.store.SaveDraft(ctx, d); err != nil {
		t.Fatal(err)
	}
	return d, true
}

// guidedCard is the part of the card of choices the tests read.
type guidedCard struct {
	CardType  string `json:"card_type"`
	MainTitle struct {
		Title, Desc string
	} `json:"main_title"`
	Selects []struct {
		Key      string `json:"question_key"`
		Selected string `json:"selected_id"`
		Options  []struct {
			ID   string `json:"id"`
			Text string `json:"text"`
		} `json:"option_list"`
	} `json:"select_list"`
	Submit struct {
		Text string `json:"text"`
		Key  string `json:"key"`
	} `json:"submit_button"`
}

func (c guidedCard) selected(key string) (string, []string) {
	for _, s := range c.Selects {
		if s.Key == key {
			var ids []string
			for _, o := range s.Options {
				ids = append(ids, o.ID)
			}
			return s.Selected, ids
		}
	}
	return "", nil
}

var choices = map[string]string{"vendor": "ksyun", "priority": "high", "type": "question"}

const (
	saidNoCommand = "没有「"
	saidCancelled = "已取消这次建单。"
)

func TestGuidedCreate(t *testing.T) {
	g := newGuidedBot(t, Config{}, "ksyun", "aliyun")
	card, submit := g.offer(t, "zhangsan", "建单")
	for key, want := range map[string][]string{"vendor": {"ksyun", "aliyun"}, "priority": {"urgent", "high", "normal", "low"},
		"type": {"incident", "request", "question"}} {
		if _, ids := card.selected(key); strings.Join(ids, " ") != strings.Join(want, " ") {
			t.Errorf("select %s offers %v, want %v", key, ids, want)
		}
	}
	if sel, _ := card.selected("priority"); sel != "normal" {
		t.Errorf("the priority preselected is %q, want normal (never urgent by default)", sel)
	}
	// Feishu keeps its form.
	if p := only(t, g.send(msg{text: "建单"})); !strings.Contains(p.Text(), `"tag":"form"`) {
		t.Errorf("Feishu's 建单 alone: %s", p.Text())
	}

	// The submit keeps the choices and turns the card into the waiting card.
	res := g.submit(t, "zhangsan", submit, choices)
	for _, want := range []string{"金山云", `"value":"高"`, `"value":"咨询"`, "请 @我 发送标题和详情", `"key":"` + submit + ` cancel"`} {
		if !strings.Contains(string(res.Card), want) {
			t.Errorf("the waiting card lacks %s: %s", want, res.Card)
		}
	}
	d, ok := g.drafted(t, "zhangsan")
	if want := "newform " + d.FormKey; !ok || want != submit || d.Provider != "ksyun" || d.Priority != "high" || d.Type != "question" {
		t.Fatalf("the draft kept: %+v %v (card %s)", d, ok, submit)
	}
	if len(g.filed()) != 0 {
		t.Fatal("the submit created a ticket before its title came")
	}

	// The next message that is no command is the ticket: its first line the title, the rest
	// the details, the card's choices with them.
	shown := g.say("zhangsan", "数据库连接超时\n生产库 mysql-prod-01 从 09:38 起连接超时\n影响下单")
	filed := g.filed()
	if len(filed) != 1 {
		t.Fatalf("%d creates, want 1; shown:\n%s", len(filed), shown)
	}
	if f := filed[0]; f.Title != "数据库连接超时" || f.Content != "生产库 mysql-prod-01 从 09:38 起连接超时\n影响下单" || f.Priority != "high" || f.Type != "question" {
		t.Errorf("filed %+v", f)
	}
	if c := g.vendors["aliyun"].Calls(); len(c) != 0 {
		t.Errorf("the other vendor was called: %q", c)
	}
	if !strings.Contains(shown, `"card_type":"button_interaction"`) || !strings.Contains(shown, "数据库连接超时") || !strings.Contains(shown, "ksyun:1204") {
		t.Errorf("the answer is not the ticket's card:\n%s", shown)
	}
	// Its create is the card's: named by the card's key, as the form's submit names its own.
	if j, err := g.store.Job(context.Background(), "create/wecom/form-"+d.FormKey); err != nil || j.State != store.JobDone {
		t.Errorf("the create's job: %+v %v", j, err)
	}

	// The draft is answered: the next message is what it always was, and creates nothing.
	if shown := g.say("zhangsan", "再来一条"); !strings.Contains(shown, saidNoCommand) {
		t.Errorf("a second message was answered:\n%s", shown)
	}
	// The card again (a second submit of the first card, which WeCom redelivers or a person
	// repeats): it was used, and nothing is kept.
	if res := g.click("zhangsan", submit, choices); res.Toast.Type != "error" || !strings.Contains(res.Toast.Text, "这张建单卡片已经用过了") || res.Card != nil {
		t.Errorf("the used card's submit: %+v %s", res.Toast, res.Card)
	}
	if _, ok := g.drafted(t, "zhangsan"); ok {
		t.Error("a used card kept a draft")
	}
	g.say("zhangsan", "第三条")
	if n := len(g.filed()); n != 1 {
		t.Errorf("%d creates after the draft was answered, want 1", n)
	}
}

// The card preselects the vendor typed, else the chat's; the card speaks the person's language.
func TestGuidedCreateCard(t *testing.T) {
	g := newGuidedBot(t, Config{Chats: []Chat{{Platform: "wecom", ChatID: "oc_group", Provider: "aliyun"}}}, "ksyun", "aliyun")
	card, _ := g.offer(t, "zhangsan", "建单")
	if sel, _ := card.selected("vendor"); sel != "aliyun" {
		t.Errorf("the chat's vendor is not preselected: %q", sel)
	}
	card, _ = g.offer(t, "zhangsan", "建单 ksyun")
	if sel, _ := card.selected("vendor"); sel != "ksyun" {
		t.Errorf("the vendor typed is not preselected: %q", sel)
	}
	card, _ = g.offer(t, "zhangsan", "new")
	if card.MainTitle.Title != "New ticket" || card.Submit.Text != "Next" {
		t.Errorf("typed in English, the card says %+v %+v", card.MainTitle, card.Submit)
	}
}

// A command while a draft waits runs as usual and leaves the draft; text in a ticket's thread
// (a quote of its card) is a reply to the ticket, as always.
func TestGuidedCreateCommandMeanwhile(t *testing.T) {
	g := newGuidedBot(t, Config{})
	_, submit := g.offer(t, "zhangsan", "建单")
	g.submit(t, "zhangsan", submit, choices)
	if shown := g.say("zhangsan", "帮助"); !strings.Contains(shown, "建单") {
		t.Errorf("help while a draft waits:\n%s", shown)
	}
	if shown := g.say("zhangsan", "查看 ksyun:77"); !strings.Contains(shown, "ksyun:77") {
		t.Errorf("a command while a draft waits:\n%s", shown)
	}
	g.send(msg{platform: "wecom", user: "zhangsan", text: "日志已上传", quote: "数据库连接超时 ksyun:77 待处理"})
	if c := g.vendors["ksyun"].Calls(); !strings.Contains(strings.Join(c, "\n"), "reply 77: 日志已上传") {
		t.Errorf("the quoted reply did not reach the ticket: %q", c)
	}
	if _, ok := g.drafted(t, "zhangsan"); !ok || len(g.filed()) != 0 {
		t.Fatalf("the commands took the draft (kept %v, %d creates)", ok, len(g.filed()))
	}
	g.say("zhangsan", "证书即将过期")
	if f := g.filed(); len(f) != 1 || f[0].Title != "证书即将过期" || f[0].Content != "证书即将过期" {
		t.Errorf("after the commands, the message filed %+v", f)
	}
}

// 取消 (typed, or the waiting card's button) drops the draft and says so.
func TestGuidedCreateCancel(t *testing.T) {
	for _, word := range []string{"取消", "cancel"} {
		t.Run("typed "+word, func(t *testing.T) {
			g := newGuidedBot(t, Config{})
			_, submit := g.offer(t, "zhangsan", "建单")
			g.submit(t, "zhangsan", submit, choices)
			if shown := g.say("zhangsan", word); !strings.Contains(shown, saidCancelled) && !strings.Contains(shown, "dropped") {
				t.Errorf("取消 answered:\n%s", shown)
			}
			if shown := g.say("zhangsan", "数据库连接超时"); !strings.Contains(shown, saidNoCommand) || len(g.filed()) != 0 {
				t.Errorf("after 取消 the message was taken (%d creates):\n%s", len(g.filed()), shown)
			}
		})
	}
	t.Run("the waiting card's button", func(t *testing.T) {
		g := newGuidedBot(t, Config{})
		_, submit := g.offer(t, "zhangsan", "建单")
		g.submit(t, "zhangsan", submit, choices)
		// Someone else's press drops nothing.
		if res := g.click("lisi", submit+" cancel", nil); res.Toast.Type != "warning" || res.Card != nil {
			t.Errorf("lisi's 取消 on zhangsan's card: %+v %s", res.Toast, res.Card)
		}
		res := g.click("zhangsan", submit+" cancel", nil)
		var again guidedCard
		if err := json.Unmarshal(res.Card, &again); err != nil || res.Toast.Text != saidCancelled || again.CardType != "multiple_interaction" ||
			again.MainTitle.Desc != saidCancelled || again.Submit.Key == submit {
			t.Fatalf("取消 answered %+v %s: want the card of choices again, under a fresh key", res.Toast, res.Card)
		}
		if sel, _ := again.selected("priority"); sel != "high" {
			t.Errorf("the card drawn again lost the choice: priority %q", sel)
		}
		if _, ok := g.drafted(t, "zhangsan"); ok {
			t.Fatal("取消 left the draft")
		}
		if res := g.click("zhangsan", submit+" cancel", nil); res.Toast.Type != "warning" || !strings.Contains(res.Toast.Text, "没有进行中的建单") {
			t.Errorf("取消 twice: %+v", res.Toast)
		}
		// The card drawn again works.
		g.submit(t, "zhangsan", again.Submit.Key, choices)
		g.say("zhangsan", "数据库连接超时")
		if n := len(g.filed()); n != 1 {
			t.Errorf("the card drawn again: %d creates, want 1", n)
		}
	})
}

// A draft waits 15 minutes; after that it is gone and the message is text that is no command.
func TestGuidedCreateExpires(t *testing.T) {
	for _, tc := range []struct {
		after   time.Duration
		creates int
	}{{14*time.Minute + 59*time.Second, 1}, {15*time.Minute + time.Second, 0}} {
		t.Run(tc.after.String(), func(t *testing.T) {
			g := newGuidedBot(t, Config{})
			_, submit := g.offer(t, "zhangsan", "建单")
			g.submit(t, "zhangsan", submit, choices)
			g.advance(tc.after)
			shown := g.say("zhangsan", "数据库连接超时")
			if n := len(g.filed()); n != tc.creates {
				t.Fatalf("%v after the submit: %d creates, want %d:\n%s", tc.after, n, tc.creates, shown)
			}
			if tc.creates == 0 && !strings.Contains(shown, saidNoCommand) {
				t.Errorf("an expired draft's message was answered:\n%s", shown)
			}
			if _, ok := g.drafted(t, "zhangsan"); ok {
				t.Error("the draft is still there")
			}
		})
	}
}

// Drafts are each person's own, and only those who may create get one.
func TestGuidedCreateWhoMay(t *testing.T) {
	members := Config{Chats: []Chat{{Platform: "wecom", ChatID: "oc_group", Members: []string{"lisi"}}}}
	g := newGuidedBot(t, members)
	_, submit := g.offer(t, "zhangsan", "建单")
	if res := g.click("zhangsan", submit, choices); res.Toast.Type != "error" || !strings.Contains(res.Toast.Text, saidMembersOnly) || res.Card != nil {
		t.Errorf("a non-member's submit: %+v %s", res.Toast, res.Card)
	}
	if _, ok := g.drafted(t, "zhangsan"); ok {
		t.Fatal("a non-member got a draft")
	}
	// A member submits the same card: the draft is theirs; another's message is not its answer.
	g.submit(t, "lisi", submit, choices)
	if shown := g.say("zhangsan", "数据库连接超时"); !strings.Contains(shown, saidNoCommand) || len(g.filed()) != 0 {
		t.Fatalf("another person's message answered lisi's draft:\n%s", shown)
	}
	g.say("lisi", "数据库连接超时")
	if n := len(g.filed()); n != 1 {
		t.Errorf("lisi's message: %d creates, want 1", n)
	}
	audit, err := g.store.Audit(context.Background(), time.Time{}, g.clock().Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, a := range audit {
		got = append(got, a.UserID+" "+a.Command+" "+a.Result)
	}
	slices.Sort(got)
	if want := "lisi new ok\nlisi newform ok\nzhangsan newform denied"; strings.Join(got, "\n") != want {
		t.Errorf("audit:\n%s\nwant:\n%s", strings.Join(got, "\n"), want)
	}
}

// What cannot be taken is answered and changes nothing: a forged or stale submit, a vendor
// gone, a message the 建单 cannot read.
func TestGuidedCreateBadInput(t *testing.T) {
	t.Run("submits", func(t *testing.T) {
		g := newGuidedBot(t, Config{})
		_, submit := g.offer(t, "zhangsan", "建单")
		for _, tc := range []struct {
			name    string
			command string
			choices map[string]string
			want    string
			card    bool // the card of choices drawn again
		}{
			{"a vendor not configured", submit, map[string]string{"vendor": "aliyun", "priority": "high"}, "阿里云已不再配置，请另选", true},
			{"no vendor", submit, map[string]string{"priority": "high"}, "请选择供应商", true},
			{"a priority the card never offered", submit, map[string]string{"vendor": "ksyun", "priority": "超高"}, "卡片上的选择「超高」无法识别", false},
			{"a priority in other words", submit, map[string]string{"vendor": "ksyun", "priority": "高"}, "无法识别", false},
			{"a type the card never offered", submit, map[string]string{"vendor": "ksyun", "type": "bug"}, "无法识别", false},
			{"a forged key", "newform ../../x", choices, "这张卡片无法识别", false},
			{"a forged key on 取消", "newform ../../x cancel", nil, "这张卡片无法识别", false},
		} {
			res := g.click("zhangsan", tc.command, tc.choices)
			if res.Toast.Type != "error" || !strings.Contains(res.Toast.Text, tc.want) {
				t.Errorf("%s: answered %+v, want an error saying %q", tc.name, res.Toast, tc.want)
			}
			if drawn := strings.Contains(string(res.Card), `"card_type":"multiple_interaction"`); drawn != tc.card || (drawn && !strings.Contains(string(res.Card), tc.want)) {
				t.Errorf("%s: the card %s (want the card of choices again: %v)", tc.name, res.Card, tc.card)
			}
			if _, ok := g.drafted(t, "zhangsan"); ok {
				t.Fatalf("%s: a draft was kept", tc.name)
			}
		}
		if shown := g.say("zhangsan", "数据库连接超时"); !strings.Contains(shown, saidNoCommand) || len(g.filed()) != 0 {
			t.Errorf("after the bad submits, a message was taken:\n%s", shown)
		}
	})
	t.Run("a vendor gone before the message", func(t *testing.T) {
		g := newGuidedBot(t, Config{}, "ksyun", "aliyun")
		_, submit := g.offer(t, "zhangsan", "建单")
		g.submit(t, "zhangsan", submit, map[string]string{"vendor": "aliyun", "priority": "low", "type": "request"})
		delete(g.bot.Providers, "aliyun") // the configuration changed; the env reads the same map
		if shown := g.say("zhangsan", "ECS 无法登录"); !strings.Contains(shown, "阿里云已不再配置在本部署中，这次建单已取消") {
			t.Errorf("the message answered:\n%s", shown)
		}
		if n := len(g.filed()); n != 0 {
			t.Errorf("%d creates at a vendor no longer configured", n)
		}
		if _, ok := g.drafted(t, "zhangsan"); ok {
			t.Error("the draft of a vendor gone is kept")
		}
	})
	t.Run("a message the 建单 cannot read keeps the draft", func(t *testing.T) {
		g := newGuidedBot(t, Config{})
		_, submit := g.offer(t, "zhangsan", "建单")
		g.submit(t, "zhangsan", submit, choices)
		shown := g.say("zhangsan", "数据库连接超时\n类型: 随便")
		if !strings.Contains(shown, "随便") || !strings.Contains(shown, "选择仍保留") || len(g.filed()) != 0 {
			t.Fatalf("answered (%d creates):\n%s", len(g.filed()), shown)
		}
		d, ok := g.drafted(t, "zhangsan")
		if !ok || d.Priority != "high" || d.Type != "question" {
			t.Fatalf("the draft after a message it could not take: %+v %v", d, ok)
		}
		// Written again, with the person's own priority: theirs wins over the card's.
		g.say("zhangsan", "数据库连接超时\n优先级: 紧急")
		if f := g.filed(); len(f) != 1 || f[0].Priority != "urgent" || f[0].Type != "question" || f[0].Content != "数据库连接超时" {
			t.Errorf("filed %+v", f)
		}
	})
}

// Two messages taking one draft at once (a person's double send, two replicas): one ticket.
func TestGuidedCreateRace(t *testing.T) {
	g := newGuidedBot(t, Config{CommandsPerMinute: 1000})
	for round := range 5 {
		_, submit := g.offer(t, "zhangsan", "建单")
		g.submit(t, "zhangsan", submit, choices)
		var wg sync.WaitGroup
		for i := range 3 {
			m := g.message(msg{platform: "wecom", user: "zhangsan", text: fmt.Sprintf("第 %d 轮 %d", round, i)})
			wg.Go(func() { g.bot.HandleMessage(context.Background(), m) })
		}
		wg.Wait()
		if n := len(g.filed()); n != round+1 {
			t.Fatalf("round %d: %d creates in all, want %d", round, n, round+1)
		}
	}
}

// Where the store keeps its memory (as the app runs it), the ack path answers text that is no
// command at once for a person with no draft waiting, and leaves it to the queue for one whose
// guided create waits for it, from their submit until their draft is answered.
func TestGuidedCreateAnswerNow(t *testing.T) {
	g := newGuidedBot(t, Config{})
	g.cached()
	g.bot.Now = g.clock
	mem, ok := g.bot.env.Drafts.(draftMemory)
	if !ok {
		t.Fatal("the app's store keeps no memory of the drafts")
	}
	// known waits for the memory to know (its reading is in the background) and says whether
	// the person's draft waits.
	known := func(user string) bool {
		t.Helper()
		deadline := time.Now().Add(5 * time.Second)
		for {
			if waiting, ok := mem.DraftWaitingNow("wecom", "oc_group", user, g.clock().Add(-draftLife)); ok {
				return waiting
			}
			if time.Now().After(deadline) {
				t.Fatal("the memory of the drafts never knew")
			}
			time.Sleep(time.Millisecond)
		}
	}
	now := func(user, text string) (bot.Outgoing, bool) {
		return g.bot.AnswerNow(g.message(msg{platform: "wecom", user: user, text: text}))
	}
	answeredNow := func(user, text string) bool {
		t.Helper()
		// The memories (the drafts', the languages') are read in the background, and one may
		// go stale meanwhile: asked again until the answer comes, or the draft is known.
		deadline := time.Now().Add(5 * time.Second)
		for time.Now().Before(deadline) {
			if known(user) {
				return false
			}
			if out, ok := now(user, text); ok {
				if !strings.Contains(string(out.Body), saidNoCommand) {
					t.Errorf("answered now with %s, want the usage hint", out.Body)
				}
				return true
			}
			time.Sleep(time.Millisecond)
		}
		return false
	}

	if !answeredNow("zhangsan", "数据库连接超时") {
		t.Fatal("text that is no command, from a person with no draft, was left to the queue")
	}
	_, submit := g.offer(t, "zhangsan", "建单")
	g.submit(t, "zhangsan", submit, choices)
	if !known("zhangsan") {
		t.Fatal("the memory does not know the draft this replica just saved")
	}
	if out, ok := now("zhangsan", "数据库连接超时"); ok {
		t.Fatalf("the title a draft waits for was answered in the ack: %s", out.Body)
	}
	if !answeredNow("lisi", "数据库连接超时") {
		t.Error("another person, with no draft, was left to the queue")
	}
	g.say("zhangsan", "数据库连接超时\n生产库连接超时")
	if n := len(g.filed()); n != 1 {
		t.Fatalf("%d creates, want the draft's 1", n)
	}
	if !answeredNow("zhangsan", "再来一条") {
		t.Error("after the draft was answered, text that is no command is still left to the queue")
	}
	// An expired draft waits for nothing.
	_, submit = g.offer(t, "zhangsan", "建单")
	g.submit(t, "zhangsan", submit, choices)
	g.advance(draftLife + time.Second)
	if !answeredNow("zhangsan", "数据库连接超时") {
		t.Error("an expired draft still sends text to the queue")
	}
}
