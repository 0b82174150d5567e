package templates

import (
	"encoding/json"
	"path/filepath"
	"testing"
	"unicode/utf8"
)

// The guided create's waiting card (WeCom only: Feishu's cards hold the form itself), in both
// languages; the create card of choices is drawn from the newform fixtures (TestGolden).
func TestGoldenDraft(t *testing.T) {
	r, err := New("")
	if err != nil {
		t.Fatal(err)
	}
	if r.Has("feishu", "draft") {
		t.Error("Feishu has a waiting card: its create form takes the title itself")
	}
	for _, en := range []bool{false, true} {
		say := func(zh, e string) string {
			if en {
				return e
			}
			return zh
		}
		dir := ""
		if en {
			dir = "en"
		}
		for name, data := range map[string]DraftCard{
			"draft": {Vendor: say("金山云", "Kingsoft Cloud"), Priority: say("高", "High"), Type: say("咨询", "Question"), Minutes: 15,
				Cancel: "newform 5f3a9c0e1b2d4f60 cancel"},
			"draft_nothing_chosen": {Vendor: say("微伴助手", "Weiban"), Minutes: 15, Cancel: "newform 5f3a9c0e1b2d4f61 cancel"},
		} {
			path := filepath.Join("testdata", "wecom", dir, name)
			t.Run(path, func(t *testing.T) {
				got, err := r.In(en).Render("wecom", "draft", data)
				if err != nil {
					t.Fatal(err)
				}
				goldenJSON(t, path+".golden.json", got)
				checkWeComCard(t, got)
				if en {
					noChinese(t, string(got), data)
				}
			})
		}
	}
}

// checkWeComSelects asserts WeCom's limits of a multiple_interaction card (DOC 101032): 1 to 3
// selects, each with a question_key (at most 1024 bytes, unique), a title of at most 13
// characters and 1 to 10 options (ids at most 128 bytes and unique, texts of 1 to 10
// characters) of which its selected_id is one (WeCom would show the first otherwise), and a
// submit button of 1 to 10 characters whose key is 1 to 1024 bytes.
func checkWeComSelects(t *testing.T, card []byte) {
	t.Helper()
	var c struct {
		Selects []struct {
			Key      string `json:"question_key"`
			Title    string `json:"title"`
			Selected string `json:"selected_id"`
			Options  []struct {
				ID   string `json:"id"`
				Text string `json:"text"`
			} `json:"option_list"`
		} `json:"select_list"`
		Submit *struct {
			Text string `json:"text"`
			Key  string `json:"key"`
		} `json:"submit_button"`
	}
	if err := json.Unmarshal(card, &c); err != nil {
		t.Fatal(err)
	}
	if n := len(c.Selects); n == 0 || n > 3 {
		t.Errorf("%d selects; WeCom takes 1 to 3", n)
	}
	keys := map[string]bool{}
	for _, s := range c.Selects {
		if s.Key == "" || len(s.Key) > 1024 || keys[s.Key] {
			t.Errorf("question_key %q: 1 to 1024 bytes, unique", s.Key)
		}
		keys[s.Key] = true
		if utf8.RuneCountInString(s.Title) > 13 {
			t.Errorf("select %s: title %q longer than 13 characters", s.Key, s.Title)
		}
		if n := len(s.Options); n == 0 || n > 10 {
			t.Errorf("select %s: %d options; WeCom takes 1 to 10", s.Key, n)
		}
		ids, selected := map[string]bool{}, false
		for _, o := range s.Options {
			if o.ID == "" || len(o.ID) > 128 || ids[o.ID] {
				t.Errorf("select %s: option id %q: 1 to 128 bytes, unique", s.Key, o.ID)
			}
			ids[o.ID] = true
			if n := utf8.RuneCountInString(o.Text); n == 0 || n > 10 {
				t.Errorf("select %s: option text %q: 1 to 10 characters", s.Key, o.Text)
			}
			selected = selected || o.ID == s.Selected
		}
		if !selected {
			t.Errorf("select %s: selected_id %q is none of its options", s.Key, s.Selected)
		}
	}
	if c.Submit == nil || c.Submit.Text == "" || utf8.RuneCountInString(c.Submit.Text) > 10 || c.Submit.Key == "" || len(c.Submit.Key) > 1024 {
		t.Errorf("submit_button %+v: text 1 to 10 characters, key 1 to 1024 bytes", c.Submit)
	}
}
