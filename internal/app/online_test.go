package app

import (
	"bytes"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/ticketbot/ticketbot/bot/feishu/feishutest"
	"github.com/ticketbot/ticketbot/bot/wecom/wecomtest"
	"github.com/ticketbot/ticketbot/providers/aliyun/aliyuntest"
	"github.com/ticketbot/ticketbot/providers/ksyun/ksyuntest"
	"github.com/ticketbot/ticketbot/providers/weiban/weibantest"
)

// The secrets the fakes are started with: no line of check --online may hold one.
const (
	onFeishuSecret = "feishu-online-secret"
	onWeComSecret  = "wecom-online-secret"
	onKsyunSecret  = "ksyun-online-secret"
	onAliyunSecret = "aliyun-online-secret"
	onWeibanSecret = "weiban-online-secret"
	onRobotKey     = "wecom-online-robot-key"
	onEncryptKey   = "feishu-online-encrypt-key"
)

// onlineFakes are every vendor's and platform's fake, and what a case may change of the
// configuration pointing at them.
type onlineFakes struct {
	feishu *feishutest.Server
	wecom  *wecomtest.Server
	ksyun  *ksyuntest.Server
	aliyun *aliyuntest.Server
	weiban *weibantest.Server
	// set replaces a value of the configuration: the key's value as written in the file.
	set map[string]string
}

func startOnlineFakes(t *testing.T) *onlineFakes {
	t.Helper()
	f := &onlineFakes{
		feishu: feishutest.New("cli_online", onFeishuSecret),
		wecom:  wecomtest.New(wecomtest.Config{BotID: "aib-online", Secret: onWeComSecret, WebhookKey: onRobotKey, WebhookChat: "wrkOnline"}),
		ksyun:  ksyuntest.New("ks-online", onKsyunSecret),
		aliyun: aliyuntest.New("LTAIonline", onAliyunSecret),
		weiban: weibantest.New("corp-online", onWeibanSecret),
		set:    map[string]string{},
	}
	t.Cleanup(func() { f.feishu.Close(); f.wecom.Close(); f.ksyun.Close(); f.aliyun.Close(); f.weiban.Close() })
	return f
}

// file is the configuration of every fake, WeCom on the long connection.
func (f *onlineFakes) file() string {
	v := map[string]string{
		"feishu.app_secret": onFeishuSecret, "wecom.mode": "websocket", "wecom.secret": onWeComSecret,
		"ksyun.base_url": f.ksyun.URL(), "ksyun.app_secret": onKsyunSecret,
		"aliyun.access_key_secret": onAliyunSecret, "weiban.secret": onWeibanSecret, "chats": "",
	}
	for k, s := range f.set {
		v[k] = s
	}
	return fmt.Sprintf(`[feishu]
mode = "webhook"
app_id = "cli_online"
app_secret = %q
verification_token = "feishu-online-token"
encrypt_key = %q
base_url = %q

[wecom]
mode = %q
bot_id = "aib-online"
secret = %q
token = "wecom-online-token"
encoding_aes_key = "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C"
api_base_url = %q
ws_url = %q

[providers.ksyun]
base_url = %q
app_id = "ks-online"
app_secret = %q
customer_organization_id = 1
customer_organization_name = "北京金山云网络技术有限公司"
repository_product_id = 36
creator_id = 38361
creator_name = "姜程"

[providers.aliyun]
base_url = %q
access_key_id = "LTAIonline"
access_key_secret = %q
ali_uid = %d
product_id = %d

[providers.weiban]
base_url = %q
corp_id = "corp-online"
secret = %q
staff_id = %q
%s`, v["feishu.app_secret"], onEncryptKey, f.feishu.URL(),
		v["wecom.mode"], v["wecom.secret"], f.wecom.URL(), f.wecom.WSURL(),
		v["ksyun.base_url"], v["ksyun.app_secret"],
		f.aliyun.URL(), v["aliyun.access_key_secret"], aliyuntest.AliUID, aliyuntest.ProductID,
		f.weiban.URL(), v["weiban.secret"], weibantest.BotStaffID, v["chats"])
}

// closedPort is a loopback URL nothing listens on.
func closedPort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return "http://" + addr
}

// check --online calls each configured platform and vendor once and prints a line each: ✓
// against the fakes, ✗ with the vendor's own code for a wrong credential, the Sign rule the
// server takes, the kind of a network failure, a timeout within the bound; never a secret.
func TestCheckOnline(t *testing.T) {
	const bound = 500 * time.Millisecond
	cases := []struct {
		name  string
		setup func(t *testing.T, f *onlineFakes)
		code  int
		lines []string // substrings, each of some line of the output
	}{
		{name: "every fake answers", code: 0, lines: []string{
			"✓ feishu      bot/v3/info", "✓ wecom       aibot_subscribe", "✓ ksyun       list_tickets",
			"✓ aliyun      QuestionList", "✓ weiban      access_token"}},
		{name: "wrong feishu secret", code: 1, setup: func(_ *testing.T, f *onlineFakes) { f.set["feishu.app_secret"] = "wrong-feishu" },
			lines: []string{"✗ feishu      tenant_access_token", "code 10014", "✓ ksyun"}},
		{name: "wrong wecom secret", code: 1, setup: func(_ *testing.T, f *onlineFakes) { f.set["wecom.secret"] = "wrong-wecom" },
			lines: []string{"✗ wecom       aibot_subscribe", "errcode 600004"}},
		{name: "wrong ksyun secret", code: 1, setup: func(_ *testing.T, f *onlineFakes) { f.set["ksyun.app_secret"] = "wrong-ksyun" },
			lines: []string{"✗ ksyun       list_tickets", "vendor code 40001: sign error"}},
		{name: "wrong aliyun secret", code: 1, setup: func(_ *testing.T, f *onlineFakes) { f.set["aliyun.access_key_secret"] = "wrong-aliyun" },
			lines: []string{"✗ aliyun      QuestionList", "vendor code SignatureDoesNotMatch"}},
		{name: "wrong weiban secret", code: 1, setup: func(_ *testing.T, f *onlineFakes) { f.set["weiban.secret"] = "wrong-weiban" },
			lines: []string{"✗ weiban      access_token", "vendor code 10002"}},
		{name: "kingsoft takes another sign rule", code: 1, setup: func(_ *testing.T, f *onlineFakes) {
			f.ksyun.ExpectSign(ksyuntest.SignRule{Algo: "sha1", Template: "{app_id}{app_secret}{timestamp}", Case: "upper"})
		}, lines: []string{"✗ ksyun       list_tickets", "vendor code 40001",
			`the server accepted another Sign rule; write in [providers.ksyun]: sign_algo = "sha1", sign_template = "{app_id}{app_secret}{timestamp}", sign_case = "upper"`}},
		{name: "closed port", code: 1, setup: func(t *testing.T, f *onlineFakes) { f.set["ksyun.base_url"] = closedPort(t) },
			lines: []string{"✗ ksyun       list_tickets", "connection refused"}},
		{name: "slow vendor", code: 1, setup: func(t *testing.T, f *onlineFakes) { t.Cleanup(f.ksyun.Hold()) },
			lines: []string{"✗ ksyun       list_tickets", "timed out after 500ms", "✓ weiban"}},
		{name: "wecom callback without robots", code: 0, setup: func(_ *testing.T, f *onlineFakes) { f.set["wecom.mode"] = "webhook" },
			lines: []string{"– wecom       callback", "cannot be checked online: in callback mode WeCom calls the bot"}},
		{name: "wecom callback with a robot", code: 0, setup: func(_ *testing.T, f *onlineFakes) {
			f.set["wecom.mode"] = "webhook"
			f.set["chats"] = "[[chats]]\nplatform = \"wecom\"\nchat_id = \"wrkOnline\"\nwebhook_key = \"" + onRobotKey + "\"\n"
		}, lines: []string{"✓ wecom       webhook/upload_media"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := startOnlineFakes(t)
			if tc.setup != nil {
				tc.setup(t, f)
			}
			var out, errOut bytes.Buffer
			start := time.Now()
			code := Check(writeConfig(t, f.file()), CheckOptions{Online: true, ProbeTimeout: bound}, &out, &errOut)
			took := time.Since(start)
			all := out.String() + errOut.String()
			if code != tc.code {
				t.Fatalf("exit %d, want %d:\n%s", code, tc.code, all)
			}
			for _, want := range tc.lines {
				if !strings.Contains(all, want) {
					t.Errorf("no %q in:\n%s", want, all)
				}
			}
			if took > bound+2*time.Second {
				t.Errorf("took %s: the calls are not bounded by %s", took, bound)
			}
			for _, s := range []string{onFeishuSecret, onWeComSecret, onKsyunSecret, onAliyunSecret, onWeibanSecret, onRobotKey, onEncryptKey} {
				if strings.Contains(all, s) {
					t.Errorf("output holds the secret %q:\n%s", s, all)
				}
			}
		})
	}
}
