package weiban_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/ticketbot/ticketbot/providers"
)

func TestCheckIdentity(t *testing.T) {
	p, _, _ := newFakeProvider(t)
	tests := []struct {
		in   string
		want string // "" refused
	}{
		{"zhangsan", "zhangsan"},
		{" Li.Si@corp ", "Li.Si@corp"},
		{"9527_a-b", "9527_a-b"},
		{strings.Repeat("a", 64), strings.Repeat("a", 64)},
		{strings.Repeat("a", 65), ""},
		{"_lead", ""},
		{"张三", ""},
		{"zhang san", ""},
		{"", ""},
	}
	for _, tt := range tests {
		got, err := providers.CheckIdentity(context.Background(), p, tt.in)
		switch {
		case tt.want == "" && !errors.Is(err, providers.ErrInvalidIdentity):
			t.Errorf("CheckIdentity(%q) = %+v, %v; want ErrInvalidIdentity", tt.in, got, err)
		case tt.want != "" && (err != nil || got != providers.Identity{ID: tt.want}):
			t.Errorf("CheckIdentity(%q) = %+v, %v; want %s unchecked", tt.in, got, err, tt.want)
		}
	}
}
