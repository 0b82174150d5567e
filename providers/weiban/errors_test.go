package weiban_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/ticketbot/ticketbot/providers"
)

// TestVendorErrorHints: a documented code gets the package's sentence (with the vendor's detail
// where it names the field), an unknown one the first sentence of errmsg; the message, kept
// for the log, is scrubbed of the corp_id and the secret even when Weiban echoes them.
func TestVendorErrorHints(t *testing.T) {
	tests := []struct {
		code   int
		msg    string
		zh, en string
	}{
		{22304, "staff_id不存在", "员工不存在：请管理员检查 staff_id 配置或你的微伴账号映射。", "the staff member does not exist: have an admin check staff_id or your Weiban mapping."},
		{22307, "工单已关闭,不允许操作", "工单已关闭，不能再操作。", "the work order is closed; nothing more can be done to it."},
		{22311, "组件值错误：日期格式不对。其余略", "工单字段的值不合法（组件值错误：日期格式不对。）", "a work-order field has an invalid value (组件值错误：日期格式不对。)"},
		{22999, "新的错误。细节", "新的错误。", "新的错误。"},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.code), func(t *testing.T) {
			p, f, _ := newFakeProvider(t)
			f.FailNext(1, tt.code, tt.msg+" corp-1 "+testSecret)
			_, err := p.Get(context.Background(), "1471808049579560960")
			var ve *providers.VendorError
			if !errors.As(err, &ve) || ve.Code != fmt.Sprint(tt.code) {
				t.Fatalf("err = %v", err)
			}
			if zh, en := ve.Sentence(false), ve.Sentence(true); zh != tt.zh || en != tt.en {
				t.Errorf("Sentence = %q / %q, want %q / %q", zh, en, tt.zh, tt.en)
			}
			if strings.Contains(err.Error(), "corp-1") || strings.Contains(err.Error(), testSecret) || !strings.Contains(ve.Message, tt.msg) {
				t.Errorf("Message = %q", ve.Message)
			}
		})
	}
}
