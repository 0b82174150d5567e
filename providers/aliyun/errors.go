package aliyun

import (
	"strings"

	"github.com/ticketbot/ticketbot/providers"
)

// Aliyun's chat sentences by code: the 工单 API's own codes (2016-08-30, help.aliyun
// 143228/143229: -121, -101, -104, -153; 2021-06-10: illegal.auth, illegal.param,
// param.illegal, System.error), the POP gateway's common codes (signature, AccessKey,
// timestamp, nonce, permission, throttling, version, action) and OSS's for uploads. Any other
// code shows the first sentence of Aliyun's message.
var hints = func() map[string]providers.Hint {
	signature := providers.Hint{
		ZH: "签名校验失败：请管理员检查 access_key_id / access_key_secret 配置。",
		EN: "signature check failed: have an admin check access_key_id / access_key_secret.",
	}
	forbidden := providers.Hint{
		ZH: "没有权限：请管理员为这个 AccessKey（RAM 用户）授予工单（Workorder）的权限。",
		EN: "forbidden: have an admin grant this AccessKey (RAM user) the Workorder permissions.",
	}
	auth := providers.Hint{
		ZH: "鉴权失败：这个 AccessKey 无权操作该工单，或 ali_uid 不属于它的账号；请管理员检查配置。",
		EN: "not authorized: this AccessKey may not act on the ticket, or ali_uid is not its account; have an admin check the config.",
	}
	param := providers.Hint{ZH: "参数错误。", EN: "invalid parameter.", Detail: true}
	missing := providers.Hint{ZH: "缺少必填参数。", EN: "a required parameter is missing.", Detail: true}
	busy := providers.Hint{ZH: "阿里云系统繁忙，请稍后再试。", EN: "Aliyun is busy; try again later."}
	throttled := providers.Hint{ZH: "请求过于频繁，被阿里云限流，请稍后再试。", EN: "throttled by Aliyun; try again later."}
	m := map[string]providers.Hint{
		"SignatureDoesNotMatch": signature,
		"IncompleteSignature":   signature,
		"InvalidAccessKeyId": {
			ZH: "AccessKey 不存在：请管理员检查 access_key_id 配置。",
			EN: "no such AccessKey: have an admin check access_key_id.",
		},
		"InvalidAccessKeyId.Inactive": {
			ZH: "AccessKey 已被禁用：请管理员在阿里云控制台启用它，或换一个 AccessKey。",
			EN: "the AccessKey is disabled: have an admin enable it in the Aliyun console or use another.",
		},
		"InvalidTimeStamp.Expired": {
			ZH: "请求时间与阿里云相差超过 15 分钟：请管理员校准服务器时钟。",
			EN: "the request time is more than 15 minutes off Aliyun's: have an admin fix the server clock.",
		},
		"InvalidTimeStamp.Format": {ZH: "请求时间格式错误。", EN: "the request time is malformed."},
		"SignatureNonceUsed":      {ZH: "请求被判为重放（SignatureNonce 已用过），请重试。", EN: "the request was taken for a replay (SignatureNonce used); try again."},
		"Forbidden":               forbidden,
		"Forbidden.RAM":           forbidden,
		"Forbidden.NoPermission":  forbidden,
		"NoPermission":            forbidden,
		"Forbidden.AccessKeyDisabled": {
			ZH: "AccessKey 已被禁用：请管理员在阿里云控制台启用它，或换一个 AccessKey。",
			EN: "the AccessKey is disabled: have an admin enable it in the Aliyun console or use another.",
		},
		"InvalidVersion": {
			ZH: "阿里云不接受配置的接口版本：请管理员检查 api_version（2016-08-30 或 2021-06-10）。",
			EN: "Aliyun does not accept the configured API version: have an admin check api_version (2016-08-30 or 2021-06-10).",
		},
		"InvalidAction.NotFound": {
			ZH: "阿里云没有这个接口：请管理员检查 api_version 与 action_names 配置。",
			EN: "Aliyun has no such action: have an admin check api_version and action_names.",
		},
		"MissingParameter":    missing,
		"InvalidParameter":    param,
		"-121":                auth, // ILLEGAL_AUTH
		"ILLEGAL_AUTH":        auth,
		"illegal.auth":        auth,
		"-101":                param, // ILLEGAL_PARAM
		"ILLEGAL_PARAM":       param,
		"illegal.param":       param,
		"param.illegal":       param,
		"-104":                missing, // ILLEGAL_PARAM_EMPTY
		"ILLEGAL_PARAM_EMPTY": missing,
		"-153":                busy, // SYSTEM_BUSY
		"SYSTEM_BUSY":         busy,
		"SystemBusy":          busy,
		"System.error":        busy,
		"ServiceUnavailable":  busy,
		"InternalError":       busy,
		"Throttling":          throttled,
		"Throttling.User":     throttled,
		"Throttling.Api":      throttled,
		// OSS, for uploads (its error codes page).
		"AccessDenied":         {ZH: "OSS 拒绝了上传：上传授权无效或已过期，请重试。", EN: "OSS refused the upload: the grant is invalid or expired; try again."},
		"EntityTooLarge":       {ZH: "附件太大：阿里云每个附件最多 2 MB。", EN: "the attachment is too large: Aliyun takes at most 2 MB per file."},
		"RequestTimeTooSkewed": {ZH: "请求时间与 OSS 相差过大：请管理员校准服务器时钟。", EN: "the request time is too far off OSS's: have an admin fix the server clock."},
		"timeout":              {ZH: "请求超时。", EN: "the request timed out."},
		"network":              {ZH: "网络连接失败。", EN: "the network connection failed."},
	}
	return m
}()

// hintFor finds a code's hint: exactly, or by the code's family (InvalidAccessKeyId.NotFound
// is an InvalidAccessKeyId, Throttling.Tenant a Throttling).
func hintFor(code string) (providers.Hint, bool) {
	if h, ok := hints[code]; ok {
		return h, true
	}
	if family, _, ok := strings.Cut(code, "."); ok {
		h, ok := hints[family]
		return h, ok
	}
	return providers.Hint{}, false
}

// echoMarkers start the parts of a gateway message that repeat the request: the string to sign
// of signature v1 ("…server string to sign is:POST&%2F&AccessKeyId%3D…") and V3, and V3's
// canonical request. Everything from the first of them on is cut.
var echoMarkers = []string{"string to sign", "stringtosign", "canonical request", "canonicalrequest"}

// stringToSignMarker is how the POP gateway introduces the string to sign it computed.
const stringToSignMarker = "string to sign is:"

// vendorError builds the error of a refused call: Aliyun's code, its message scrubbed for the
// log (scrub), and the chat's sentence for the code.
func (c *client) vendorError(r rpc, code, msg, requestID string, temp bool) *providers.VendorError {
	e := &providers.VendorError{
		Provider:  "aliyun",
		Op:        r.action,
		Code:      code,
		Message:   c.scrub(msg, r),
		RequestID: requestID,
		Temporary: temp,
	}
	if h, ok := hintFor(code); ok {
		h.Apply(e)
	}
	return e
}

// scrub makes a vendor message fit for a log. Aliyun's SignatureDoesNotMatch repeats the whole
// string to sign, which carries the AccessKeyId, add's aliUid and every parameter (title,
// content, confidential content) percent-encoded twice: it is cut off as a whole. What is
// left is scrubbed of the AccessKeyId, the aliUid, the secret and the call's confidential
// values, raw and encoded, in case the gateway echoes them another way.
func (c *client) scrub(s string, r rpc) string {
	cut := -1
	for _, m := range echoMarkers {
		if i := indexFold(s, m); i >= 0 && (cut < 0 || i < cut) {
			cut = i + len(m)
		}
	}
	if cut >= 0 {
		s = s[:cut] + ": <omitted>"
	}
	values := append([]string{c.secret.Reveal(), c.keyID, c.aliUID}, r.sensitive...)
	return providers.Scrub(s, values...)
}

// indexFold is strings.Index ignoring ASCII case, for an ASCII marker.
func indexFold(s, marker string) int {
	for i := 0; i+len(marker) <= len(s); i++ {
		if strings.EqualFold(s[i:i+len(marker)], marker) {
			return i
		}
	}
	return -1
}
