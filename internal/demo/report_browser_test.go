package demo

import (
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// 周报 in the playground: the Feishu card's chart and table are drawn (the chart as grouped
// bars with its legend, the table with its header and rows), no part of it left as a
// placeholder; the ticket just created is in it.
func TestWeeklyReportInBrowser(t *testing.T) {
	chrome := needChromium(t)
	base, _ := startDemo(t)
	b := newBrowser(t, chrome)
	b.run(chromedp.EmulateViewport(1440, 1072), chromedp.Navigate(base+"/"))
	b.wait("the live connection", `document.querySelector('#conn').dataset.ok === 'true'`)
	b.run(chromedp.Evaluate(pageHelpers, nil))

	b.run(chromedp.SendKeys("#input", "建单 ksyun 证书过期", chromedp.ByQuery), chromedp.Click("#send", chromedp.ByQuery))
	b.wait("the ticket card", `T.id("证书过期") !== ""`)
	b.run(chromedp.SendKeys("#input", "周报", chromedp.ByQuery), chromedp.Click("#send", chromedp.ByQuery))
	b.wait("the weekly report", `T.id("工单周报") !== ""`)
	msg := fmt.Sprintf(`.msg[data-id=%q]`, b.eval(`T.id("工单周报")`))
	all := func(sel, js string) string {
		return b.eval(fmt.Sprintf(`[...document.querySelectorAll(%q)].map((e) => %s).join("|")`, msg+" "+sel, js))
	}
	if unknown := all(".fs-unknown, .fs-chart-other", "e.textContent"); unknown != "" {
		t.Errorf("the report has parts the page cannot draw: %s", unknown)
	}
	if head := all(".fs-table th", "e.textContent"); head != "供应商|新建|关闭|待我方|首次回复|关闭用时" {
		t.Errorf("table header %q", head)
	}
	rows := strings.Split(all(".fs-table tbody tr", `[...e.cells].map((c) => c.textContent).join(",")`), "|")
	if len(rows) < 2 || !strings.HasPrefix(rows[len(rows)-1], "合计,") || !slicesHasPrefix(rows, "金山云,") {
		t.Errorf("table rows %q", rows)
	}
	if groups := all(".fs-chart-label", "e.textContent"); !strings.Contains(groups, "金山云") {
		t.Errorf("chart groups %q", groups)
	}
	if legend := all(".fs-chart-legend span", "e.textContent"); legend != "新建|关闭" {
		t.Errorf("chart legend %q", legend)
	}
	if widths := all(".fs-bar", "e.getBoundingClientRect().width > 0"); !strings.Contains(widths, "true") || strings.Contains(widths, "false") {
		t.Errorf("bars drawn %q", widths)
	}
}

func slicesHasPrefix(ss []string, prefix string) bool {
	for _, s := range ss {
		if strings.HasPrefix(s, prefix) {
			return true
		}
	}
	return false
}
