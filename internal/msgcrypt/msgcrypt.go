// Package msgcrypt is the AES-CBC message crypto with a SHA-1 signature that one chat platform
// and one vendor use: the platform's callback scheme (DOC 101033 回调和回复的加解密方案, DOC 90968
// 加解密方案说明), which the vendor uses for its pushes with JSON instead of XML (doc-477078
// 订阅消息加解密指南):
//
//	aes_key   = base64_decode(EncodingAESKey + "=")          32 bytes, IV = aes_key[:16]
//	plaintext = random(16) ‖ uint32_be(len(msg)) ‖ msg ‖ receiveid
//	encrypt   = base64(AES-256-CBC(aes_key, IV, PKCS#7(plaintext, block 32)))
//	signature = sha1_hex(concat(sort(token, timestamp, nonce, encrypt)))
//
// The receive id is "" for the platform's 智能机器人 ("企业内部智能机器人场景中，ReceiveId为\"\"") and
// the corp id for the vendor's push. silenceper's util.DecryptMsg refuses a plaintext that ends
// right after msg (its length check uses <= where < is meant), so it cannot open the
// robot's callbacks; decryption is written here.
package msgcrypt

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha1"
	"crypto/subtle"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"sync"
)

// KeyLen is the length of an EncodingAESKey: 43 base64 characters, 32 bytes once "=" is
// appended.
const KeyLen = 43

// pkcs7Block is the scheme's padding block: 32 bytes, not AES's 16.
const pkcs7Block = 32

// The ways a ciphertext fails to open, distinct so that callers and tests can tell them
// apart. None of them holds any of the ciphertext or the key.
var (
	ErrCiphertext = errors.New("msgcrypt: malformed ciphertext (not base64 of whole AES blocks)")
	ErrPadding    = errors.New("msgcrypt: bad padding")
	ErrLength     = errors.New("msgcrypt: bad message length")
	ErrReceiveID  = errors.New("msgcrypt: receive id mismatch")
)

// Crypt holds the AES key of one EncodingAESKey. A cipher.Block is safe for concurrent use,
// so a Crypt is made once and shared.
type Crypt struct {
	cbc *CBC
	iv  []byte
}

// CBC is AES-CBC with one key whose modes are kept and reset to each use's IV: making one per
// message was a tenth of an acknowledged callback's allocations. Safe for concurrent use; the
// other platform's scheme (its own IV per message) uses it too.
type CBC struct {
	block      cipher.Block
	encs, decs sync.Pool // of cipher.BlockMode
}

// NewCBC keeps CBC modes of block.
func NewCBC(block cipher.Block) *CBC { return &CBC{block: block} }

// Encrypt encrypts buf (whole blocks) in place from iv.
func (c *CBC) Encrypt(iv, buf []byte) { c.crypt(&c.encs, cipher.NewCBCEncrypter, iv, buf) }

// Decrypt decrypts buf (whole blocks) in place from iv.
func (c *CBC) Decrypt(iv, buf []byte) { c.crypt(&c.decs, cipher.NewCBCDecrypter, iv, buf) }

// ivSetter is what the standard library's CBC modes implement to start over at an IV.
type ivSetter interface{ SetIV([]byte) }

func (c *CBC) crypt(pool *sync.Pool, make func(cipher.Block, []byte) cipher.BlockMode, iv, buf []byte) {
	m, _ := pool.Get().(cipher.BlockMode)
	if m == nil {
		m = make(c.block, iv)
	} else {
		m.(ivSetter).SetIV(iv)
	}
	m.CryptBlocks(buf, buf)
	if _, ok := m.(ivSetter); ok {
		pool.Put(m)
	}
}

// New decodes a 43-character EncodingAESKey. Its errors never hold the key, and read as
// the continuation of a field name ("encoding_aes_key: must be 43 characters, got 3").
func New(encodingAESKey string) (*Crypt, error) {
	if len(encodingAESKey) != KeyLen {
		return nil, fmt.Errorf("must be %d characters, got %d", KeyLen, len(encodingAESKey))
	}
	key, err := base64.StdEncoding.DecodeString(encodingAESKey + "=")
	if err != nil || len(key) != 32 {
		return nil, errors.New("is not base64 of a 32-byte key")
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err // unreachable: the key is 32 bytes
	}
	return &Crypt{cbc: NewCBC(block), iv: key[:aes.BlockSize]}, nil
}

// Decrypt opens an encrypt text and returns the message and the receive id it was sealed
// for, for the caller to check (and name when it is not the one expected).
func (c *Crypt) Decrypt(encrypted string) (msg []byte, receiveID string, err error) {
	msg, rid, err := c.open(nil, []byte(encrypted))
	if err != nil {
		return nil, "", err
	}
	return msg, string(rid), nil
}

// DecryptFor opens the base64 src, checking that it was sealed for receiveID (compared in
// constant time; ErrReceiveID otherwise). It decodes into dst's storage when dst has the
// capacity (base64.StdEncoding.DecodedLen(len(src))), so a caller can reuse buffers; the
// message then aliases dst.
func (c *Crypt) DecryptFor(dst, src []byte, receiveID string) ([]byte, error) {
	msg, rid, err := c.open(dst, src)
	if err != nil {
		return nil, err
	}
	// Not secret, but comparing in constant time costs nothing.
	if subtle.ConstantTimeCompare(rid, []byte(receiveID)) != 1 {
		return nil, ErrReceiveID
	}
	return msg, nil
}

// open decodes src into dst's storage, decrypts it in place and splits the plaintext into
// the message and the receive id, both aliasing dst.
func (c *Crypt) open(dst, src []byte) (msg, receiveID []byte, err error) {
	n := base64.StdEncoding.DecodedLen(len(src))
	if cap(dst) < n {
		dst = make([]byte, n)
	}
	dst = dst[:n]
	n, err = base64.StdEncoding.Decode(dst, src)
	if err != nil {
		return nil, nil, ErrCiphertext
	}
	buf := dst[:n]
	// Room for the random prefix and the length at least; whole AES blocks only.
	if len(buf) < pkcs7Block || len(buf)%aes.BlockSize != 0 {
		return nil, nil, ErrCiphertext
	}
	c.cbc.Decrypt(c.iv, buf)
	buf, err = unpad(buf)
	if err != nil {
		return nil, nil, err
	}
	if len(buf) < 20 {
		return nil, nil, ErrLength
	}
	size := binary.BigEndian.Uint32(buf[16:20])
	// In uint64: a length near 2³² must not wrap around.
	if uint64(size) > uint64(len(buf)-20) {
		return nil, nil, ErrLength
	}
	return buf[20 : 20+size], buf[20+size:], nil
}

// Encrypt seals msg for receiveID with a fresh random prefix and returns the base64
// encrypt text.
func (c *Crypt) Encrypt(msg []byte, receiveID string) string {
	return string(c.AppendEncrypt(nil, msg, receiveID))
}

// AppendEncrypt is Encrypt appending the encrypt text to dst, for a caller that writes it
// into a larger buffer.
func (c *Crypt) AppendEncrypt(dst, msg []byte, receiveID string) []byte {
	var random [16]byte
	_, _ = rand.Read(random[:]) // never fails: crypto/rand crashes the program instead
	return c.appendEncryptWith(dst, &random, msg, receiveID)
}

// encryptWith seals msg with the given prefix, for the deterministic vectors.
func (c *Crypt) encryptWith(random *[16]byte, msg []byte, receiveID string) string {
	return string(c.appendEncryptWith(nil, random, msg, receiveID))
}

// scratch holds plaintexts being sealed.
var scratch = sync.Pool{New: func() any { b := make([]byte, 0, 4<<10); return &b }}

func (c *Crypt) appendEncryptWith(dst []byte, random *[16]byte, msg []byte, receiveID string) []byte {
	size := 20 + len(msg) + len(receiveID)
	p := pkcs7Block - size%pkcs7Block
	bp := scratch.Get().(*[]byte)
	defer func() {
		if cap(*bp) <= 64<<10 {
			scratch.Put(bp)
		}
	}()
	buf := slices.Grow((*bp)[:0], size+p)[:size+p]
	*bp = buf
	copy(buf, random[:])
	binary.BigEndian.PutUint32(buf[16:20], uint32(len(msg)))
	copy(buf[20:], msg)
	copy(buf[20+len(msg):], receiveID)
	for i := size; i < len(buf); i++ {
		buf[i] = byte(p)
	}
	c.cbc.Encrypt(c.iv, buf)
	return base64.StdEncoding.AppendEncode(dst, buf)
}

// Signature is the msg_signature over the token, timestamp, nonce and encrypt text: the
// lowercase hex SHA-1 of the four sorted bytewise and joined.
func Signature(token, timestamp, nonce, encrypted string) string {
	var sum [2 * sha1.Size]byte
	return string(AppendSignature(sum[:0], token, timestamp, nonce, encrypted))
}

// AppendSignature is Signature appending the hex to dst; the encrypt text may be the bytes
// of a request or of an answer being written, without a copy as a string.
//
// The four values are joined in a pooled buffer and hashed once: writing them to a sha1
// digest one by one copied each string (the digest takes only []byte) and allocated the
// digest.
func AppendSignature[T string | []byte](dst []byte, token, timestamp, nonce string, encrypted T) []byte {
	bp := scratch.Get().(*[]byte)
	buf := append((*bp)[:0], token...)
	a := len(buf)
	buf = append(buf, timestamp...)
	b := len(buf)
	buf = append(buf, nonce...)
	c := len(buf)
	buf = append(buf, encrypted...)
	d := len(buf)
	buf = slices.Grow(buf, d)
	parts := [4][]byte{buf[:a], buf[a:b], buf[b:c], buf[c:d]}
	slices.SortFunc(parts[:], bytes.Compare)
	joined := buf[d:d]
	for _, p := range parts {
		joined = append(joined, p...)
	}
	sum := sha1.Sum(joined)
	*bp = buf[:0]
	if cap(buf) <= 64<<10 {
		scratch.Put(bp)
	}
	return hex.AppendEncode(dst, sum[:])
}

// Verify reports whether sig is the msg_signature of the four values, compared in constant
// time so that it cannot be guessed byte by byte. sig must be lowercase hex, as the platform sends
// it and Signature writes it.
func Verify[T string | []byte](sig, token, timestamp, nonce string, encrypted T) bool {
	var want [2 * sha1.Size]byte
	return subtle.ConstantTimeCompare(AppendSignature(want[:0], token, timestamp, nonce, encrypted), []byte(sig)) == 1
}

// unpad removes the scheme's PKCS#7 padding (1 to 32 bytes), checking every padding byte,
// not just the last: a wrong key must not pass by luck.
func unpad(buf []byte) ([]byte, error) {
	if len(buf) == 0 {
		return nil, ErrPadding
	}
	p := int(buf[len(buf)-1])
	if p == 0 || p > pkcs7Block || p > len(buf) {
		return nil, ErrPadding
	}
	var bad byte
	for _, b := range buf[len(buf)-p:] {
		bad |= b ^ byte(p)
	}
	if bad != 0 {
		return nil, ErrPadding
	}
	return buf[:len(buf)-p], nil
}
