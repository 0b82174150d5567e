package weiban

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/sha1"
	"crypto/subtle"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"io"
	"slices"
	"strings"
)

// Pushed events are sealed the WeCom way, with JSON instead of XML (doc-477078
// 订阅消息加解密指南; reference/ticket-providers.md §4.6):
//
//	msg_signature = sha1_hex(sort(token, timestamp, nonce, msg_encrypt))
//	msg_encrypt   = base64(AES-256-CBC(key, iv = key[:16], PKCS#7 to 32-byte blocks,
//	                random(16) ‖ uint32be(len(msg)) ‖ msg ‖ receive_id))
//	key           = base64_decode(EncodingAESKey + "=")
//
// and the receive id is the corp id.

// pkcs7Block is the WeCom padding block: 32 bytes, not AES's 16.
const pkcs7Block = 32

var (
	errBadCipher  = errors.New("ciphertext is not valid base64 of whole AES blocks")
	errBadPadding = errors.New("bad padding")
	errBadLength  = errors.New("bad message length")
)

// signature computes msg_signature: the hex SHA-1 of the four values sorted and joined.
func signature(token, timestamp, nonce, encrypted string) string {
	parts := []string{token, timestamp, nonce, encrypted}
	slices.Sort(parts)
	sum := sha1.Sum([]byte(strings.Join(parts, "")))
	return hex.EncodeToString(sum[:])
}

// verifySignature compares in constant time, so the signature cannot be guessed byte by byte.
func verifySignature(token, timestamp, nonce, encrypted, got string) bool {
	want := signature(token, timestamp, nonce, encrypted)
	return subtle.ConstantTimeCompare([]byte(want), []byte(strings.ToLower(got))) == 1
}

// decrypt opens msg_encrypt and returns the message and the receive id it was sealed for.
func decrypt(key []byte, encrypted string) (msg []byte, receiveID string, err error) {
	ct, err := base64.StdEncoding.DecodeString(encrypted)
	if err != nil || len(ct) == 0 || len(ct)%aes.BlockSize != 0 {
		return nil, "", errBadCipher
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, "", err
	}
	plain := make([]byte, len(ct))
	cipher.NewCBCDecrypter(block, key[:aes.BlockSize]).CryptBlocks(plain, ct)
	pad := int(plain[len(plain)-1])
	if pad < 1 || pad > pkcs7Block || pad > len(plain) {
		return nil, "", errBadPadding
	}
	// Check every padding byte, not just the last: a wrong key must not pass by luck.
	if subtle.ConstantTimeCompare(plain[len(plain)-pad:], bytesOf(byte(pad), pad)) != 1 {
		return nil, "", errBadPadding
	}
	plain = plain[:len(plain)-pad]
	if len(plain) < 20 {
		return nil, "", errBadLength
	}
	n := binary.BigEndian.Uint32(plain[16:20])
	if uint64(n) > uint64(len(plain)-20) {
		return nil, "", errBadLength
	}
	return plain[20 : 20+n], string(plain[20+n:]), nil
}

// encrypt seals msg for receiveID with 16 bytes from random; the fake uses it to push events
// exactly as Weiban does.
func encrypt(key, msg []byte, receiveID string, random io.Reader) (string, error) {
	plain := make([]byte, 20, 20+len(msg)+len(receiveID)+pkcs7Block)
	if _, err := io.ReadFull(random, plain[:16]); err != nil {
		return "", err
	}
	binary.BigEndian.PutUint32(plain[16:20], uint32(len(msg)))
	plain = append(plain, msg...)
	plain = append(plain, receiveID...)
	pad := pkcs7Block - len(plain)%pkcs7Block
	plain = append(plain, bytesOf(byte(pad), pad)...)
	block, err := aes.NewCipher(key)
	if err != nil {
		return "", err
	}
	cipher.NewCBCEncrypter(block, key[:aes.BlockSize]).CryptBlocks(plain, plain)
	return base64.StdEncoding.EncodeToString(plain), nil
}

func bytesOf(b byte, n int) []byte {
	out := make([]byte, n)
	for i := range out {
		out[i] = b
	}
	return out
}
