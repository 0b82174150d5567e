// Package feishutest is a fake Feishu (Lark) open API for tests and the demo, the way
// net/http/httptest serves HTTP: New starts a Server on loopback that checks what Feishu
// checks, and its URL is the feishu.Config.BaseURL that points the bot at it. It also builds
// the events Feishu delivers (TextMessageEvent, CardActionEvent, ChallengeEvent) and seals
// them as Feishu signs and encrypts them (SealRequest).
package feishutest

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
)

// The fake's own copy of what Feishu's open platform documents publish. It is written out
// here rather than taken from package feishu, so the fake checks the bot against the docs and
// not against the bot's own reading of them.

// The open API paths the fake serves (DOC 自建应用获取 tenant_access_token, 发送消息, 延时更新消息卡片,
// 获取机器人信息).
const (
	pathTenantToken = "/open-apis/auth/v3/tenant_access_token/internal"
	pathBotInfo     = "/open-apis/bot/v3/info"
	pathMessages    = "/open-apis/im/v1/messages"
	pathCardUpdate  = "/open-apis/interactive/v1/card/update"
)

// maxUUIDLen is Feishu's limit on a message uuid (DOC 发送消息: 不超过 50 字符).
const maxUUIDLen = 50

// The headers of a signed event request (DOC 接收事件, 安全校验).
const (
	headerTimestamp = "X-Lark-Request-Timestamp"
	headerNonce     = "X-Lark-Request-Nonce"
	headerSignature = "X-Lark-Signature"
)

// The event types and the URL check's type (DOC 接收消息 im.message.receive_v1, 卡片回传交互,
// 配置请求地址).
const (
	typeURLVerification = "url_verification"
	eventMessage        = "im.message.receive_v1"
	eventCardAction     = "card.action.trigger"
)

// Feishu's event encryption (DOC 接收事件 step 3):
//
//	key  = SHA256(encrypt_key)
//	body = {"encrypt": base64(iv[16] ‖ AES-256-CBC(key, iv, PKCS7(json)))}
//
// and its signature (same doc):
//
//	X-Lark-Signature = hex(sha256(timestamp + nonce + encrypt_key + raw_body))

// encrypt seals plaintext with encryptKey the way Feishu does, with a random IV, and returns
// the base64 text of the "encrypt" field.
func encrypt(encryptKey string, plaintext []byte) string {
	key := sha256.Sum256([]byte(encryptKey))
	block, err := aes.NewCipher(key[:])
	if err != nil {
		panic(err) // unreachable: a SHA-256 sum is always a valid AES-256 key
	}
	p := aes.BlockSize - len(plaintext)%aes.BlockSize
	buf := make([]byte, aes.BlockSize+len(plaintext)+p)
	if _, err := rand.Read(buf[:aes.BlockSize]); err != nil {
		panic(err) // crypto/rand never fails on supported platforms
	}
	copy(buf[aes.BlockSize:], plaintext)
	for i := len(buf) - p; i < len(buf); i++ {
		buf[i] = byte(p)
	}
	ct := buf[aes.BlockSize:]
	cipher.NewCBCEncrypter(block, buf[:aes.BlockSize]).CryptBlocks(ct, ct)
	return base64.StdEncoding.EncodeToString(buf)
}

// signature returns hex(sha256(timestamp + nonce + key + body)).
func signature(timestamp, nonce string, key, body []byte) string {
	h := sha256.New()
	h.Write([]byte(timestamp))
	h.Write([]byte(nonce))
	h.Write(key)
	h.Write(body)
	return hex.EncodeToString(h.Sum(nil))
}
