package demo

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"image/png"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/ticketbot/ticketbot/providers"
)

// updateScreenshot rewrites docs/playground.png from the browser test (also with
// UPDATE_SCREENSHOT=1). The picture needs a CJK font on the machine (fonts-noto-cjk).
var updateScreenshot = flag.Bool("update", false, "write the playground screenshot to docs/playground.png")

// chromiumPath finds Debian's chromium, or another Chrome.
func chromiumPath() string {
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// needChromium is chromium's path; without one the test is skipped, or fails when CI is set.
func needChromium(t *testing.T) string {
	t.Helper()
	chrome := chromiumPath()
	if chrome == "" {
		if os.Getenv("CI") != "" {
			t.Fatal("chromium is not installed but CI is set: the browser test must run in CI (apt-get install chromium)")
		}
		t.Skip("chromium not found; apt-get install chromium to run the browser test")
	}
	return chrome
}

// browserZone is the browser's own time zone, not Shanghai's: the page must show Beijing
// time all the same.
const browserZone = "America/New_York"

// browser drives a headless chromium with a fresh profile, offline but for loopback, in
// browserZone.
type browser struct {
	t   *testing.T
	ctx context.Context

	mu     sync.Mutex
	errors []string // exceptions the page threw
	failed []string // requests answered with an HTTP error (a favicon 404)
}

func newBrowser(t *testing.T, chrome string) *browser {
	// A fresh profile, removed by hand: chromium's helpers may still be writing into it for
	// a moment after the browser exits, which t.TempDir would report as a failure.
	profile, err := os.MkdirTemp("", "ticketbot-chromium-")
	if err != nil {
		t.Fatal(err)
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chrome),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.UserDataDir(profile),
		chromedp.WindowSize(1440, 1072),
		chromedp.Env("TZ="+browserZone),
	)
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	bctx, cancelCtx := chromedp.NewContext(actx)
	ctx, cancelTimeout := context.WithTimeout(bctx, 60*time.Second)
	t.Cleanup(func() {
		cancelTimeout()
		cancelCtx()
		cancelAlloc() // waits for the browser to exit
		for range 20 {
			if os.RemoveAll(profile) == nil {
				return
			}
			time.Sleep(100 * time.Millisecond)
		}
		t.Logf("could not remove the browser profile %s", profile)
	})
	b := &browser{t: t, ctx: ctx}
	chromedp.ListenTarget(ctx, func(ev any) {
		switch e := ev.(type) {
		case *runtime.EventExceptionThrown:
			b.mu.Lock()
			b.errors = append(b.errors, e.ExceptionDetails.Error())
			b.mu.Unlock()
		case *network.EventResponseReceived:
			if e.Response.Status >= 400 {
				b.mu.Lock()
				b.failed = append(b.failed, fmt.Sprintf("%s → HTTP %d", e.Response.URL, e.Response.Status))
				b.mu.Unlock()
			}
		}
	})
	return b
}

func (b *browser) run(actions ...chromedp.Action) {
	b.t.Helper()
	if err := chromedp.Run(b.ctx, actions...); err != nil {
		b.t.Fatalf("browser: %v", err)
	}
}

// wait polls a JavaScript expression until it is true.
func (b *browser) wait(what, expr string) {
	b.t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		var ok bool
		if err := chromedp.Run(b.ctx, chromedp.Evaluate(expr, &ok)); err != nil {
			b.t.Fatalf("waiting for %s: %v", what, err)
		}
		if ok {
			return
		}
		if time.Now().After(deadline) {
			var text string
			_ = chromedp.Run(b.ctx, chromedp.Evaluate(`document.body.innerText`, &text))
			b.t.Fatalf("timed out waiting for %s\npage:\n%s", what, text)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// eval returns the string value of a JavaScript expression.
func (b *browser) eval(expr string) string {
	b.t.Helper()
	var s string
	b.run(chromedp.Evaluate(expr, &s))
	return s
}

// pageHelpers find messages by their card's title, as a person reads the chat.
const pageHelpers = `window.T = {
  msg: (title) => [...document.querySelectorAll('.msg')].reverse().find((m) => {
    const t = m.querySelector('.fs-card-title, .wx-title');
    return t && t.textContent === title;
  }),
  id: (title) => { const m = T.msg(title); return m ? m.dataset.id : ""; },
  tag: (id) => { const t = document.querySelector('.msg[data-id="' + id + '"] .fs-card-header .fs-tag, .msg[data-id="' + id + '"] .wx-emph-title'); return t ? t.textContent : ""; },
  text: (id) => { const m = document.querySelector('.msg[data-id="' + id + '"]'); return m ? m.innerText : ""; },
};`

// The playground in a real browser: a typed command becomes a card drawn from the Feishu
// fake's card JSON, 关闭 asks first and closes at Kingsoft, a change made in the vendor
// console comes back as the watcher's notice, and the WeCom tab does the same with a
// template card, where 关闭 asks with a confirmation card. Every time shows in Beijing time though the browser is in New York; no
// request of the page fails (the favicon); and once the demo stops, the page says so in
// Chinese. With -update it writes the screenshot for the README.
func TestPlaygroundInBrowser(t *testing.T) {
	chrome := needChromium(t)
	base, d, stopDemo := startStoppableDemo(t)
	b := newBrowser(t, chrome)
	b.run(
		chromedp.EmulateViewport(1440, 1072),
		chromedp.Navigate(base+"/"),
	)
	b.wait("the live connection", `document.querySelector('#conn').dataset.ok === 'true'`)
	b.run(chromedp.Evaluate(pageHelpers, nil))
	if zone := b.eval(`Intl.DateTimeFormat().resolvedOptions().timeZone`); zone != browserZone {
		t.Fatalf("the browser runs in %q, want %q (TZ)", zone, browserZone)
	}

	// 0. The vendor console opens on the samples, their notes in Beijing time.
	sample := demoSampleOf(t, d, "ksyun")
	var noteAt int64
	for _, v := range demoState(t, base).Vendors {
		for _, tk := range v.Tickets {
			if tk.Ref == sample.Ref() && len(tk.Notes) > 0 {
				noteAt = tk.Notes[0].At
			}
		}
	}
	if noteAt == 0 {
		t.Fatalf("the sample %s has no note in the console", sample.Ref())
	}
	noteSel := fmt.Sprintf(`.vendor[data-vendor="ksyun"] .vticket[data-id=%q] .vt-note-at`, sample.ID)
	b.wait("the sample in the console", fmt.Sprintf(`document.querySelector(%q) !== null`, noteSel))
	if got, want := b.eval(fmt.Sprintf(`document.querySelector(%q).textContent`, noteSel)), shanghaiClock(time.UnixMilli(noteAt), time.Now()); got != want {
		t.Errorf("the sample's first note shows %q, want %q (Beijing time)", got, want)
	}

	// 1. A typed create command: the card, with its title and status.
	b.run(chromedp.SendKeys("#input", "建单 ksyun 数据库连接超时", chromedp.ByQuery), chromedp.Click("#send", chromedp.ByQuery))
	b.wait("the ticket card", `T.id("数据库连接超时") !== ""`)
	first := b.eval(`T.id("数据库连接超时")`)
	b.wait("the 待处理 tag", fmt.Sprintf(`T.tag(%q) === "待处理"`, first))
	if text := b.eval(fmt.Sprintf(`T.text(%q)`, first)); !strings.Contains(text, "状态：待处理") || !strings.Contains(text, "金山云 · ksyun:") {
		t.Errorf("card text:\n%s", text)
	}
	// The bubble's time is Beijing time, as on the card, not New York's.
	mine := waitMessage(t, base, "my message", feishuView, func(m chatMessage) bool { return m.From == "me" && strings.Contains(m.Text, "数据库连接超时") })
	at := time.UnixMilli(mine.At)
	if got, want := b.eval(fmt.Sprintf(`document.querySelector('.msg[data-id=%q] .time').textContent`, mine.ID)), shanghaiClock(at, time.Now()); got != want {
		t.Errorf("my message shows %q, want %q in Beijing time", got, want)
	}

	// 2. 关闭 asks for confirmation, then closes at Kingsoft; the card changes in place.
	b.run(chromedp.Click(fmt.Sprintf(`.msg[data-id=%q] .fs-btn[data-cmd^="close "]`, first), chromedp.ByQuery))
	b.wait("the confirm dialog", `!document.querySelector('#modal').hidden && document.querySelector("#modal-title").textContent.includes("关闭工单")`)
	b.run(chromedp.Click("#modal-ok", chromedp.ByQuery))
	b.wait("the closed card", fmt.Sprintf(`T.tag(%q) === "已关闭"`, first))
	b.wait("the toast", `!document.querySelector('#toast').hidden && document.querySelector('#toast').textContent.includes("已关闭")`)
	if tk := ksyunTicket(t, d, "数据库连接超时"); tk.Status != 3 {
		t.Errorf("Kingsoft status %d after 关闭, want 3", tk.Status)
	}

	// 3. A second ticket; in the vendor console Kingsoft's engineer answers and finishes it,
	// and the watcher's notice arrives in the chat.
	// Shift+Enter starts the details on a new line, as in the chat apps.
	newline := chromedp.KeyEvent("\r", chromedp.KeyModifiers(input.ModifierShift))
	b.run(chromedp.SendKeys("#input", "建单 ksyun 磁盘空间告警", chromedp.ByQuery), newline,
		chromedp.KeyEvent("/data 分区使用率 95%，日志写入失败。"), newline, chromedp.KeyEvent("优先级: 高"),
		chromedp.Click("#send", chromedp.ByQuery))
	b.wait("the second card", `T.id("磁盘空间告警") !== ""`)
	second := b.eval(`T.id("磁盘空间告警")`)
	vt := fmt.Sprintf(`.vendor[data-vendor="ksyun"] .vticket[data-id="%d"]`, ksyunTicket(t, d, "磁盘空间告警").ID)
	b.wait("the ticket in the vendor console", fmt.Sprintf(`document.querySelector(%q) !== null`, vt))
	b.run(chromedp.SendKeys(vt+" .vt-reply input", "已扩容，请确认", chromedp.ByQuery), chromedp.Click(vt+" .vt-send", chromedp.ByQuery))
	b.wait("the engineer's reply in the console", fmt.Sprintf(`(document.querySelector(%q) || {innerText: ""}).innerText.includes("已扩容，请确认")`, vt))
	b.run(chromedp.Click(vt+` button[data-action="finished"]`, chromedp.ByQuery))
	b.wait("the watcher's notice", `[...document.querySelectorAll('.msg')].some((m) => {
		const t = m.querySelector('.fs-card-title');
		return t && t.textContent === "工单状态更新" && m.innerText.includes("磁盘空间告警") && m.innerText.includes("待确认") && m.innerText.includes("@姜程");
	})`)
	b.wait("the second card redrawn", fmt.Sprintf(`T.tag(%q).startsWith("待确认")`, second))

	// The README's picture: the second card and its notice, the vendor console beside them.
	var shot []byte
	b.run(
		chromedp.Evaluate(`document.querySelector('#toast').hidden = true;
			document.querySelector('.msg[data-id="`+second+`"]').scrollIntoView({block: "start"});`, nil),
		chromedp.Sleep(200*time.Millisecond),
		chromedp.CaptureScreenshot(&shot),
	)
	if img, err := png.Decode(bytes.NewReader(shot)); err != nil || img.Bounds().Dx() != 1440 {
		t.Fatalf("screenshot: %v", err)
	}
	if *updateScreenshot || os.Getenv("UPDATE_SCREENSHOT") != "" {
		path := filepath.Join("..", "..", "docs", "playground.png")
		if err := os.WriteFile(path, shot, 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("wrote %s (%d bytes)", path, len(shot))
	}

	// 4. WeCom: the same through the encrypted callback, drawn as a template card.
	b.run(chromedp.Click(`.platform-tabs [data-platform="wecom"]`, chromedp.ByQuery))
	b.run(chromedp.SendKeys("#input", "建单 aliyun ECS 无法登录", chromedp.ByQuery), chromedp.Click("#send", chromedp.ByQuery))
	b.wait("the WeCom card", `T.id("ECS 无法登录") !== ""`)
	wx := b.eval(`T.id("ECS 无法登录")`)
	// WeCom buttons have no dialog: 关闭 turns the card into 「确认关闭 …？」 in place, and
	// only 确认关闭 closes.
	b.run(chromedp.Click(fmt.Sprintf(`.msg[data-id=%q] .wx-btn[data-cmd^="confirm close "]`, wx), chromedp.ByQuery))
	b.wait("the WeCom confirmation", fmt.Sprintf(`T.text(%q).includes("确认关闭 aliyun:")`, wx))
	b.run(chromedp.Click(fmt.Sprintf(`.msg[data-id=%q] .wx-btn[data-cmd^="close "]`, wx), chromedp.ByQuery))
	b.wait("the WeCom card closed", fmt.Sprintf(`T.tag(%q).startsWith("已关闭")`, wx))
	for _, tk := range d.fakes.aliyun.Tickets() {
		if tk.Title == "ECS 无法登录" && tk.Status != "confirmed" {
			t.Errorf("Aliyun ticket after 关闭: %+v", tk)
		}
	}

	// 5. The demo stops: the page says so in Chinese, and so does an action that cannot
	// reach it, instead of the browser's "Failed to fetch".
	stopDemo()
	b.wait("the offline notice", fmt.Sprintf(`!document.querySelector('#offline').hidden && document.querySelector('#offline').textContent === %q
		&& document.querySelector('#conn').dataset.ok === 'false'`, demoOffline))
	b.run(chromedp.SendKeys("#input", "列表", chromedp.ByQuery), chromedp.Click("#send", chromedp.ByQuery))
	b.wait("the failed send's toast", fmt.Sprintf(`!document.querySelector('#toast').hidden && document.querySelector('#toast').textContent.includes(%q)`, demoOffline))
	if text := b.eval(`document.body.innerText`); strings.Contains(text, "Failed to fetch") {
		t.Errorf("the page shows the browser's English error:\n%s", text)
	}
	if v := b.eval(`document.querySelector('#input').value`); v != "列表" {
		t.Errorf("the unsent text is gone from the input: %q", v)
	}

	// 6. Something else answers at the address for a while (a 503, no event stream), which
	// makes EventSource give up for good; then a demo runs there again. The page reconnects
	// by itself and shows the new run (an empty chat), though the new run counts its
	// versions from 1 again.
	addr := strings.TrimPrefix(base, "http://")
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatalf("listen again at %s: %v", addr, err)
	}
	other := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "maintenance", http.StatusServiceUnavailable)
	})}
	go func() { _ = other.Serve(ln) }()
	waitFor(t, "the browser to receive the 503 for the event stream", func() bool {
		b.mu.Lock()
		defer b.mu.Unlock()
		return slices.ContainsFunc(b.failed, func(f string) bool { return strings.Contains(f, "/api/events → HTTP 503") })
	})
	_ = other.Close()
	again, _, _ := startStoppableDemoAt(t, addr)
	if again != base {
		t.Fatalf("the second demo runs at %s, want %s", again, base)
	}
	b.wait("the reconnection", `document.querySelector('#offline').hidden && document.querySelector('#conn').dataset.ok === 'true'
		&& document.querySelector('.welcome') !== null && document.querySelectorAll('.msg').length === 0`)

	b.checkClean(func(failed string) bool { return strings.Contains(failed, "HTTP 503") }) // step 6's stand-in
}

// checkClean fails the test for every exception the page threw and every request of the page
// that failed, but those expected says it expected (nil for none).
func (b *browser) checkClean(expected func(failed string) bool) {
	b.t.Helper()
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, e := range b.errors {
		b.t.Errorf("the page threw: %s", e)
	}
	for _, f := range b.failed {
		if expected == nil || !expected(f) {
			b.t.Errorf("a request of the page failed: %s", f)
		}
	}
}

// formHelpers find a card's form controls by name, wherever they sit in the card (in its form
// or outside it), and drive them as a person does. T.posts lists what the page has POSTed.
const formHelpers = `Object.assign(window.T, {
  ctl: (id, name) => document.querySelector('.msg[data-id="' + id + '"] :is(input, textarea, select)[name="' + name + '"]'),
  value: (id, name) => { const c = T.ctl(id, name); return c ? c.value : null; },
  label: (id, name) => { const c = T.ctl(id, name); return c && c.selectedOptions[0] ? c.selectedOptions[0].textContent : null; },
  choose: (id, name, value) => {
    const s = T.ctl(id, name);
    if (!s || s.tagName !== "SELECT") return "no select named " + name;
    if (![...s.options].some((o) => o.value === value)) return "the select " + name + " has no option " + value;
    s.value = value;
    s.dispatchEvent(new Event("change", { bubbles: true }));
    return "";
  },
  busy: (id) => document.querySelector('.msg[data-id="' + id + '"] .loading') !== null,
  shown: () => Number(document.querySelector("#conn").dataset.version || 0),
  problem: (id) => document.querySelector('.msg[data-id="' + id + '"] .fs-font-red') !== null && T.ctl(id, "title") !== null,
  // misfit names a control of the card that is not full width inside it, or sticks out.
  misfit: (id) => {
    const card = document.querySelector('.msg[data-id="' + id + '"] .fs-card');
    const r = card.getBoundingClientRect();
    if (r.width === 0) return "the card is not shown";
    if (r.right > document.documentElement.clientWidth) return "the card is wider than the page";
    for (const c of card.querySelectorAll("input, textarea, select")) {
      const x = c.getBoundingClientRect(), p = getComputedStyle(c.parentElement);
      const room = c.parentElement.clientWidth - parseFloat(p.paddingLeft) - parseFloat(p.paddingRight);
      if (x.left < r.left || x.right > r.right) return c.name + " sticks out of the card";
      if (x.width < room - 1) return c.name + " is " + x.width + "px wide in " + room + "px";
    }
    return "";
  },
  posts: [],
});
(() => {
  const f = window.fetch;
  window.fetch = (url, opts) => { T.posts.push(String(url)); return f(url, opts); };
})();`

// choose picks value in the select named name of message id as a person does (the value, then
// a change event), and waits until the card has settled on it: a select that calls back
// redraws the card, which may replace every control.
func (b *browser) choose(base, id, name, value string) {
	b.t.Helper()
	if err := b.eval(fmt.Sprintf(`T.choose(%q, %q, %q)`, id, name, value)); err != "" {
		b.t.Fatalf("choose %s=%s: %s", name, value, err)
	}
	b.settle(base, id)
	b.wait(name+" showing "+value, fmt.Sprintf(`T.value(%q, %q) === %q`, id, name, value))
}

// settle waits until no callback of message id is under way (a clicked control is busy until
// the bot answered) and the page draws the demo's snapshot from after it.
func (b *browser) settle(base, id string) {
	b.t.Helper()
	b.wait("the card's callback to finish", fmt.Sprintf(`!T.busy(%q)`, id))
	v := demoVersion(b.t, base)
	b.wait(fmt.Sprintf("the page to draw snapshot %d", v), fmt.Sprintf(`T.shown() >= %d`, v))
}

// demoVersion is the version of the demo's newest snapshot.
func demoVersion(t *testing.T, base string) uint64 {
	t.Helper()
	resp, err := http.Get(base + "/api/state")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var s struct {
		Version uint64 `json:"version"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&s); err != nil {
		t.Fatal(err)
	}
	return s.Version
}

// The create form in a real browser (issue #17): 建单 alone answers with the form; the vendor,
// the priority and the vendor's own product line are chosen and the details typed as a person
// does; a submit without a title is refused; with it, the same message turns into the ticket's card and the ticket is at
// Kingsoft with what was filled in. Every control is found by its name, in the form or outside
// it, and a choice waits for the card to settle, so a vendor select that calls back and
// redraws the card is driven the same way.
func TestCreateFormInBrowser(t *testing.T) {
	chrome := needChromium(t)
	base, d := startDemo(t)
	b := newBrowser(t, chrome)
	b.run(chromedp.EmulateViewport(1440, 1072), chromedp.Navigate(base+"/"))
	b.wait("the live connection", `document.querySelector('#conn').dataset.ok === 'true'`)
	b.run(chromedp.Evaluate(pageHelpers+formHelpers, nil))
	filed := len(d.fakes.ksyun.Tickets())

	// 1. 建单 alone: the form, every control full width in the card, on a phone too.
	b.run(chromedp.SendKeys("#input", "建单", chromedp.ByQuery), chromedp.Click("#send", chromedp.ByQuery))
	b.wait("the create form", `T.id("新建工单") !== "" && T.ctl(T.id("新建工单"), "vendor") !== null`)
	form := b.eval(`T.id("新建工单")`)
	msg := fmt.Sprintf(`.msg[data-id=%q]`, form)
	for _, width := range []int64{1440, 390} {
		b.run(chromedp.EmulateViewport(width, 844))
		if misfit := b.eval(fmt.Sprintf(`T.misfit(%q)`, form)); misfit != "" {
			t.Errorf("at %dpx: %s", width, misfit)
		}
	}
	b.run(chromedp.EmulateViewport(1440, 1072))

	if unknown := b.eval(fmt.Sprintf(`[...document.querySelectorAll(%q)].map((e) => e.textContent).join(" ")`, msg+" .fs-unknown")); unknown != "" {
		t.Errorf("the form has parts the page cannot draw: %s", unknown)
	}

	// 2. The vendor first: the card settles on it before anything is typed.
	t.Logf("the vendor select is %s", b.eval(fmt.Sprintf(`((s) => s.closest("form") ? "in the form"
		: s.dataset.cmd ? "outside the form, calling back" : "outside the form")(T.ctl(%q, "vendor"))`, form)))
	b.choose(base, form, "vendor", "ksyun")
	if label := b.eval(fmt.Sprintf(`T.label(%q, "vendor")`, form)); label != "金山云" {
		t.Errorf("the vendor select shows %q, want 金山云", label)
	}
	b.choose(base, form, "priority", "high")
	// The vendor's own field, with its configured choices: the product line.
	b.choose(base, form, "product_line", "41")
	if label := b.eval(fmt.Sprintf(`T.label(%q, "product_line")`, form)); label != "对象存储" {
		t.Errorf("the product line select shows %q, want 对象存储", label)
	}
	content := "从 09:38 起 5xx 比例 35%\n影响下单"
	b.run(chromedp.SendKeys(msg+` [name="content"]`, content, chromedp.ByQuery))
	b.wait("the details typed, on two lines", fmt.Sprintf(`T.value(%q, "content") === %q`, form, content))

	// 3. Without a title the submit is refused: by the page's required check, which sends
	// nothing, or by the bot, which draws the form again with the problem.
	b.run(chromedp.Evaluate(`T.posts.length = 0`, nil))
	b.run(chromedp.Click(msg+` form .fs-btn[data-cmd]`, chromedp.ByQuery))
	b.wait("the submit refused", fmt.Sprintf(`T.posts.includes("/api/click") ? !T.busy(%[1]q)
		: T.ctl(%[1]q, "title").classList.contains("fs-invalid") && document.activeElement === T.ctl(%[1]q, "title")`, form))
	if b.eval(`T.posts.includes("/api/click") ? "bot" : "page"`) == "bot" {
		b.settle(base, form)
		if b.eval(fmt.Sprintf(`T.problem(%q) ? "shown" : ""`, form)) == "" {
			t.Fatalf("the submit without a title was sent, and the form shows no problem:\n%s", b.eval(fmt.Sprintf(`T.text(%q)`, form)))
		}
		t.Log("the bot refused the submit without a title")
	}
	if n := len(d.fakes.ksyun.Tickets()); n != filed {
		t.Fatalf("a submit without a title filed a ticket (%d at Kingsoft, was %d)", n, filed)
	}

	// 4. With the title the form is filed: the same message becomes the ticket's card.
	title := "订单服务 502 告警"
	b.run(chromedp.SendKeys(msg+` [name="title"]`, title, chromedp.ByQuery))
	b.wait("the form filled in", fmt.Sprintf(`T.value(%[1]q, "title") === %[2]q && T.value(%[1]q, "content") === %[3]q
		&& T.value(%[1]q, "vendor") === "ksyun" && T.value(%[1]q, "priority") === "high"`, form, title, content))
	b.run(chromedp.Click(msg+` form .fs-btn[data-cmd]`, chromedp.ByQuery))
	b.wait("the ticket card in the form's place", fmt.Sprintf(`(() => {
		const m = document.querySelector(%q), t = m && m.querySelector(".fs-card-title");
		return t !== null && t.textContent === %q && m.querySelector("form, select") === null;
	})()`, msg, title))
	if text := b.eval(fmt.Sprintf(`T.text(%q)`, form)); !strings.Contains(text, "优先级：高") || !strings.Contains(text, "金山云 · ksyun:") {
		t.Errorf("the ticket card:\n%s", text)
	}
	b.wait("the ticket in the Kingsoft console", fmt.Sprintf(
		`[...document.querySelectorAll('.vendor[data-vendor="ksyun"] .vt-title')].some((e) => e.textContent === %q)`, title))
	if n := len(d.fakes.ksyun.Tickets()); n != filed+1 {
		t.Errorf("%d tickets at Kingsoft, want %d", n, filed+1)
	}
	tk := ksyunTicket(t, d, title)
	if tk.Detail != content || tk.Priority != 1 || tk.RepositoryProductID != 41 {
		t.Errorf("the Kingsoft ticket: detail %q, priority %d, product line %d; want %q, 1 (high), 41", tk.Detail, tk.Priority, tk.RepositoryProductID, content)
	}
	inState := false
	for _, v := range demoState(t, base).Vendors {
		for _, x := range v.Tickets {
			inState = inState || (v.Name == "ksyun" && x.Title == title)
		}
	}
	if !inState {
		t.Errorf("the demo's state has no Kingsoft ticket %q", title)
	}
	b.checkClean(nil)
}

// demoOffline is what the page says when the demo cannot be reached (app.js OFFLINE).
const demoOffline = "无法连接 ticketbot 演示服务，可能已停止。请重新运行 go run ./cmd/ticketbot demo 后刷新页面。"

// shanghaiClock is how the page shows a time (util.js clock) at now: Beijing time, with
// the day when it is not today.
func shanghaiClock(at, now time.Time) string {
	a, n := at.In(providers.Shanghai), now.In(providers.Shanghai)
	day := func(t time.Time) time.Time { y, m, d := t.Date(); return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }
	hm := a.Format("15:04")
	switch days := int(day(n).Sub(day(a)).Hours() / 24); {
	case days == 0:
		return hm
	case days == 1:
		return "昨天 " + hm
	case a.Year() == n.Year():
		return a.Format("1月2日 ") + hm
	}
	return a.Format("2006年1月2日 ") + hm
}
