package providers

import "testing"

// A reply the bot attributed ("姜程：已重启") and the vendor lists under that same name shows
// the name once; another name, or a colon in the text itself, stays.
func TestNoteBody(t *testing.T) {
	tests := []struct{ author, body, want string }{
		{"姜程", "姜程：已重启，请再观察", "已重启，请再观察"},
		{"姜程", Attributed("姜程", "已重启"), "已重启"},
		{"姜程", "张三：已重启", "张三：已重启"},
		{"金山云工程师", "原因：磁盘满", "原因：磁盘满"},
		{"", "张三：已重启", "张三：已重启"},
		{"姜程", "姜程：", "姜程："},
		{"ops", "ops: restarted", "restarted"},
	}
	for _, tt := range tests {
		if got := NoteBody(tt.author, tt.body); got != tt.want {
			t.Errorf("NoteBody(%q, %q) = %q, want %q", tt.author, tt.body, got, tt.want)
		}
	}
}
