package wecom

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"encoding/binary"
	"errors"

	"github.com/silenceper/wechat/v2/util"
)

// WeCom's callback crypto (DOC 101033 回调和回复的加解密方案, DOC 90968):
//
//	aes_key   = base64_decode(EncodingAESKey + "=")          32 bytes, IV = aes_key[:16]
//	plaintext = random(16) ‖ uint32_be(len(msg)) ‖ msg ‖ receiveid
//	encrypt   = base64(AES-256-CBC(aes_key, IV, PKCS#7(plaintext, block 32)))
//	signature = sha1_hex(concat(sort(token, timestamp, nonce, encrypt)))
//
// The 智能机器人's receiveid is the empty string ("企业内部智能机器人场景中，ReceiveId为\"\"").
// silenceper's util.DecryptMsg refuses a plaintext that ends right after msg (its length
// check uses <= where < is meant), so decryption is written here; the signature is
// util.Signature, compared in constant time.

// pkcs7Block is WeCom's padding block: 32 bytes, not AES's 16.
const pkcs7Block = 32

var (
	errCiphertext = errors.New("wecom: malformed ciphertext")
	errPadding    = errors.New("wecom: bad padding")
	errLength     = errors.New("wecom: bad message length")
	errReceiveID  = errors.New("wecom: receiveid mismatch")
)

// msgCrypt holds the AES key of one EncodingAESKey. A cipher.Block is safe for concurrent
// use, so it is made once.
type msgCrypt struct {
	block cipher.Block
	iv    []byte
}

func newMsgCrypt(encodingAESKey string) (*msgCrypt, error) {
	key, err := decodeAESKey(encodingAESKey)
	if err != nil {
		return nil, err
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	return &msgCrypt{block: block, iv: key[:aes.BlockSize]}, nil
}

// decrypt decodes the base64 src into dst's storage, decrypts it in place and returns the
// message, checking that the trailing receiveid is receiveID. The result aliases dst.
func (c *msgCrypt) decrypt(dst, src []byte, receiveID string) ([]byte, error) {
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
	// Random prefix and length at least, whole AES blocks only.
	if len(buf) < pkcs7Block || len(buf)%aes.BlockSize != 0 {
		return nil, errCiphertext
	}
	cipher.NewCBCDecrypter(c.block, c.iv).CryptBlocks(buf, buf)
	p := int(buf[len(buf)-1])
	if p == 0 || p > pkcs7Block || p > len(buf) {
		return nil, errPadding
	}
	for _, b := range buf[len(buf)-p:] {
		if int(b) != p {
			return nil, errPadding
		}
	}
	buf = buf[:len(buf)-p]
	if len(buf) < 20 {
		return nil, errLength
	}
	size := binary.BigEndian.Uint32(buf[16:20])
	if uint64(size) > uint64(len(buf)-20) {
		return nil, errLength
	}
	msg := buf[20 : 20+size]
	// Not secret, but comparing in constant time costs nothing.
	if subtle.ConstantTimeCompare(buf[20+size:], []byte(receiveID)) != 1 {
		return nil, errReceiveID
	}
	return msg, nil
}

// encrypt seals msg with a fresh random prefix and returns the base64 "encrypt" text.
func (c *msgCrypt) encrypt(msg []byte, receiveID string) string {
	var random [16]byte
	if _, err := rand.Read(random[:]); err != nil {
		panic(err) // crypto/rand never fails on supported platforms
	}
	return c.encryptWith(random[:], msg, receiveID)
}

// encryptWith seals msg with the given 16-byte prefix, for the deterministic vectors.
func (c *msgCrypt) encryptWith(random, msg []byte, receiveID string) string {
	size := 20 + len(msg) + len(receiveID)
	p := pkcs7Block - size%pkcs7Block
	buf := make([]byte, size+p)
	copy(buf, random[:16])
	binary.BigEndian.PutUint32(buf[16:20], uint32(len(msg)))
	copy(buf[20:], msg)
	copy(buf[20+len(msg):], receiveID)
	for i := size; i < len(buf); i++ {
		buf[i] = byte(p)
	}
	cipher.NewCBCEncrypter(c.block, c.iv).CryptBlocks(buf, buf)
	return base64.StdEncoding.EncodeToString(buf)
}

// signature is WeCom's msg_signature over the token, timestamp, nonce and encrypted text.
func signature(token, timestamp, nonce, encrypt string) string {
	return util.Signature(token, timestamp, nonce, encrypt)
}

// signatureOK compares a request's msg_signature with the expected one in constant time.
// WeCom sends lowercase hex, as util.Signature writes it.
func signatureOK(token, timestamp, nonce, encrypt, got string) bool {
	want := signature(token, timestamp, nonce, encrypt)
	return subtle.ConstantTimeCompare([]byte(want), []byte(got)) == 1
}
