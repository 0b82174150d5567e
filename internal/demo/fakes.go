package demo

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"strconv"
	"time"

	"github.com/ticketbot/ticketbot/bot"
	"github.com/ticketbot/ticketbot/bot/feishu"
	"github.com/ticketbot/ticketbot/bot/feishu/feishutest"
	"github.com/ticketbot/ticketbot/bot/wecom"
	"github.com/ticketbot/ticketbot/bot/wecom/wecomtest"
	"github.com/ticketbot/ticketbot/command"
	"github.com/ticketbot/ticketbot/internal/app"
	"github.com/ticketbot/ticketbot/providers"
	"github.com/ticketbot/ticketbot/providers/aliyun"
	"github.com/ticketbot/ticketbot/providers/aliyun/aliyuntest"
	"github.com/ticketbot/ticketbot/providers/ksyun"
	"github.com/ticketbot/ticketbot/providers/ksyun/ksyuntest"
	"github.com/ticketbot/ticketbot/providers/weiban"
	"github.com/ticketbot/ticketbot/providers/weiban/weibantest"
	"github.com/ticketbot/ticketbot/span"
)

// The demo's people and places. The person typing is the Kingsoft fake's own creator, so
// that 关闭 works on Kingsoft, where only a ticket's creator may close it.
const (
	demoFeishuApp  = "cli_demo_ticketbot"
	demoFeishuChat = "oc_demo_ops_group"
	demoWeComChat  = "wrkDemoOpsGroup"
	demoOpenID     = "ou_demo_jiangcheng"
	demoWeComUser  = "jiangcheng"
	demoPerson     = ksyuntest.CreatorName
	demoChatName   = "运维值班群"
	demoBotName    = "ticketbot"
)

// demoFakes are the in-repo fakes of every vendor and both chat platforms, each on its own
// loopback port, checking signatures and credentials exactly as the tests rely on.
type demoFakes struct {
	ksyun  *ksyuntest.Server
	aliyun *aliyuntest.Server
	weiban *weibantest.Server
	feishu *feishutest.Server
	wecom  *wecomtest.Server

	// The chat platforms' secrets are generated per run and never printed: the demo needs
	// them to sign and encrypt what it posts to ticketbot's webhooks.
	feishuSecret, feishuToken, feishuEncryptKey string
	wecomToken, wecomAESKey, wecomRobotKey      string

	// samples are the tickets filed at startup (seedDemo).
	samples []demoSample
}

// startDemoFakes starts every fake with fresh credentials.
func startDemoFakes() *demoFakes {
	f := &demoFakes{
		feishuSecret:     randomHex(16),
		feishuToken:      randomHex(16),
		feishuEncryptKey: randomHex(16),
		wecomToken:       randomHex(8),
		// An EncodingAESKey is 43 base64 characters: 32 bytes without the padding.
		wecomAESKey:   base64.RawStdEncoding.EncodeToString(randomBytes(32)),
		wecomRobotKey: randomHex(16),
	}
	f.ksyun = ksyuntest.New("ks-demo", randomHex(16))
	f.aliyun = aliyuntest.New("LTAIdemo", randomHex(16))
	f.weiban = weibantest.New("wwdemo", randomHex(16))
	f.feishu = feishutest.New(demoFeishuApp, f.feishuSecret)
	f.wecom = wecomtest.New(wecomtest.Config{Token: f.wecomToken, EncodingAESKey: f.wecomAESKey,
		WebhookKey: f.wecomRobotKey, WebhookChat: demoWeComChat})
	return f
}

// Close stops every fake.
func (f *demoFakes) Close() {
	f.wecom.Close()
	f.feishu.Close()
	f.weiban.Close()
	f.aliyun.Close()
	f.ksyun.Close()
}

// secrets lists every generated secret, for the test that proves none is printed.
func (f *demoFakes) secrets() []string {
	return []string{f.feishuSecret, f.feishuToken, f.feishuEncryptKey, f.wecomToken, f.wecomAESKey, f.wecomRobotKey,
		f.ksyun.Config().AppSecret.Reveal(), f.aliyun.Config().AccessKeySecret.Reveal(), f.weiban.Config().Secret.Reveal()}
}

// demoConfig is the configuration `serve` would read, with every base URL at a fake: both
// platforms in webhook mode (so typed messages take the signed webhook path), every vendor,
// a SQLite file at dbPath, a fast watcher, and the demo person mapped to the fake vendors'
// identities. No [[chats]]: every chat may use the bot.
func demoConfig(f *demoFakes, dbPath, logLevel string) (*app.Config, error) {
	c := &app.Config{
		Server: app.ServerConfig{Listen: "127.0.0.1:0", AdminListen: "127.0.0.1:0", ShutdownTimeout: span.Of(5 * time.Second)},
		Store:  app.StoreConfig{Driver: "sqlite", DSN: app.DSN(dbPath)},
		Log:    app.LogConfig{Level: logLevel, Format: "text"},
		Bot:    command.Config{DefaultProvider: "ksyun"},
		// Fast, so a change made in the vendor console shows in the chat within seconds, even
		// the reopening of a closed ticket (closed ones are looked at every sweep here) and a
		// 小二 reply (Aliyun notes are read every sweep here).
		Watch: app.WatchConfig{Interval: span.Of(2 * time.Second), DeliverEvery: span.Of(200 * time.Millisecond), ClosedEvery: 1,
			NotesEvery: span.Of(2 * time.Second)},
		Platforms: map[string]bot.PlatformSection{feishu.Platform: &feishu.Config{
			Mode: feishu.ModeWebhook, AppID: demoFeishuApp, AppSecret: bot.Secret(f.feishuSecret),
			VerificationToken: bot.Secret(f.feishuToken), EncryptKey: bot.Secret(f.feishuEncryptKey),
			BaseURL: f.feishu.URL(), BotOpenID: feishutest.BotOpenID,
		}, wecom.Platform: &wecom.Config{
			Mode: wecom.ModeWebhook, Token: bot.Secret(f.wecomToken), EncodingAESKey: bot.Secret(f.wecomAESKey),
			APIBaseURL: f.wecom.URL(),
		}},
		Users: []command.User{{Name: demoPerson, IDs: map[string]string{
			feishu.Platform: demoOpenID, wecom.Platform: demoWeComUser, ksyun.Descriptor.Name: strconv.FormatInt(ksyuntest.CreatorID, 10),
		}}},
	}
	k, a, w := demoKsyunConfig(f), demoAliyunConfig(f), demoWeibanConfig(f)
	c.Providers = map[string]providers.Section{ksyun.Descriptor.Name: &k, aliyun.Descriptor.Name: &a, weiban.Descriptor.Name: &w}
	if err := c.Complete(); err != nil {
		return nil, err
	}
	// Notices outside a reply window go through the group's own robot, as in production
	// (there with webhook_key in the group's [[chats]] entry, which Complete reads).
	c.Platforms[wecom.Platform].(*wecom.Config).Robots = map[string]bot.Secret{demoWeComChat: bot.Secret(f.wecomRobotKey)}
	return c, nil
}

// demoKsyunConfig is ticketbot's Kingsoft section, filing as our company.
func demoKsyunConfig(f *demoFakes) ksyun.Config {
	k := f.ksyun.Config()
	k.CustomerOrganizationName = demoCustomer
	// The product lines the create form offers (Kingsoft lists none: they are configured).
	k.ProductLines = []ksyun.ProductLine{{ID: k.RepositoryProductID, Name: "云服务器"}, {ID: 41, Name: "对象存储"}, {ID: 52, Name: "云数据库 MySQL"}}
	return k
}

// demoAliyunConfig is ticketbot's Aliyun section: the current API, which can close tickets
// (the 2016 one cannot).
func demoAliyunConfig(f *demoFakes) aliyun.Config {
	a := f.aliyun.Config()
	a.APIVersion = aliyun.Version2021
	return a
}

// demoWeibanConfig is ticketbot's Weiban section. Weiban publishes no status enum; the fake's
// invented 20 and 30 are mapped so the console's moves read plainly.
func demoWeibanConfig(f *demoFakes) weiban.Config {
	w := f.weiban.Config()
	w.StatusMap = map[string]string{"20": "in_progress", "30": "closed"}
	// Whom the create form may hand a work order to (the API lists no staff).
	w.Handlers = []weiban.Handler{{ID: weibantest.AgentID, Name: weibantest.AgentName}, {ID: weibantest.Agent2ID, Name: weibantest.Agent2Name}}
	return w
}

func randomBytes(n int) []byte {
	b := make([]byte, n)
	_, _ = rand.Read(b) // never fails (crypto/rand)
	return b
}

func randomHex(n int) string { return hex.EncodeToString(randomBytes(n)) }
