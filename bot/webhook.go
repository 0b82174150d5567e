package bot

import (
	"bytes"
	"encoding/json"
	"io"
)

// ReadBody appends all of r to b, growing it once when the length is known: the webhook
// paths sign the body together with a prefix in one buffer, so reading straight into it
// saves a copy.
func ReadBody(r io.Reader, b []byte, contentLength int64) ([]byte, error) {
	if contentLength > 0 && int64(cap(b)-len(b)) < contentLength+1 {
		nb := make([]byte, len(b), len(b)+int(contentLength)+1)
		copy(nb, b)
		b = nb
	}
	for {
		if len(b) == cap(b) {
			b = append(b, 0)[:len(b)]
		}
		n, err := r.Read(b[len(b):cap(b)])
		b = b[:len(b)+n]
		if err == io.EOF {
			return b, nil
		}
		if err != nil {
			return b, err
		}
	}
}

// EncryptField returns the base64 text of an encrypted webhook body {"encrypt":"…"}. Two
// platforms' encrypted callbacks send exactly that shape, which is sliced out without a JSON
// pass or a copy; anything else (spaces, escaped slashes, more keys) goes through
// encoding/json.
func EncryptField(body []byte) ([]byte, bool) {
	const pre, post = `{"encrypt":"`, `"}`
	b := bytes.TrimSpace(body)
	if bytes.HasPrefix(b, []byte(pre)) && bytes.HasSuffix(b, []byte(post)) && len(b) >= len(pre)+len(post) {
		v := b[len(pre) : len(b)-len(post)]
		if bytes.IndexByte(v, '"') < 0 && bytes.IndexByte(v, '\\') < 0 {
			return v, len(v) > 0
		}
	}
	var m struct {
		Encrypt string `json:"encrypt"`
	}
	if err := json.Unmarshal(body, &m); err != nil || m.Encrypt == "" {
		return nil, false
	}
	return []byte(m.Encrypt), true
}
