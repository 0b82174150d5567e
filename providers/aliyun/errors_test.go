package aliyun_test

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/ticketbot/ticketbot/providers"
	"github.com/ticketbot/ticketbot/providers/aliyun"
	"github.com/ticketbot/ticketbot/providers/aliyun/aliyuntest"
)

// TestSignatureErrorTellsNoSecret drives a real-looking SignatureDoesNotMatch: the fake knows
// another secret and answers, as Aliyun does, "Specified signature is not matched with our
// calculation. server string to sign is:POST&%2F&AccessKeyId%3D…%26aliUid%3D…%26title%3D…". The
// error keeps the code, its chat sentence is the package's own, and neither the error, its
// sentence nor any log line holds the key id, the aliUid, the string to sign or the title.
func TestSignatureErrorTellsNoSecret(t *testing.T) {
	const keyID, title = "LTAI5tCanaryKeyId42", "CANARY-TITLE 磁盘告警"
	uid := strconv.FormatInt(aliyuntest.AliUID, 10)
	for _, version := range []string{aliyun.Version2016, aliyun.Version2021} {
		t.Run(version, func(t *testing.T) {
			f := aliyuntest.New(keyID, "the-fakes-own-secret")
			defer f.Close()
			cfg := f.Config()
			cfg.APIVersion, cfg.AccessKeySecret = version, testSecret
			log, logs := captureLogs()
			p, err := aliyun.New(cfg, aliyun.WithLogger(log))
			if err != nil {
				t.Fatal(err)
			}
			_, err = p.Create(context.Background(), providers.CreateRequest{Title: title, Content: "内容"})
			var ve *providers.VendorError
			if !errors.As(err, &ve) || ve.Code != aliyuntest.ErrSignature {
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
			for _, leak := range []string{keyID, uid, "POST&", "%2F", "CANARY-TITLE", aliyun.PercentEncode("CANARY-TITLE")} {
				if strings.Contains(texts, leak) {
					t.Errorf("%q leaked: %s", leak, texts)
				}
			}
		})
	}
}
