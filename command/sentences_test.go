package command

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"testing"

	"github.com/ticketbot/ticketbot/providers"
	"github.com/ticketbot/ticketbot/providers/aliyun"
	"github.com/ticketbot/ticketbot/providers/aliyun/aliyuntest"
	"github.com/ticketbot/ticketbot/providers/ksyun"
	"github.com/ticketbot/ticketbot/providers/ksyun/ksyuntest"
)

// TestVendorErrorSignatureLeaksNothing: an Aliyun AccessKey whose secret is wrong makes the
// fake answer as Aliyun does, SignatureDoesNotMatch with "…server string to sign
// is:POST&%2F&AccessKeyId%3D…%26aliUid%3D…%26title%3D…". The chat gets the code and the short
// sentence; neither the chat text nor the log line the command writes (run's "vendor refused")
// holds the key id, the aliUid, the string to sign or the encoded title.
func TestVendorErrorSignatureLeaksNothing(t *testing.T) {
	const keyID, title = "LTAI5tCanaryKey0042", "CANARY 数据库连接超时"
	f := aliyuntest.New(keyID, "the-fakes-own-secret")
	defer f.Close()
	cfg := f.Config()
	cfg.AccessKeySecret = "a-wrong-secret"
	p, err := aliyun.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	_, err = p.Create(context.Background(), providers.CreateRequest{Title: title, Content: "生产库连接超时"})
	if err == nil {
		t.Fatal("Create succeeded with a wrong secret")
	}
	// The fake really answered with the whole string to sign: the provider had it to scrub.
	if n := len(f.CallsTo("add")); n != 1 {
		t.Fatalf("%d add calls, want 1", n)
	}

	var logs bytes.Buffer
	log := slog.New(slog.NewJSONHandler(&logs, nil))
	log.Warn("vendor refused", "command", "new", "err", err) // as run logs it
	slog.New(slog.NewTextHandler(&logs, nil)).Warn("vendor refused", "command", "new", "err", err)

	ue, ok := testEnv.vendorError(err, "aliyun", "", false)
	if !ok {
		t.Fatalf("vendorError(%v) is not a vendor failure", err)
	}
	if want := "阿里云返回错误 SignatureDoesNotMatch：签名校验失败：请管理员检查 access_key_id / access_key_secret 配置。"; ue.text(false) != want {
		t.Errorf("chat = %q, want %q", ue.text(false), want)
	}
	if want := "Aliyun returned error SignatureDoesNotMatch: signature check failed: have an admin check access_key_id / access_key_secret."; ue.text(true) != want {
		t.Errorf("chat (en) = %q, want %q", ue.text(true), want)
	}
	everything := ue.text(false) + "\n" + ue.text(true) + "\n" + logs.String()
	for _, leak := range []string{keyID, strconv.FormatInt(aliyuntest.AliUID, 10), "string to sign is:POST", "POST&%2F", "%2F&", "CANARY"} {
		if strings.Contains(everything, leak) {
			t.Errorf("%q reached the chat or the log:\n%s", leak, everything)
		}
	}
	if !strings.Contains(logs.String(), "SignatureDoesNotMatch") || !strings.Contains(logs.String(), "not matched with our calculation") {
		t.Errorf("the log lost the vendor's code and reason: %s", logs.String())
	}
}

// TestVendorError covers the other answers: a documented code's sentence, an unknown code's
// first sentence, an operation the vendor lacks (with the reason when the provider gives one),
// a missing ticket behind a vendor error, a temporary failure, and our own failures (not the
// vendor's).
func TestVendorError(t *testing.T) {
	ctx := context.Background()
	af := aliyuntest.New("testid", "secret")
	defer af.Close()
	ali, err := aliyun.New(af.Config())
	if err != nil {
		t.Fatal(err)
	}
	closeErr := ali.Close(ctx, "00001FK", providers.CloseRequest{})
	af.FailNext(1, "Some.NewCode", "Something new went wrong at Aliyun. The rest is detail nobody needs in a chat")
	_, unknownErr := ali.Get(ctx, "00001FK")

	kf := ksyuntest.New("appA", "secret")
	defer kf.Close()
	ks, err := ksyun.New(kf.Config())
	if err != nil {
		t.Fatal(err)
	}
	kf.FailNext(1, 23000, "工单状态不允许关闭")
	_, stateErr := ks.Get(ctx, "1204")
	kf.FailNext(1, 40400, "工单不存在")
	_, notFoundErr := ks.Get(ctx, "1204")

	tests := []struct {
		name, provider, ref string
		err                 error
		zh, en              string
		ours                bool
	}{
		{"aliyun 2016 close says why", "aliyun", "aliyun:00001FK", closeErr,
			`不支持这个操作：阿里云工单 API 2016-08-30 没有关闭工单的接口。请在阿里云控制台关闭，或让管理员在配置中设置 api_version = "2021-06-10"。`,
			`Not supported: Aliyun's ticket API 2016-08-30 has no way to close a ticket. Close it in the Aliyun console, or have an admin set api_version = "2021-06-10" in the config.`, false},
		{"an unknown code: the message's first sentence", "aliyun", "aliyun:00001FK", unknownErr,
			"阿里云返回错误 Some.NewCode：Something new went wrong at Aliyun.",
			"Aliyun returned error Some.NewCode: Something new went wrong at Aliyun.", false},
		{"ksyun 23000", "ksyun", "ksyun:1204", stateErr,
			"金山云返回错误 23000：工单状态不允许关闭。", "Kingsoft Cloud returned error 23000: 工单状态不允许关闭.", false},
		{"not found behind a vendor error", "ksyun", "ksyun:1204", notFoundErr,
			"金山云找不到工单 ksyun:1204。", "Kingsoft Cloud has no ticket ksyun:1204.", false},
		{"a vendor message without a full stop gets one", "weiban", "weiban:1",
			&providers.VendorError{Provider: "weiban", Code: "22999", Message: "新的错误"},
			"微伴助手返回错误 22999：新的错误。", "Weiban returned error 22999: 新的错误.", false},
		{"a vendor that said nothing", "weiban", "weiban:1", &providers.VendorError{Provider: "weiban", Code: "HTTP 418"},
			"微伴助手返回错误 HTTP 418。", "Weiban returned error HTTP 418.", false},
		{"unsupported without a reason", "weiban", "weiban:1", fmt.Errorf("x: %w", providers.ErrUnsupported),
			"微伴助手的接口不支持这个操作。", "Weiban's API does not support this.", false},
		{"temporary", "aliyun", "aliyun:1", &providers.VendorError{Provider: "aliyun", Code: "Throttling.User", Temporary: true},
			"阿里云暂时无法访问（Throttling.User），请稍后再试。", "Aliyun is unavailable right now (Throttling.User); please try again later.", false},
		{"ours", "aliyun", "aliyun:1", errors.New("decode: unexpected EOF"), "", "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.err == nil {
				t.Fatal("the provider did not fail")
			}
			ue, ok := testEnv.vendorError(tt.err, tt.provider, tt.ref, false)
			if ok == tt.ours {
				t.Fatalf("vendorError(%v) ok = %v", tt.err, ok)
			}
			if tt.ours {
				return
			}
			if ue.text(false) != tt.zh || ue.text(true) != tt.en {
				t.Errorf("chat =\n%q\n%q\nwant\n%q\n%q", ue.text(false), ue.text(true), tt.zh, tt.en)
			}
		})
	}
}

func TestTruncateRunes(t *testing.T) {
	for _, tt := range []struct {
		s    string
		n    int
		want string
	}{
		{"", 3, ""}, {"abc", 3, "abc"}, {"abcd", 3, "abc…"}, {"今天下午三点", 6, "今天下午三点"},
		{"今天下午三点的会议", 4, "今天下午…"}, {"a今b天", 2, "a今…"},
	} {
		if got := truncateRunes(tt.s, tt.n); got != tt.want {
			t.Errorf("truncateRunes(%q, %d) = %q, want %q", tt.s, tt.n, got, tt.want)
		}
	}
}
