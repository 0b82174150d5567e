package weiban

import (
	"strconv"

	"github.com/ticketbot/ticketbot/providers"
)

// hints are the chat's sentences for the codes Weiban documents (doc-370558 错误码参考表: the
// global 10001, the limits 10052/10053 of doc-382947, and the workorder codes 223xx). Any other
// code shows the first sentence of Weiban's errmsg, which is Chinese already.
var hints = map[int64]providers.Hint{
	codeBadToken: {
		ZH: "认证失败：请管理员检查 corp_id / secret 配置，以及是否购买了服务席位。",
		EN: "authentication failed: have an admin check corp_id / secret and that a service seat is bought.",
	},
	codeTooConcurrent: {ZH: "并发请求超出微伴助手的限制，请稍后再试。", EN: "too many concurrent requests for Weiban; try again later."},
	codeTooFrequent:   {ZH: "请求过于频繁，被微伴助手限流，请稍后再试。", EN: "throttled by Weiban; try again later."},
	codeNotFound:      {ZH: "工单不存在。", EN: "no such work order."},
	22302: {
		ZH: "处理人不存在：请管理员检查 handler_id 配置。",
		EN: "the handler does not exist: have an admin check handler_id.",
	},
	22303: {ZH: "抄送人不存在。", EN: "a cc_list member does not exist."},
	22304: {
		ZH: "员工不存在：请管理员检查 staff_id 配置或你的微伴账号映射。",
		EN: "the staff member does not exist: have an admin check staff_id or your Weiban mapping.",
	},
	22305:      {ZH: "该员工没有这个工单的权限。", EN: "the staff member has no permission on this work order."},
	codeClosed: {ZH: "工单已关闭，不能再操作。", EN: "the work order is closed; nothing more can be done to it."},
	22309:      {ZH: "关联的客户不存在。", EN: "the related customer does not exist."},
	22310:      {ZH: "工单模板的组件无效：请管理员检查 template_id。", EN: "a template component is invalid: have an admin check template_id."},
	22311:      {ZH: "工单字段的值不合法。", EN: "a work-order field has an invalid value.", Detail: true},
	22312:      {ZH: "工单字段的值不合法。", EN: "a work-order field has an invalid value.", Detail: true},
	22316:      {ZH: "工单字段的值不合法。", EN: "a work-order field has an invalid value.", Detail: true},
	22317:      {ZH: "工单字段的值不合法。", EN: "a work-order field has an invalid value.", Detail: true},
	22313:      {ZH: "工单字段排序重复。", EN: "duplicate field order."},
	22315: {
		ZH: "工单模板有必填字段没有填写：请管理员检查 template_id 的必填组件。",
		EN: "the template has a required field left empty: have an admin check template_id's required components.",
	},
	22318: {ZH: "工单字段记录无效。", EN: "invalid component record."},
	223014: {
		ZH: "工单模板不存在（可能已被删除）：请换一个模板，或请管理员检查 template_id。",
		EN: "the work-order template does not exist (it may have been deleted): choose another, or have an admin check template_id.",
	},
}

// opHints are the hints of codes whose meaning depends on the call: switch's handler_id is the
// person's choice of the next handler, not the configured one.
var opHints = map[string]map[int64]providers.Hint{
	"switch": {22302: {ZH: "微伴助手没有这位员工：请检查接手人的员工 ID。", EN: "Weiban has no such staff member: check the new handler's staff id."}},
}

// vendorError builds the error of a refused call. The message goes to the log, scrubbed of the
// token, the secret and the corp_id; the chat gets the code's hint or the message's first
// sentence.
func (c *client) vendorError(op, code, msg, tok string, temp bool) *providers.VendorError {
	e := &providers.VendorError{
		Provider:  "weiban",
		Op:        op,
		Code:      code,
		Message:   c.scrub(msg, tok),
		Temporary: temp,
	}
	if n, err := strconv.ParseInt(code, 10, 64); err == nil {
		if h, ok := opHints[op][n]; ok {
			h.Apply(e)
		} else if h, ok := hints[n]; ok {
			h.Apply(e)
		}
	}
	return e
}
