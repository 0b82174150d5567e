package ksyun

import (
	"net/http"
	"strconv"

	"github.com/ticketbot/ticketbot/providers"
)

// hints are the chat's sentences for the failures Kingsoft documents: errno 23000 (close_ticket)
// and the HTTP statuses of a refused request. Kingsoft publishes no other error table; any
// other code shows the first sentence of its errmsg.
var hints = map[string]providers.Hint{
	"HTTP " + strconv.Itoa(http.StatusUnauthorized): {
		ZH: "鉴权失败：请管理员检查 app_id / app_secret 及签名配置（sign_algo、sign_template）。",
		EN: "authentication failed: have an admin check app_id / app_secret and the signing settings (sign_algo, sign_template).",
	},
	"HTTP " + strconv.Itoa(http.StatusForbidden): {
		ZH: "没有权限：这个 AppId 不能调用该接口，请管理员向金山云确认授权。",
		EN: "forbidden: this AppId may not call the API; have an admin check its grant with Kingsoft.",
	},
	"HTTP " + strconv.Itoa(http.StatusNotFound): {
		ZH: "接口地址不存在：请管理员检查 base_url 配置。",
		EN: "no such endpoint: have an admin check base_url.",
	},
	"HTTP " + strconv.Itoa(http.StatusTooManyRequests): {ZH: "请求过于频繁，请稍后再试。", EN: "too many requests; try again later."},
	"timeout": {ZH: "请求超时。", EN: "the request timed out."},
	"network": {ZH: "网络连接失败。", EN: "the network connection failed."},
}

// opHints are the hints of codes documented for one call: 23000 is close_ticket's; the same
// code from reject_handle shows Kingsoft's own words.
var opHints = map[string]map[string]providers.Hint{
	"close_ticket": {"23000": {ZH: "工单状态不允许关闭。", EN: "the ticket's state does not allow closing it."}},
}

// vendorError builds the error of a refused call. The message goes to the log, scrubbed of the
// AppId, the secret and the Sign header, in case Kingsoft or a proxy echoes the request; the
// chat gets the code's hint or the message's first sentence.
func (c *client) vendorError(op, code, msg, requestID string, temp bool, sign string) *providers.VendorError {
	e := &providers.VendorError{
		Provider:  "ksyun",
		Op:        op,
		Code:      code,
		Message:   providers.Scrub(msg, c.secret.Reveal(), c.appID, sign),
		RequestID: requestID,
		Temporary: temp,
	}
	if h, ok := opHints[op][code]; ok {
		h.Apply(e)
	} else if h, ok := hints[code]; ok {
		h.Apply(e)
	}
	return e
}
