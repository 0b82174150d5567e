package feishu

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"sync"

	"github.com/ticketbot/ticketbot/internal/msgcrypt"
)

// Feishu's event encryption (DOC 接收事件 step 3; SDK event/event.go EventDecrypt):
//
//	key  = SHA256(encrypt_key)
//	body = {"encrypt": base64(iv[16] ‖ AES-256-CBC(key, iv, PKCS7(json)))}
//
// and its signature (same doc; SDK Signature):
//
//	X-Lark-Signature = hex(sha256(timestamp + nonce + encrypt_key + raw_body))

var (
	errCiphertext = errors.New("feishu: malformed ciphertext")
	errPadding    = errors.New("feishu: bad padding")
)

// newCipher derives the AES-256 block cipher from the encrypt key. A cipher.Block is safe for
// concurrent use, so it is made once per Feishu.
func newCipher(encryptKey string) cipher.Block {
	key := sha256.Sum256([]byte(encryptKey))
	block, err := aes.NewCipher(key[:])
	if err != nil {
		panic(err) // unreachable: a SHA-256 sum is always a valid AES-256 key
	}
	return block
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

// signatureOK compares a signed string's digest with the X-Lark-Signature header in constant
// time. The header is lowercase hex, as the SDK's fmt "%x" writes it; the SDK compares the
// exact string too, so uppercase is refused by both.
func signatureOK(sum *[sha256.Size]byte, header string) bool {
	if len(header) != hex.EncodedLen(sha256.Size) {
		return false
	}
	var want [2 * sha256.Size]byte
	hex.Encode(want[:], sum[:])
	return subtle.ConstantTimeCompare(want[:], []byte(header)) == 1
}

// decrypt decodes the base64 ciphertext src into dst's storage and returns the plaintext.
// Unlike the SDK, which trims to the outermost {…}, it removes the PKCS#7 padding properly,
// so the official vector decrypts to exactly "hello world".
func decrypt(block cipher.Block, dst, src []byte) ([]byte, error) {
	n := base64.StdEncoding.DecodedLen(len(src))
	if cap(dst) < n {
		dst = make([]byte, n)
	}
	dst = dst[:n]
	n, err := base64.StdEncoding.Decode(dst, src)
	if err != nil {
		return nil, errCiphertext
	}
	buf := dst[:n]
	// At least the IV and one block, and whole blocks only.
	if len(buf) < 2*aes.BlockSize || len(buf)%aes.BlockSize != 0 {
		return nil, errCiphertext
	}
	iv, ct := buf[:aes.BlockSize], buf[aes.BlockSize:]
	cbcDecrypt(block, iv, ct)
	return unpad(ct)
}

// cbcs keeps each key's CBC modes for reuse (msgcrypt.CBC). The keys are an app's, made once,
// so the map stays as small as the configuration.
var cbcs sync.Map // cipher.Block → *msgcrypt.CBC

// cbcDecrypt decrypts ct in place with block in CBC mode from iv.
func cbcDecrypt(block cipher.Block, iv, ct []byte) {
	c, ok := cbcs.Load(block)
	if !ok {
		c, _ = cbcs.LoadOrStore(block, msgcrypt.NewCBC(block))
	}
	c.(*msgcrypt.CBC).Decrypt(iv, ct)
}

// unpad strips PKCS#7 padding: the last byte p (1..16) repeated p times.
func unpad(b []byte) ([]byte, error) {
	p := int(b[len(b)-1])
	if p == 0 || p > aes.BlockSize || p > len(b) {
		return nil, errPadding
	}
	for _, c := range b[len(b)-p:] {
		if int(c) != p {
			return nil, errPadding
		}
	}
	return b[:len(b)-p], nil
}

// encrypt seals plaintext the way Feishu does, with a random IV, and returns the base64 text
// of the "encrypt" field.
func encrypt(block cipher.Block, plaintext []byte) string {
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
