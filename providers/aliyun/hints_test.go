package aliyun

import "testing"

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
