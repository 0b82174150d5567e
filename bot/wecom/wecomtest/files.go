package wecomtest

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"net/http"
	"strings"
)

// The images and files people send a 智能机器人 arrive as download links whose content is
// encrypted (DOC 100719: "图片的下载url（五分钟内有效，已加密）"): AES-256-CBC, IV = key[:16],
// PKCS#7 padding to 32 bytes; the key is the link's own aeskey on the long connection, the
// robot's EncodingAESKey on the HTTP callback. The fake serves such links; its encryption is
// written here from that description, not taken from the bot's code.

const pathFiles = "/fake-files/"

// PutFile serves data at a new download link, encrypted as WeCom does, and returns the link
// and, with ownKey (the long connection), the link's aeskey; without it ("" returned) the
// content is encrypted with the robot's EncodingAESKey.
func (f *Server) PutFile(data []byte, ownKey bool) (link, aesKey string) {
	key, _ := base64.StdEncoding.DecodeString(f.cfg.EncodingAESKey + "=")
	if ownKey {
		key = make([]byte, 32)
		_, _ = rand.Read(key)
		aesKey = base64.StdEncoding.EncodeToString(key)
	}
	pad := 32 - len(data)%32
	buf := append(bytes.Clone(data), bytes.Repeat([]byte{byte(pad)}, pad)...)
	block, err := aes.NewCipher(key)
	if err != nil {
		panic(err)
	}
	cipher.NewCBCEncrypter(block, key[:16]).CryptBlocks(buf, buf)
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.files == nil {
		f.files = map[string][]byte{}
	}
	id := fmt.Sprintf("f%d", len(f.files)+1)
	f.files[id] = buf
	return f.srv.URL + pathFiles + id, aesKey
}

// ExpireFiles makes every link served so far answer 404, as WeCom's do after five minutes.
func (f *Server) ExpireFiles() {
	f.mu.Lock()
	defer f.mu.Unlock()
	clear(f.files)
}

// file serves GET /fake-files/{id}: the encrypted bytes, or 404 for a link that expired.
func (f *Server) file(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	data, ok := f.files[strings.TrimPrefix(r.URL.Path, pathFiles)]
	f.mu.Unlock()
	if !ok {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", "application/octet-stream")
	_, _ = w.Write(data)
}
