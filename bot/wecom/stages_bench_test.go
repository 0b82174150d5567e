package wecom

import (
	"testing"

	"github.com/ticketbot/ticketbot/bot/wecom/wecomtest"
)

// BenchmarkCallbackDecode is the decode stage of the ack path on its own, with allocations:
// the decrypted callback into what the dispatcher takes. Verify and decrypt are msgcrypt's
// BenchmarkVerifyDecrypt; the whole path is BenchmarkCallbackMessage; the hand-off is bot's
// BenchmarkHandleMessageEnqueue.
func BenchmarkCallbackDecode(b *testing.B) {
	plain := wecomtest.TextMessage("CAIQ16HMjQYY/NGagIOAgAMgq4KM0AI=", "wrkSFfCgAAtJz2ZB9o5jk6D8zZ0b3yNw", "zhangsan",
		"建单 ksyun 数据库连接超时 请尽快处理",
		wecomtest.WithResponseURL("https://qyapi.weixin.qq.com/cgi-bin/aibot/response?response_code=RESPONSECODE"),
		wecomtest.WithQuote("【金山云工单】数据库连接超时 ksyun:1204"))
	b.ReportAllocs()
	b.SetBytes(int64(len(plain)))
	for b.Loop() {
		if _, err := decodeCallback(plain); err != nil {
			b.Fatal(err)
		}
	}
}
