package providers

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

func TestFirstSentence(t *testing.T) {
	long := strings.Repeat("很长的原因", 20)
	tests := []struct{ name, in, want string }{
		{"english, the rest cut", "Specified signature is not matched with our calculation. server string to sign is:POST&%2F&x",
			"Specified signature is not matched with our calculation."},
		{"chinese", "工单状态不允许关闭。请联系客服", "工单状态不允许关闭。"},
		{"a code with dots stays whole", "InvalidAccessKeyId.NotFound: the key is not found. Check it",
			"InvalidAccessKeyId.NotFound: the key is not found."},
		{"a number with a dot", "version 1.5 is not valid! try 2", "version 1.5 is not valid!"},
		{"whitespace folded", "  缺少必填参数\n\t title  ", "缺少必填参数 title"},
		{"no terminator", "ILLEGAL_PARAM: 工单不存在", "ILLEGAL_PARAM: 工单不存在"},
		{"cut to HintRunes", long, string([]rune(long)[:HintRunes-1]) + "…"},
		{"empty", " \n", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := FirstSentence(tt.in); got != tt.want {
				t.Errorf("FirstSentence(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestVendorErrorSentence(t *testing.T) {
	tests := []struct {
		name     string
		e        VendorError
		zh, en   string
		applyHnt *Hint
	}{
		{"a known code: the provider's hint", VendorError{Code: "23000", Message: "工单状态不允许关闭", Hint: "状态不允许。", HintEN: "state forbids it."},
			"状态不允许。", "state forbids it.", nil},
		{"an unknown code: the message's first sentence in both", VendorError{Code: "X", Message: "Bad thing. Details follow"},
			"Bad thing.", "Bad thing.", nil},
		{"no English hint: the Chinese one", VendorError{Code: "X", Message: "m", Hint: "只有中文。"}, "只有中文。", "只有中文。", nil},
		{"nothing said", VendorError{Code: "X"}, "", "", nil},
		{"a hint with the message's detail", VendorError{Code: "-101", Message: "ILLEGAL_PARAM: aliUid is not an integer. more"},
			"参数错误（ILLEGAL_PARAM: aliUid is not an integer.）", "invalid parameter (ILLEGAL_PARAM: aliUid is not an integer.)",
			&Hint{ZH: "参数错误。", EN: "invalid parameter.", Detail: true}},
		{"a detail hint without a message", VendorError{Code: "-101"}, "参数错误。", "invalid parameter.",
			&Hint{ZH: "参数错误。", EN: "invalid parameter.", Detail: true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := tt.e
			if tt.applyHnt != nil {
				tt.applyHnt.Apply(&e)
			}
			if zh, en := e.Sentence(false), e.Sentence(true); zh != tt.zh || en != tt.en {
				t.Errorf("Sentence = %q / %q, want %q / %q", zh, en, tt.zh, tt.en)
			}
		})
	}
}

func TestUnsupportedError(t *testing.T) {
	var err error = fmt.Errorf("aliyun: close ticket 1: %w", &UnsupportedError{Op: "close", Reason: "没有关闭接口。", ReasonEN: "There is no close."})
	if !errors.Is(err, ErrUnsupported) {
		t.Error("UnsupportedError does not match ErrUnsupported")
	}
	if errors.Is(err, ErrNotFound) {
		t.Error("UnsupportedError matches ErrNotFound")
	}
	var ue *UnsupportedError
	if !errors.As(err, &ue) || ue.Reason != "没有关闭接口。" {
		t.Errorf("errors.As: %v", ue)
	}
	if want := "aliyun: close ticket 1: operation not supported by this provider: close: There is no close."; err.Error() != want {
		t.Errorf("Error() = %q, want %q", err.Error(), want)
	}
}

func TestScrub(t *testing.T) {
	const key, uid = "LTAI5tKeyId9x", "1234567890123456"
	in := "key " + key + " uid=" + uid + " enc " + percentEncode("a b/"+key) + " twice " + percentEncode(percentEncode("密 码")) + " form " + "%E5%AF%86+%E7%A0%81"
	got := Scrub(in, key, uid, "密 码", "", "  ")
	for _, leak := range []string{key, uid, "%E5%AF%86", "%25E5"} {
		if strings.Contains(got, leak) {
			t.Errorf("Scrub left %q in %q", leak, got)
		}
	}
	if !strings.HasPrefix(got, "key <redacted> uid=<redacted> enc a%20b%2F<redacted>") {
		t.Errorf("Scrub = %q", got)
	}
	if Scrub("nothing to hide", "") != "nothing to hide" {
		t.Error("an empty value scrubbed something")
	}
}
