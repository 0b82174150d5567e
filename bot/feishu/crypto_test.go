package feishu

import (
	"bytes"
	"crypto/aes"
	"crypto/sha256"
	"errors"
	"testing"
)

// The official vector (DOC 接收事件 step 3): the SDK's trim-to-braces decrypt leaves the
// padding on this non-JSON plaintext; ours must give exactly "hello world".
func TestDecryptOfficialVector(t *testing.T) {
	got, err := decrypt(newCipher("test key"), nil, []byte("P37w+VZImNgPEO1RBhJ6RtKl7n6zymIbEG1pReEzghk="))
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != "hello world" {
		t.Fatalf("got %q, want %q", got, "hello world")
	}
}

// The reference's self-generated vector (fixed IV 0123456789abcdef), decrypt and signature.
const (
	vectorEncrypt   = "MDEyMzQ1Njc4OWFiY2RlZtWk+9FBVdzQ4TLkjfEv5NOLlzViGk4gi/gsOhMmdXMDRhku5LC3HJRpUt6eiC/1uuL/qRJJjAJJulwpGNXzKSkMtvSe7XOy6+PSlSwpZGE3"
	vectorPlain     = `{"challenge":"ajls384kdjx98XX","token":"vtoken","type":"url_verification"}`
	vectorSignature = "1f844087276aa189ba1ca577c4c568043e060af3b6ed7c86e57fd8c0ebc2998b"
)

func TestSelfGeneratedVector(t *testing.T) {
	got, err := decrypt(newCipher("test key"), nil, []byte(vectorEncrypt))
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != vectorPlain {
		t.Fatalf("decrypt = %q", got)
	}
	body := []byte(`{"encrypt":"` + vectorEncrypt + `"}`)
	if s := signature("1700000000", "abc", []byte("test key"), body); s != vectorSignature {
		t.Fatalf("signature = %s", s)
	}
	sum := sha256.Sum256([]byte("1700000000abctest key" + string(body)))
	if !signatureOK(&sum, vectorSignature) {
		t.Fatal("signatureOK refused the vector")
	}
}

func TestSignatureOKRejects(t *testing.T) {
	sum := sha256.Sum256([]byte("x"))
	good := signature("", "", nil, []byte("x"))
	for name, h := range map[string]string{
		"empty":     "",
		"short":     good[:63],
		"long":      good + "0",
		"flipped":   good[:10] + string(good[10]^1) + good[11:],
		"uppercase": string(bytes.ToUpper([]byte(good))),
	} {
		if h == good {
			continue // uppercase of an all-digit prefix can equal it; irrelevant here
		}
		if signatureOK(&sum, h) {
			t.Errorf("%s: accepted %q", name, h)
		}
	}
	if !signatureOK(&sum, good) {
		t.Fatal("refused the right signature")
	}
}

func TestEncryptRoundTrip(t *testing.T) {
	block := newCipher("k")
	for _, n := range []int{0, 1, 15, 16, 17, 1000} {
		plain := bytes.Repeat([]byte{'a'}, n)
		got, err := decrypt(block, nil, []byte(encrypt(block, plain)))
		if err != nil || !bytes.Equal(got, plain) {
			t.Fatalf("n=%d: got %q, %v", n, got, err)
		}
	}
}

func TestDecryptErrors(t *testing.T) {
	block := newCipher("k")
	other := encrypt(newCipher("other key"), []byte(`{"a":1}`))
	tests := []struct {
		name string
		in   string
		want error
	}{
		{"not base64", "!!!!", errCiphertext},
		{"only iv", encrypt(block, nil)[:24], errCiphertext},
		{"not whole blocks", "MDEyMzQ1Njc4OWFiY2RlZmFiYw==", errCiphertext},
		{"wrong key", other, nil}, // padding or not, it must not decrypt to the plaintext
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := decrypt(block, nil, []byte(tt.in))
			if tt.want != nil && !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
			if tt.want == nil && err == nil && string(got) == `{"a":1}` {
				t.Fatal("decrypted with the wrong key")
			}
		})
	}
}

func TestUnpad(t *testing.T) {
	block := bytes.Repeat([]byte{'x'}, aes.BlockSize)
	for _, tt := range []struct {
		name string
		in   []byte
		ok   bool
	}{
		{"one", append([]byte("abcdefghijklmno"), 1), true},
		{"full block", append(append([]byte{}, block...), bytes.Repeat([]byte{16}, 16)...), true},
		{"zero", append([]byte("abcdefghijklmno"), 0), false},
		{"too big", append([]byte("abcdefghijklmno"), 17), false},
		{"inconsistent", append([]byte("abcdefghijklm"), 1, 3, 3), false},
	} {
		_, err := unpad(tt.in)
		if (err == nil) != tt.ok {
			t.Errorf("%s: err = %v", tt.name, err)
		}
	}
}
