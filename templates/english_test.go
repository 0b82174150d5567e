package templates

import (
	"reflect"
	"slices"
	"strings"
	"testing"
	"unicode"

	"github.com/ticketbot/ticketbot/providers"
)

// chinese reports whether r is written only in Chinese text: a Han character, CJK
// punctuation (「」。、), or a full-width form (（），：).
func chinese(r rune) bool {
	return unicode.Is(unicode.Han, r) || (r >= 0x3000 && r <= 0x303f) || (r >= 0xff00 && r <= 0xffef)
}

// chineseRuns are the maximal runs of Chinese characters in s.
func chineseRuns(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool { return !chinese(r) })
}

// wecomUnescape undoes wxmd: its full-width look-alikes stand in for markdown's characters
// (＊＊bold＊＊, ［remark］) in either language, and are no Chinese.
var wecomUnescape = strings.NewReplacer("＜", "<", "＞", ">", "［", "[", "］", "]", "＊", "*", "｀", "`", "＃", "#")

// people are the names the fixtures give people (a footer's "张三 closed the ticket"): data,
// like a ticket's own fields.
var people = []string{"张三"}

// noChinese fails on Chinese in an English card that is not data.
func noChinese(t *testing.T, card string, data any) {
	t.Helper()
	for _, run := range notData(card, data) {
		t.Errorf("the English card says %q, which is no data of the card\n%s", run, card)
	}
}

// notData lists the runs of Chinese characters in card that do not come from the tickets and
// notes it shows (the vendor's words, a title people wrote) or a person's name.
func notData(card string, data any) []string {
	allowed := append(dataStrings(reflect.ValueOf(data), false), people...)
	var out []string
	for _, run := range chineseRuns(wecomUnescape.Replace(card)) {
		if !containedIn(run, allowed) {
			out = append(out, run)
		}
	}
	return out
}

func containedIn(run string, in []string) bool {
	for _, s := range in {
		if strings.Contains(s, run) {
			return true
		}
	}
	return false
}

var (
	ticketType = reflect.TypeFor[providers.Ticket]()
	noteType   = reflect.TypeFor[providers.Note]()
)

// dataStrings collects every string held in a providers.Ticket or providers.Note inside v:
// what the vendor or a person wrote, never the bot's words.
func dataStrings(v reflect.Value, inData bool) []string {
	var out []string
	switch v.Kind() {
	case reflect.Interface, reflect.Pointer:
		if !v.IsNil() {
			out = append(out, dataStrings(v.Elem(), inData)...)
		}
	case reflect.Struct:
		inData = inData || v.Type() == ticketType || v.Type() == noteType
		for i := range v.NumField() {
			if v.Type().Field(i).IsExported() {
				out = append(out, dataStrings(v.Field(i), inData)...)
			}
		}
	case reflect.Slice, reflect.Array:
		for i := range v.Len() {
			out = append(out, dataStrings(v.Index(i), inData)...)
		}
	case reflect.Map:
		for _, k := range v.MapKeys() {
			out = append(out, dataStrings(k, inData)...)
			out = append(out, dataStrings(v.MapIndex(k), inData)...)
		}
	case reflect.String:
		if inData {
			out = append(out, v.String())
		}
	}
	return out
}

// The check itself: a label of the bot's is caught, the vendor's words are not.
func TestNotDataCatchesLabels(t *testing.T) {
	data := TicketCard{Ticket: providers.Ticket{Title: "数据库连接超时", LatestNote: &providers.Note{Body: "请提供日志"}},
		ProviderLabel: "Kingsoft Cloud"}
	for _, tc := range []struct {
		card string
		want []string
	}{
		{`{"title":"数据库连接超时","label":"Ticket"}`, nil},
		{`{"title":"数据库连接…","note":"请提供日志","by":"张三"}`, nil},
		{`{"title":"＊＊bold＊＊ ［x］"}`, nil},
		{`{"title":"数据库连接超时","label":"工单号"}`, []string{"工单号"}},
		{`{"label":"Status："}`, []string{"："}},
		{`{"label":"「help」"}`, []string{"「", "」"}},
	} {
		if got := notData(tc.card, data); !slices.Equal(got, tc.want) {
			t.Errorf("notData(%s) = %q, want %q", tc.card, got, tc.want)
		}
	}
}

// Every sentence of the catalog has both languages, and no English sentence is Chinese:
// the English is complete. Its placeholders are what the code fills in, never Chinese here.
func TestCatalogEnglishIsComplete(t *testing.T) {
	c := DefaultCatalog()
	if len(c.Keys()) < 100 {
		t.Fatalf("only %d sentences: the catalog did not load", len(c.Keys()))
	}
	for _, k := range c.Keys() {
		s := c.m[k]
		if strings.TrimSpace(s.Zh) == "" || strings.TrimSpace(s.En) == "" {
			t.Errorf("%s: zh %q en %q; each needs both", k, s.Zh, s.En)
		}
		if runs := chineseRuns(s.En); len(runs) > 0 {
			t.Errorf("%s: the English %q says %q", k, s.En, runs)
		}
	}
}

// Every state, flag and priority level has its words in the catalog: they are looked up by
// a key built from it, which no scan of the code finds.
func TestEveryTicketWordIsInTheCatalog(t *testing.T) {
	c := DefaultCatalog()
	var keys []string
	for _, s := range []providers.Status{providers.StatusOpen, providers.StatusInProgress, providers.StatusWaitingOnUs,
		providers.StatusPendingConfirm, providers.StatusClosed, providers.StatusCancelled, providers.StatusUnknown} {
		keys = append(keys, "status_"+string(s))
	}
	for _, f := range []providers.Flag{providers.FlagOnHold, providers.FlagRejected, providers.FlagReopened,
		providers.FlagRated, providers.FlagCustomerReplied} {
		keys = append(keys, "flag_"+string(f))
	}
	for _, l := range []string{providers.PriorityUrgent, providers.PriorityHigh, providers.PriorityNormal, providers.PriorityLow} {
		keys = append(keys, "priority_"+l)
	}
	for _, k := range keys {
		if !c.Has(k) {
			t.Errorf("%s is not in messages.toml", k)
		}
	}
	// The Chinese words are the ones the providers' labels and people's typing use.
	if got := c.Status(providers.StatusWaitingOnUs, false); got != providers.StatusWaitingOnUs.Label() {
		t.Errorf("status word %q, want %q", got, providers.StatusWaitingOnUs.Label())
	}
	if got := c.Priority(providers.Ticket{Priority: "P1", PriorityLevel: "high"}, true); got != "High" {
		t.Errorf("priority %q, want High", got)
	}
	if got := c.Priority(providers.Ticket{Priority: "P9"}, true); got != "P9" {
		t.Errorf("a vendor's own priority %q, want P9", got)
	}
}
