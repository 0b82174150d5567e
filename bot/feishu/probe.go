package feishu

import (
	"context"
	"net/http"

	larkcore "github.com/larksuite/oapi-sdk-go/v3/core"

	"github.com/ticketbot/ticketbot/bot"
)

// pathBotInfo is the app's own bot (DOC 获取机器人信息): a read that needs the tenant token.
const pathBotInfo = "/open-apis/bot/v3/info"

var _ bot.Prober = (*Feishu)(nil)

// Probe gets a tenant access token and reads the bot's own info (bot.Prober): the token proves
// app_id and app_secret, the info that the app has its bot enabled. It names the call that
// failed, or the last one.
func (f *Feishu) Probe(ctx context.Context) (string, error) {
	if _, err := f.tenantToken(ctx, "probe"); err != nil {
		return "tenant_access_token", err
	}
	return "bot/v3/info", f.call(ctx, "bot info", nil, f.do(&larkcore.ApiReq{HttpMethod: http.MethodGet, ApiPath: pathBotInfo}))
}
