package feishu

import (
	"crypto/sha256"
	"encoding/base64"
	"testing"

	"github.com/ticketbot/ticketbot/bot"
	"github.com/ticketbot/ticketbot/bot/feishu/feishutest"
)

// BenchmarkWebhookStages measures each stage of the ack path on its own, with allocations:
// verify (the SHA-256 over timestamp+nonce+key+body and the compare), decrypt (AES-256-CBC of
// the encrypt field), decode (the event envelope into what the dispatcher takes). The whole
// path, hand-off included, is BenchmarkWebhookMessage; the dispatcher's own hand-off is
// bot's BenchmarkHandleMessageEnqueue.
func BenchmarkWebhookStages(b *testing.B) {
	plain := feishutest.TextMessageEvent("5e3702a84e847582be8db7fb73283c02", "om_5ce6d572455d361153b7cb51da133945",
		"oc_5ce6d572455d361153b7xx51da133945", "ou_84aad35d084aa403a838cf73ee18467",
		"建单 ksyun 数据库连接超时 请尽快处理", feishutest.WithVerificationToken(testToken))
	body, hdr := sealed(plain)
	signed := append(append(append([]byte(hdr.Get(headerTimestamp)), hdr.Get(headerNonce)...), testKey...), body...)
	sig := hdr.Get(headerSignature)
	enc, ok := bot.EncryptField(body)
	if !ok {
		b.Fatal("no encrypt field")
	}
	block := newCipher(testKey)
	dst := make([]byte, 0, base64.StdEncoding.DecodedLen(len(enc)))
	decrypted, err := decrypt(block, dst, enc)
	if err != nil {
		b.Fatal(err)
	}
	decrypted = append([]byte(nil), decrypted...)

	b.Run("verify", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(signed)))
		for b.Loop() {
			sum := sha256.Sum256(signed)
			if !signatureOK(&sum, sig) {
				b.Fatal("bad signature")
			}
		}
	})
	b.Run("decrypt", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(enc)))
		for b.Loop() {
			if _, err := decrypt(block, dst, enc); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("decode", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(decrypted)))
		for b.Loop() {
			if _, err := decodeEnvelope(decrypted); err != nil {
				b.Fatal(err)
			}
		}
	})
}
