package providers

import (
	"slices"
	"testing"
)

func TestFindRefs(t *testing.T) {
	r, err := NewRegistry(
		Descriptor{Name: "ksyun", Aliases: []string{"金山云"}, Links: []TicketLink{{Host: "ksyun.com", Param: "id"}, {Host: "ksyun.com", PathAfter: "ticket"}}},
		Descriptor{Name: "aliyun", Aliases: []string{"阿里云"}, Links: []TicketLink{{Host: "console.aliyun.com", Param: "ticketId"}}},
	)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		text string
		want []Ref
	}{
		{"看下 ksyun:1204 怎么样了", []Ref{{"ksyun", "1204"}}},
		{"金山云：#1205 和 aliyun:0005PYGCW", []Ref{{"ksyun", "1205"}, {"aliyun", "0005PYGCW"}}},
		{"KSYUN:1204 又是 ksyun:1204", []Ref{{"ksyun", "1204"}}},
		{"https://smartservice.console.aliyun.com/service/detail?ticketId=0006ABC。请看", []Ref{{"aliyun", "0006ABC"}}},
		{"https://workorder.ksyun.com/#/detail?id=88", []Ref{{"ksyun", "88"}}},
		{"见 https://work.ksyun.com/ticket/77/detail", []Ref{{"ksyun", "77"}}},
		{"时间 10:30 开会，tencent:99，http://example.com/ksyun:5", nil},
		{"https://evil.example.com/?ticketId=1&x=console.aliyun.com", nil},
		{"https://console.aliyun.com/?ticketId=<script>", nil},
		{"ksyun:1 ksyun:2 ksyun:3 ksyun:4 ksyun:5 ksyun:6", []Ref{{"ksyun", "1"}, {"ksyun", "2"}, {"ksyun", "3"}, {"ksyun", "4"}, {"ksyun", "5"}}},
	}
	for _, tt := range tests {
		if got := r.FindRefs(tt.text); !slices.Equal(got, tt.want) {
			t.Errorf("FindRefs(%q) = %v, want %v", tt.text, got, tt.want)
		}
	}
}

// BenchmarkFindRefsChatter is what every message that is no command costs on the ack path:
// most chat holds no colon, and is not read by the regexps at all.
func BenchmarkFindRefsChatter(b *testing.B) {
	r, _ := NewRegistry(Descriptor{Name: "ksyun"}, Descriptor{Name: "aliyun"})
	for _, bc := range []struct{ name, text string }{
		{"no_colon", "今天下午三点的会议改到四点了，大家注意一下"},
		{"a_time", "今天下午三点开会，记得带上周报；数据库那边 10:30 之后恢复了，大家辛苦"},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if r.FindRefs(bc.text) != nil {
					b.Fatal("chatter named a ticket")
				}
			}
		})
	}
}
