package msgcrypt

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"encoding/base64"
	"errors"
	"testing"
)

// sealFile encrypts a file as the platform does, written from its description (AES-256-CBC,
// IV = key[:16], PKCS#7 to 32 bytes), not from the code under test.
func sealFile(t *testing.T, key, plain []byte) []byte {
	t.Helper()
	pad := 32 - len(plain)%32
	buf := append(bytes.Clone(plain), bytes.Repeat([]byte{byte(pad)}, pad)...)
	block, err := aes.NewCipher(key)
	if err != nil {
		t.Fatal(err)
	}
	cipher.NewCBCEncrypter(block, key[:16]).CryptBlocks(buf, buf)
	return buf
}

func TestOpenFile(t *testing.T) {
	png := []byte("\x89PNG\r\n\x1a\n a screenshot of a 502 page")
	robotKey, _ := base64.StdEncoding.DecodeString(vecAESKey + "=")
	linkKey := bytes.Repeat([]byte{7}, 32)
	c, err := New(vecAESKey)
	if err != nil {
		t.Fatal(err)
	}

	t.Run("with the robot's key (HTTP callback)", func(t *testing.T) {
		got, err := c.OpenFile(sealFile(t, robotKey, png))
		if err != nil || !bytes.Equal(got, png) {
			t.Fatalf("OpenFile = %q, %v", got, err)
		}
	})
	t.Run("with the link's own aeskey (long connection)", func(t *testing.T) {
		for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding} {
			got, err := OpenFileWith(enc.EncodeToString(linkKey), sealFile(t, linkKey, png))
			if err != nil || !bytes.Equal(got, png) {
				t.Fatalf("OpenFileWith = %q, %v", got, err)
			}
		}
	})
	t.Run("a whole block of padding", func(t *testing.T) {
		exact := bytes.Repeat([]byte("x"), 64)
		got, err := c.OpenFile(sealFile(t, robotKey, exact))
		if err != nil || !bytes.Equal(got, exact) {
			t.Fatalf("OpenFile = %d bytes, %v", len(got), err)
		}
	})
	t.Run("refusals", func(t *testing.T) {
		if _, err := c.OpenFile(sealFile(t, linkKey, png)); !errors.Is(err, ErrPadding) {
			t.Errorf("the wrong key: %v, want ErrPadding", err)
		}
		if _, err := c.OpenFile([]byte("seventeen bytes!!")); !errors.Is(err, ErrCiphertext) {
			t.Errorf("a torn download: %v, want ErrCiphertext", err)
		}
		if _, err := c.OpenFile(nil); !errors.Is(err, ErrCiphertext) {
			t.Errorf("an empty download: %v, want ErrCiphertext", err)
		}
		if _, err := OpenFileWith("c2hvcnQ=", sealFile(t, linkKey, png)); !errors.Is(err, ErrFileKey) {
			t.Errorf("a short key: %v, want ErrFileKey", err)
		}
	})
}
