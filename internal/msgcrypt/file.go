package msgcrypt

import (
	"crypto/aes"
	"encoding/base64"
	"errors"
)

// The platform's 智能机器人 sends images and files as download links whose content is
// encrypted (DOC 100719 接收消息: "图片的下载url（五分钟内有效，已加密）"): AES-256-CBC with IV
// = key[:16] and PKCS#7 padding to 32 bytes, as the messages are, but with no random prefix,
// length or receive id. The key is the link's own aeskey where the message gives one (the
// long connection: "每个下载链接的 aeskey 唯一", the official aibot SDK's decryptFile), else the
// robot's EncodingAESKey (the HTTP callback).

// ErrFileKey is OpenFileWith's refusal of a key that is not base64 of 32 bytes.
var ErrFileKey = errors.New("msgcrypt: a file key must be base64 of 32 bytes")

// OpenFile decrypts a downloaded file with the EncodingAESKey's key, in place.
func (c *Crypt) OpenFile(data []byte) ([]byte, error) {
	return openFile(c.cbc, c.iv, data)
}

// OpenFileWith decrypts a downloaded file with a link's own aeskey (base64), in place.
func OpenFileWith(aesKey string, data []byte) ([]byte, error) {
	key, err := base64.StdEncoding.DecodeString(aesKey)
	if err != nil {
		// The SDK's Buffer.from(…, "base64") also reads the key without its trailing "=".
		key, err = base64.RawStdEncoding.DecodeString(aesKey)
	}
	if err != nil || len(key) != 32 {
		return nil, ErrFileKey
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, ErrFileKey
	}
	return openFile(NewCBC(block), key[:aes.BlockSize], data)
}

func openFile(cbc *CBC, iv, data []byte) ([]byte, error) {
	if len(data) == 0 || len(data)%aes.BlockSize != 0 {
		return nil, ErrCiphertext
	}
	cbc.Decrypt(iv, data)
	return unpad(data)
}
