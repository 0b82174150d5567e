package demo

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode"

	"github.com/ticketbot/ticketbot/providers"
	"github.com/ticketbot/ticketbot/providers/weiban/weibantest"
)

// docJunk are strings of the vendors' API document examples (the Weiban fake holds its
// document's example work order) that must never show in the demo.
var docJunk = []string{"2021年12月17日", "超长昵称", "45645645632", "大大怪", "鬼鬼", weibantest.DocOrderNo}

// Our people in the samples, and how each vendor's console names a note of ours.
var sampleOurSide = []string{demoPerson, sampleWangLei.Name, sampleWangFang.Name, sampleChenJing.Name, "用户"}

// The demo opens on realistic tickets at every vendor, filed over the last days and answered
// by both sides; none of the document examples shows in a console, in a suggestion or on a
// card of a followed sample, in either chat.
func TestDemoSampleTickets(t *testing.T) {
	base, d := startDemo(t)
	now := time.Now()
	s := demoState(t, base)

	raw, _ := json.Marshal(s)
	for _, j := range docJunk {
		if strings.Contains(string(raw), j) {
			t.Errorf("the page's state shows the document example %q", j)
		}
	}

	byVendor := map[string]vendorView{}
	for _, v := range s.Vendors {
		byVendor[v.Name] = v
	}
	for _, name := range []string{"ksyun", "aliyun", "weiban"} {
		t.Run(name, func(t *testing.T) {
			v, ok := byVendor[name]
			if !ok {
				t.Fatalf("no %s console", name)
			}
			if len(v.Tickets) < 2 {
				t.Fatalf("%s console has %d tickets, want at least 2", name, len(v.Tickets))
			}
			var ours, theirs int
			for _, tk := range v.Tickets {
				if !strings.ContainsFunc(tk.Title, func(r rune) bool { return unicode.Is(unicode.Han, r) }) || len([]rune(tk.Title)) < 8 {
					t.Errorf("%s: title %q is not a real problem statement", tk.Ref, tk.Title)
				}
				if tk.State == "" && tk.StatusLabel != "待处理" {
					t.Errorf("%s: status %q", tk.Ref, tk.StatusLabel)
				}
				for _, n := range tk.Notes {
					at := time.UnixMilli(n.At)
					if at.Before(now.Add(-7*24*time.Hour)) || at.After(now) {
						t.Errorf("%s: note at %v, want within the last days", tk.Ref, at)
					}
					if len([]rune(n.Text)) < 8 {
						t.Errorf("%s: note %q says nothing", tk.Ref, n.Text)
					}
					if slices.Contains(sampleOurSide, n.Author) {
						ours++
					} else {
						theirs++
					}
				}
			}
			if ours == 0 || theirs == 0 {
				t.Errorf("%s: %d notes of ours and %d of the vendor's staff, want both", name, ours, theirs)
			}
		})
	}

	// Every sample followed in both chats: the cards show the sample, filed days ago, and
	// nothing of the document examples.
	if len(d.fakes.samples) != len(sampleTickets) {
		t.Fatalf("%d samples filed, want %d", len(d.fakes.samples), len(sampleTickets))
	}
	// Feishu allows a bot 5 messages a second in a group, and its fake holds the bot to it:
	// the follows are paced below that.
	pace := time.NewTicker(250 * time.Millisecond)
	defer pace.Stop()
	for _, sample := range d.fakes.samples {
		created := sample.Created.In(providers.Shanghai).Format("2006-01-02 15:04")
		if age := now.Sub(sample.Created); age <= 0 || age > 3*24*time.Hour {
			t.Errorf("%s filed %v ago, want within the last days", sample.Ref(), age)
		}
		for _, chat := range []struct {
			platform string
			view     func(demoSnapshot) chatView
		}{{"feishu", feishuView}, {"wecom", wecomView}} {
			<-pace.C
			if code, out := demoPost(t, base+"/api/say", map[string]string{"platform": chat.platform, "text": "关注 " + sample.Ref()}); code != 200 {
				t.Fatalf("关注 %s in %s: %d %v", sample.Ref(), chat.platform, code, out)
			}
			waitMessage(t, base, chat.platform+" card of "+sample.Ref(), chat.view, cardWith(sample.Ref(), created))
		}
	}
	s = demoState(t, base)
	for _, m := range append(s.Feishu.Messages, s.WeCom.Messages...) {
		for _, j := range docJunk {
			if strings.Contains(string(m.Card)+m.Text, j) {
				t.Errorf("message %s shows the document example %q: %s", m.ID, j, m.Card)
			}
		}
	}

	// The suggestions follow the samples marked for it.
	var follows int
	for _, sg := range s.Suggestions {
		if strings.HasPrefix(sg.Text, "关注 ") {
			follows++
			if !slices.ContainsFunc(d.fakes.samples, func(x demoSample) bool { return sg.Text == "关注 "+x.Ref() }) {
				t.Errorf("suggestion %q follows no sample", sg.Text)
			}
		}
	}
	if follows == 0 {
		t.Errorf("no suggestion follows a sample: %+v", s.Suggestions)
	}
}

// The samples' clock-time mentions are Beijing time, whatever the machine's zone.
func TestSampleClockText(t *testing.T) {
	created := time.Date(2025, 3, 4, 1, 30, 0, 0, time.UTC) // 09:30 in Shanghai
	for _, tc := range []struct {
		name, text string
		offsets    []time.Duration
		want       string
	}{
		{"none", "无时间", nil, "无时间"},
		{"before", "从 %s 起", []time.Duration{-25 * time.Minute}, "从 09:05 起"},
		{"two", "%s 到 %s", []time.Duration{0, 3 * time.Hour}, "09:30 到 12:30"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := clockText(tc.text, created, tc.offsets); got != tc.want {
				t.Errorf("clockText = %q, want %q", got, tc.want)
			}
		})
	}
}

// The samples' script holds together: every vendor has samples, every step is a known move
// of that vendor's console or a note, and vendor notes name their author.
func TestSampleTicketsScript(t *testing.T) {
	moves := map[string][]string{"ksyun": {"processing", "finished"}, "aliyun": {"dealing", "wait_feedback", "wait_confirm"}, "weiban": {"processing"}}
	count := map[string]int{}
	for _, s := range sampleTickets {
		t.Run(s.Vendor+" "+s.Title, func(t *testing.T) {
			count[s.Vendor]++
			last := time.Duration(0)
			for _, st := range s.Steps {
				if st.After <= last || st.After >= s.Ago {
					t.Errorf("step at +%v: steps go forward and stay in the past", st.After)
				}
				last = st.After
				switch {
				case st.Status != "":
					if !slices.Contains(moves[s.Vendor], st.Status) {
						t.Errorf("unknown %s move %q", s.Vendor, st.Status)
					}
				case st.By == nil && st.Vendor == "":
					t.Errorf("note %q has no author", st.Text)
				}
			}
		})
	}
	for v := range moves {
		if count[v] < 2 {
			t.Errorf("%s has %d samples, want at least 2", v, count[v])
		}
	}
}
