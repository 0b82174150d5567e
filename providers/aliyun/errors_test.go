package aliyun

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/ticketbot/ticketbot/providers"
)

// TestSignatureErrorTellsNoSecret drives a real-looking SignatureDoesNotMatch: the fake knows
// another secret and answers, as Aliyun does, "Specified signature is not matched with our
// calculation. server string to sign is:POST&%2F&AccessKeyId%3D…%26aliUid%3D…%26title%3D…". The
// error keeps the code, its chat sentence is the package's own, and neither the error, its
// sentence nor any log line holds the key id, the aliUid, the string to sign or the title.
func TestSignatureErrorTellsNoSecret(t *testing.T) {
	const keyID, title = "LTAI5tCanaryKeyId42", "CANARY-TITLE 磁盘告警"
	uid := strconv.FormatInt(FakeAliUID, 10)
	for _, version := range []string{Version2016, Version2021} {
		t.Run(version, func(t *testing.T) {
			f := NewFake(keyID, "the-fakes-own-secret")
			defer f.Close()
			cfg := f.Config()
			cfg.APIVersion, cfg.AccessKeySecret = version, testSecret
			log, logs := captureLogs()
			p, err := New(cfg, WithLogger(log))
			if err != nil {
				t.Fatal(err)
			}
			_, err = p.Create(context.Background(), providers.CreateRequest{Title: title, Content: "内容"})
			var ve *providers.VendorError
			if !errors.As(err, &ve) || ve.Code != FakeErrSignature {
				t.Fatalf("err = %v, want SignatureDoesNotMatch", err)
			}
			calls := f.Calls()
			if len(calls) != 1 || !strings.Contains(calls[0].Params.Get("AccessKeyId"), keyID) {
				t.Fatalf("calls = %+v", calls)
			}
			if want := "签名校验失败：请管理员检查 access_key_id / access_key_secret 配置。"; ve.Sentence(false) != want {
				t.Errorf("Sentence = %q, want %q", ve.Sentence(false), want)
			}
			if !strings.HasPrefix(ve.Sentence(true), "signature check failed") {
				t.Errorf("SentenceEN = %q", ve.Sentence(true))
			}
			if !strings.HasPrefix(ve.Message, "Specified signature is not matched with our calculation.") {
				t.Errorf("Message = %q, want Aliyun's reason kept for the log", ve.Message)
			}
			texts := fmt.Sprintf("%v | %+v | %#v | %s | %s | %s", err, err, ve, ve.Sentence(false), ve.Sentence(true), logs.String())
			for _, leak := range []string{keyID, uid, "POST&", "%2F", "CANARY-TITLE", percentEncode("CANARY-TITLE")} {
				if strings.Contains(texts, leak) {
					t.Errorf("%q leaked: %s", leak, texts)
				}
			}
		})
	}
}

// TestHints gives each documented code the package's sentence, a code's family the family's,
// a parameter error the vendor's detail, and an unknown code nothing (Sentence then takes the
// message's first sentence).
func TestHints(t *testing.T) {
	tests := []struct {
		code, msg string
		zh, en    string
	}{
		{"SignatureDoesNotMatch", "x", "签名校验失败：请管理员检查 access_key_id / access_key_secret 配置。", "signature check failed: have an admin check access_key_id / access_key_secret."},
		{"InvalidAccessKeyId.NotFound", "Specified access key is not found.", "AccessKey 不存在：请管理员检查 access_key_id 配置。", "no such AccessKey: have an admin check access_key_id."},
		{"InvalidAccessKeyId.Inactive", "x", "AccessKey 已被禁用：请管理员在阿里云控制台启用它，或换一个 AccessKey。", "the AccessKey is disabled: have an admin enable it in the Aliyun console or use another."},
		{"Forbidden.RAM", "User not authorized to operate on the specified resource.", "没有权限：请管理员为这个 AccessKey（RAM 用户）授予工单（Workorder）的权限。", "forbidden: have an admin grant this AccessKey (RAM user) the Workorder permissions."},
		{"Throttling.User", "Request was denied due to user flow control.", "请求过于频繁，被阿里云限流，请稍后再试。", "throttled by Aliyun; try again later."},
		{"-121", "ILLEGAL_AUTH", "鉴权失败：这个 AccessKey 无权操作该工单，或 ali_uid 不属于它的账号；请管理员检查配置。", "not authorized: this AccessKey may not act on the ticket, or ali_uid is not its account; have an admin check the config."},
		{"-101", "ILLEGAL_PARAM: smsAlertTime is all or normal", "参数错误（ILLEGAL_PARAM: smsAlertTime is all or normal）", "invalid parameter (ILLEGAL_PARAM: smsAlertTime is all or normal)"},
		{"illegal.param", "Severity is 1 or 2", "参数错误（Severity is 1 or 2）", "invalid parameter (Severity is 1 or 2)"},
		{"-104", "", "缺少必填参数。", "a required parameter is missing."},
		{"-153", "SYSTEM_BUSY", "阿里云系统繁忙，请稍后再试。", "Aliyun is busy; try again later."},
		{"Some.NewCode", "Something went wrong at Aliyun. Details: …", "Something went wrong at Aliyun.", "Something went wrong at Aliyun."},
	}
	c := &client{}
	for _, tt := range tests {
		t.Run(tt.code, func(t *testing.T) {
			ve := c.vendorError(rpc{action: "add"}, tt.code, tt.msg, "", false)
			if zh, en := ve.Sentence(false), ve.Sentence(true); zh != tt.zh || en != tt.en {
				t.Errorf("Sentence = %q / %q, want %q / %q", zh, en, tt.zh, tt.en)
			}
		})
	}
}
