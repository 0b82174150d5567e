package msgcrypt

import (
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"strings"
	"testing"

	"github.com/silenceper/wechat/v2/util"
)

// The official vectors (shared/reference/chat-platforms.md §6: DOC 90968 加解密方案说明,
// sbzhu/weworkapi_golang sample.go, workweixin/weworkapi_golang json_callback/sample.go) are
// sealed for a corp id, as Weiban's pushes are (ticket-providers.md §4.6); the self-generated
// ones are a WeCom 智能机器人's, with receive id "".
const (
	vecToken  = "QDG6eK"
	vecAESKey = "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C"
	vecCorpID = "wx5823bf96d3bd56c7"

	vecEchoSig   = "5c45ff5e21c57e6ad56bac8758b79b1d9ac89fd3"
	vecEchoTS    = "1409659589"
	vecEchoNonce = "263014780"
	vecEcho      = "P9nAzCzyDtyTWESHep1vC5X9xho/qYX3Zpb4yKa9SKld1DsH3Iyt3tP3zNdtp+4RPcs8TgAE7OaBO+FZXvnaqQ=="
	vecEchoPlain = "1616140317555161061"

	vecXMLSig     = "477715d11cdb4164915debcba66cb864d751f3e6"
	vecMsgTS      = "1409659813"
	vecMsgNonce   = "1372623149"
	vecXMLRandom  = "0960688932c47ef1"
	vecXMLEncrypt = "RypEvHKD8QQKFhvQ6QleEB4J58tiPdvo+rtK1I9qca6aM/wvqnLSV5zEPeusUiX5L5X/0lWfrf0QADHHhGd3QczcdCUpj911L3vg3W/sYYvuJTs3TUUkSUXxaccAS0qhxchrRYt66wiSpGLYL42aM6A8dTT+6k4aSknmPj48kzJs8qLjvd4Xgpue06DOdnLxAUHzM6+kDZ+HMZfJYuR+LtwGc2hgf5gsijff0ekUNXZiqATP7PF5mZxZ3Izoun1s4zG4LUMnvw2r+KqCKIw+3IQH03v+BCA9nMELNqbSf6tiWSrXJB3LAVGUcallcrw8V2t9EL4EhzJWrQUax5wLVMNS0+rUPA3k22Ncx4XXZS9o0MBH27Bo6BpNelZpS+/uh9KsNlY6bHCmJU9p8g7m3fVKn28H3KDYA5Pl/T8Z1ptDAVe0lXdQ2YoyyH2uyPIGHBZZIs2pDBS8R07+qN+E7Q=="
	vecXMLPlain   = "<xml><ToUserName><![CDATA[wx5823bf96d3bd56c7]]></ToUserName>\n<FromUserName><![CDATA[mycreate]]></FromUserName>\n<CreateTime>1409659813</CreateTime>\n<MsgType><![CDATA[text]]></MsgType>\n<Content><![CDATA[hello]]></Content>\n<MsgId>4561255354251345929</MsgId>\n<AgentID>218</AgentID>\n</xml>"

	vecJSONSig     = "0623cbc5a8cbee5bcc137c70de99575366fc2af3"
	vecJSONEncrypt = "CZWs4CWRpI4VolQlvn4dlEC1alN2MUEY2VklGehgBVLBrlVF7SyT+SV+Toj43l4ayJ9UMGKphktKKmP7B2j/P1ey67XB8PBgS7Wr5/8+w/yWriZv3Vmoo/MH3/1HsIWZrPQ3N2mJrelStIfI2Y8kLKXA7EhfZgZX4o+ffdkZDM76SEl79Ib9mw7TGjZ9Aw/x/A2VjNbV1E8BtEbRxYYcQippYNw7hr8sFfa3nW1xLdxokt8QkRX83vK3DFP2F6TQFPL2Tu98UwhcUpPvdJBuu1/yiOQIScppV3eOuLWEsko="
	vecJSONPlain   = `{"ToUserName":"wx5823bf96d3bd56c7","FromUserName":"mycreate","CreateTime": 1409659813,"MsgType":"text","Content":"hello","MsgId":4561255354251345929,"AgentID": 218}`

	vecBotTS        = "1700000000"
	vecBotNonce     = "nonce123"
	vecBotPlain     = `{"msgid":"CAIQ16HMjQYY/NGagIOAgAMgq4KM0AI=","aibotid":"AIBOTID","chatid":"CHATID","chattype":"group","from":{"userid":"USERID"},"response_url":"RESPONSEURL","msgtype":"text","text":{"content":"@RobotA /close T-1"}}`
	vecBotRandom    = "0123456789abcdef"
	vecBotEncrypt   = "sKqRbbiSUnDhFHOvPjtUMbK0dX6vmb8gqdSi5lN8z0wVPNiCtHjzlkN6v7gqjFnud7Pn8cJkedWEri3xj4/ct8ogP3SCy6pnc1EYfEQxl2A+rsBQ8HVs7qU+VTCtNPQweA3Pa9qBHBpvYr2cr64vRUZHzyRfWE91AQPWX1xte7FO1QXfAqTn/hQQ5+r99UVEfZrVNpCNXiEAJN9liO01n0Leti4ScibQl0EcR+OJhelYGRlMF4oz/93jV677Y302OqwLOsDjd1JjwOhgPAITDGYN/+JLf0VO60FYxA/YEYrBY4YvSFnuX4nmANdE/EsgAhqp2+wAOeoCC8iUcpXGdg=="
	vecBotSig       = "82ce16042eb5edb9f821bb4f8cfe0d3617b88e73"
	vecBotEchoRand  = "fedcba9876543210"
	vecBotEcho      = "P9TP8OO8ZpJE35Ha/87+5BT6UO1k5/GkaUeR1D19GBrWCfLX3W1Uu3D/+JeQ2MXILpGOn0aqK2Dd2Evnt3N/vg=="
	vecBotEchoSig   = "043706f82e64a347075326b5d61407fedb9e9b3c"
	vecBotEchoPlain = vecEchoPlain
)

type vector struct {
	name           string
	ts, nonce, enc string
	sig, receiveID string
	plain          string
	random         string // when set, encrypting plain with this prefix must give enc
}

var vectors = []vector{
	{"official echostr", vecEchoTS, vecEchoNonce, vecEcho, vecEchoSig, vecCorpID, vecEchoPlain, ""},
	{"official XML message", vecMsgTS, vecMsgNonce, vecXMLEncrypt, vecXMLSig, vecCorpID, vecXMLPlain, vecXMLRandom},
	{"official JSON message", vecMsgTS, vecMsgNonce, vecJSONEncrypt, vecJSONSig, vecCorpID, vecJSONPlain, ""},
	{"AI bot message (self-generated)", vecBotTS, vecBotNonce, vecBotEncrypt, vecBotSig, "", vecBotPlain, vecBotRandom},
	{"AI bot echostr (self-generated)", vecBotTS, vecBotNonce, vecBotEcho, vecBotEchoSig, "", vecBotEchoPlain, vecBotEchoRand},
}

func mustNew(t testing.TB, key string) *Crypt {
	t.Helper()
	c, err := New(key)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func prefix(s string) *[16]byte { return (*[16]byte)([]byte(s)) }

func TestVectors(t *testing.T) {
	c := mustNew(t, vecAESKey)
	for _, tt := range vectors {
		t.Run(tt.name, func(t *testing.T) {
			if got := Signature(vecToken, tt.ts, tt.nonce, tt.enc); got != tt.sig {
				t.Errorf("Signature = %s, want %s", got, tt.sig)
			}
			if !Verify(tt.sig, vecToken, tt.ts, tt.nonce, tt.enc) {
				t.Error("Verify refused the vector")
			}
			msg, rid, err := c.Decrypt(tt.enc)
			if err != nil || string(msg) != tt.plain || rid != tt.receiveID {
				t.Fatalf("Decrypt = %q, %q, %v\nwant %q, %q", msg, rid, err, tt.plain, tt.receiveID)
			}
			got, err := c.DecryptFor(nil, []byte(tt.enc), tt.receiveID)
			if err != nil || string(got) != tt.plain {
				t.Fatalf("DecryptFor = %q, %v\nwant %q", got, err, tt.plain)
			}
			if _, err := c.DecryptFor(nil, []byte(tt.enc), tt.receiveID+"x"); err != ErrReceiveID {
				t.Errorf("other receive id: err = %v, want ErrReceiveID", err)
			}
			if tt.random != "" {
				if enc := c.encryptWith(prefix(tt.random), []byte(tt.plain), tt.receiveID); enc != tt.enc {
					t.Errorf("encrypt = %s\nwant %s", enc, tt.enc)
				}
			}
		})
	}
}

// TestSilenceperInterop pins what the reference found: silenceper's Signature and EncryptMsg
// match ours byte for byte, its DecryptMsg reads the classic vectors but refuses the AI
// bot's empty receive id, which is why decryption is ours.
func TestSilenceperInterop(t *testing.T) {
	c := mustNew(t, vecAESKey)
	for _, tt := range vectors {
		if got := util.Signature(vecToken, tt.ts, tt.nonce, tt.enc); got != Signature(vecToken, tt.ts, tt.nonce, tt.enc) {
			t.Errorf("%s: util.Signature = %s", tt.name, got)
		}
	}
	enc, err := util.EncryptMsg([]byte(vecBotRandom), []byte(vecBotPlain), "", vecAESKey)
	if err != nil || string(enc) != c.encryptWith(prefix(vecBotRandom), []byte(vecBotPlain), "") {
		t.Fatalf("util.EncryptMsg = %s, %v", enc, err)
	}
	if _, _, err := util.DecryptMsg("", vecBotEncrypt, vecAESKey); err == nil {
		t.Log("silenceper now decrypts empty receive ids; util.DecryptMsg could replace Decrypt")
	}
	_, msg, err := util.DecryptMsg(vecCorpID, vecJSONEncrypt, vecAESKey)
	if err != nil || string(msg) != vecJSONPlain {
		t.Fatalf("util.DecryptMsg(official) = %q, %v", msg, err)
	}
}

func TestRoundTrip(t *testing.T) {
	c := mustNew(t, vecAESKey)
	for _, n := range []int{0, 1, 11, 12, 31, 32, 33, 1000, 4096} {
		msg := bytes.Repeat([]byte("工"), n)[:n]
		for _, rid := range []string{"", vecCorpID, "corp"} {
			enc := c.Encrypt(msg, rid)
			got, err := c.DecryptFor(nil, []byte(enc), rid)
			if err != nil || !bytes.Equal(got, msg) {
				t.Fatalf("n=%d rid=%q: DecryptFor = %q, %v", n, rid, got, err)
			}
			got, gotRID, err := c.Decrypt(enc)
			if err != nil || !bytes.Equal(got, msg) || gotRID != rid {
				t.Fatalf("n=%d rid=%q: Decrypt = %q, %q, %v", n, rid, got, gotRID, err)
			}
			// The padded plaintext is a whole number of 32-byte blocks.
			raw, _ := base64.StdEncoding.DecodeString(enc)
			if len(raw)%pkcs7Block != 0 {
				t.Fatalf("n=%d: ciphertext of %d bytes", n, len(raw))
			}
		}
	}
	if c.Encrypt([]byte("x"), "") == c.Encrypt([]byte("x"), "") {
		t.Error("two encryptions of the same message are equal: the prefix is not random")
	}
}

// TestDecryptForReusesDst: with room enough, the message is decoded into dst's storage.
func TestDecryptForReusesDst(t *testing.T) {
	c := mustNew(t, vecAESKey)
	dst := make([]byte, 0, base64.StdEncoding.DecodedLen(len(vecBotEncrypt)))
	got, err := c.DecryptFor(dst, []byte(vecBotEncrypt), "")
	if err != nil || string(got) != vecBotPlain {
		t.Fatalf("DecryptFor = %q, %v", got, err)
	}
	if &got[0] != &dst[:cap(dst)][20] {
		t.Error("the message does not alias dst")
	}
}

// sealRaw encrypts plaintext as is (no length, no padding added) with the key of c.
func sealRaw(c *Crypt, plaintext []byte) string {
	buf := bytes.Clone(plaintext)
	c.cbc.Encrypt(c.iv, buf)
	return base64.StdEncoding.EncodeToString(buf)
}

// padded is random(16) ‖ length ‖ msg, PKCS#7-padded to 32 with the pad byte given (0: the
// right one).
func padded(length uint32, msg string, pad byte) []byte {
	b := make([]byte, 20, 64)
	binary.BigEndian.PutUint32(b[16:20], length)
	b = append(b, msg...)
	p := pkcs7Block - len(b)%pkcs7Block
	if pad == 0 {
		pad = byte(p)
	}
	for range p {
		b = append(b, pad)
	}
	return b
}

func TestDecryptRejects(t *testing.T) {
	c := mustNew(t, vecAESKey)
	other := mustNew(t, strings.Repeat("A", KeyLen))
	raw, _ := base64.StdEncoding.DecodeString(c.Encrypt([]byte("hello"), ""))
	enc := base64.StdEncoding.EncodeToString
	if got, err := c.DecryptFor(nil, []byte(sealRaw(c, padded(5, "hello", 0))), ""); err != nil || string(got) != "hello" {
		t.Fatalf("control: %q, %v", got, err)
	}
	// Whole AES blocks that are not whole 32-byte blocks open, as WeCom's own code allows.
	short := append(padded(5, "hello", 0)[:25], bytes.Repeat([]byte{23}, 23)...)
	if got, err := c.DecryptFor(nil, []byte(sealRaw(c, short)), ""); err != nil || string(got) != "hello" {
		t.Fatalf("48-byte ciphertext: %q, %v", got, err)
	}
	tests := []struct {
		name string
		src  string
		rid  string
		want error
	}{
		{"not base64", "!!!", "", ErrCiphertext},
		{"base64 with a space", strings.Replace(vecBotEncrypt, "+", " ", 1), "", ErrCiphertext},
		{"empty", "", "", ErrCiphertext},
		{"one AES block", enc(raw[:16]), "", ErrCiphertext},
		{"not whole blocks", enc(raw[:len(raw)-1]), "", ErrCiphertext},
		{"other key", other.encryptWith(prefix(vecBotRandom), []byte("hello"), ""), "", ErrPadding},
		{"padding byte zero", sealRaw(c, append(padded(5, "hello", 0)[:31], 0)), "", ErrPadding},
		{"padding bytes differ", sealRaw(c, func() []byte { b := padded(5, "hello", 0); b[len(b)-3] = 1; return b }()), "", ErrPadding},
		{"padding over 32", sealRaw(c, append(padded(5, "hello", 0)[:31], 33)), "", ErrPadding},
		{"padding eats the length", sealRaw(c, bytes.Repeat([]byte{32}, 32)), "", ErrLength},
		{"length beyond the plaintext", sealRaw(c, padded(1000, "hello", 0)), "", ErrLength},
		{"length near 2³²", sealRaw(c, padded(0xFFFFFFFF, "hello", 0)), "", ErrLength},
		{"other receive id", c.Encrypt([]byte("hello"), vecCorpID), "", ErrReceiveID},
		{"receive id a prefix of the expected", c.Encrypt([]byte("hello"), "wx58"), vecCorpID, ErrReceiveID},
		{"no receive id where one is expected", vecBotEncrypt, vecCorpID, ErrReceiveID},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got, err := c.DecryptFor(nil, []byte(tt.src), tt.rid); err != tt.want {
				t.Fatalf("DecryptFor = %q, %v, want %v", got, err, tt.want)
			}
			if tt.want == ErrReceiveID {
				return // Decrypt leaves the receive id to the caller
			}
			if got, rid, err := c.Decrypt(tt.src); err != tt.want || got != nil || rid != "" {
				t.Fatalf("Decrypt = %q, %q, %v, want %v", got, rid, err, tt.want)
			}
		})
	}
}

func TestVerifyRejects(t *testing.T) {
	for _, sig := range []string{
		"",
		strings.ToUpper(vecJSONSig), // WeCom sends lowercase: a caller that accepts more lowercases first
		vecJSONSig[:39],
		vecJSONSig + "0",
		strings.Repeat("0", 40),
		vecXMLSig, // the signature of another message
	} {
		if Verify(sig, vecToken, vecMsgTS, vecMsgNonce, vecJSONEncrypt) {
			t.Errorf("Verify accepted %q", sig)
		}
	}
	// Each of the four values is covered.
	for _, args := range [][4]string{
		{"QDG6eL", vecMsgTS, vecMsgNonce, vecJSONEncrypt},
		{vecToken, "1409659814", vecMsgNonce, vecJSONEncrypt},
		{vecToken, vecMsgTS, "1372623148", vecJSONEncrypt},
		{vecToken, vecMsgTS, vecMsgNonce, vecJSONEncrypt[1:]},
	} {
		if Verify(vecJSONSig, args[0], args[1], args[2], args[3]) {
			t.Errorf("Verify accepted the signature over %q", args)
		}
	}
}

func TestNew(t *testing.T) {
	if _, err := New(vecAESKey); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"", "short", vecAESKey + "A", vecAESKey[:KeyLen-1], strings.Repeat("!", KeyLen), vecAESKey[:KeyLen-1] + "="} {
		_, err := New(k)
		if err == nil {
			t.Errorf("%q accepted", k)
		} else if k != "" && strings.Contains(err.Error(), k) {
			t.Errorf("error shows the key: %v", err)
		}
	}
}

// FuzzDecrypt opens arbitrary ciphertexts: no panic, a sentinel error or a message, and
// Decrypt and DecryptFor agree.
func FuzzDecrypt(f *testing.F) {
	for _, v := range vectors {
		f.Add(v.enc)
	}
	f.Add("")
	f.Add("!!!")
	f.Add(strings.Repeat("A", 44))
	c := mustNew(f, vecAESKey)
	f.Fuzz(func(t *testing.T, src string) {
		msg, rid, err := c.Decrypt(src)
		if err != nil {
			if !errors.Is(err, ErrCiphertext) && !errors.Is(err, ErrPadding) && !errors.Is(err, ErrLength) {
				t.Fatalf("Decrypt: unexpected error %v", err)
			}
			if _, err2 := c.DecryptFor(make([]byte, 0, 8), []byte(src), ""); err2 != err {
				t.Fatalf("DecryptFor: %v, Decrypt: %v", err2, err)
			}
			return
		}
		got, err := c.DecryptFor(nil, []byte(src), rid)
		if err != nil || !bytes.Equal(got, msg) {
			t.Fatalf("DecryptFor = %q, %v; Decrypt = %q", got, err, msg)
		}
	})
}

// FuzzRoundTrip seals arbitrary messages for arbitrary receive ids and opens them again.
func FuzzRoundTrip(f *testing.F) {
	f.Add([]byte(vecBotPlain), "")
	f.Add([]byte(vecJSONPlain), vecCorpID)
	f.Add([]byte{}, "")
	c := mustNew(f, vecAESKey)
	f.Fuzz(func(t *testing.T, msg []byte, rid string) {
		enc := c.Encrypt(msg, rid)
		got, gotRID, err := c.Decrypt(enc)
		if err != nil || !bytes.Equal(got, msg) || gotRID != rid {
			t.Fatalf("Decrypt = %q, %q, %v", got, gotRID, err)
		}
		if _, err := c.DecryptFor(nil, []byte(enc), rid+"x"); err != ErrReceiveID {
			t.Fatalf("other receive id: %v", err)
		}
		if !Verify(Signature("t", "1", "n", enc), "t", "1", "n", enc) {
			t.Fatal("Verify refused Signature")
		}
	})
}

func BenchmarkVerifyDecrypt(b *testing.B) {
	c := mustNew(b, vecAESKey)
	msg := []byte(strings.Repeat(vecJSONPlain, 4))
	enc := c.Encrypt(msg, vecCorpID)
	sig := Signature(vecToken, vecMsgTS, vecMsgNonce, enc)
	dst := make([]byte, 0, base64.StdEncoding.DecodedLen(len(enc)))
	b.ReportAllocs()
	b.SetBytes(int64(len(enc)))
	for b.Loop() {
		if !Verify(sig, vecToken, vecMsgTS, vecMsgNonce, enc) {
			b.Fatal("signature")
		}
		if _, err := c.DecryptFor(dst, []byte(enc), vecCorpID); err != nil {
			b.Fatal(err)
		}
	}
}

// The signature of an encrypt text is the same whether it is given as a string or as the
// bytes of a request, and Verify takes either.
func TestSignatureOfBytes(t *testing.T) {
	enc := "RypEvHKD8QQKFhvQ6QleEB4J58tiPdvo+rtK1I9qca6aM/wvqnLSV5zEPeusUiX5L5X/0lWfrf0QADHHhGd3QczcdCUpj911L3vg3W/sYYvuJTs3TUUkSUXxaccAS0qhxchrRYt66wiSpGLYL42aM6A8dTT+6k4aSknmPj48kzJs8qLjvd4Xgpue06DOdnLxAUHzM6+kDZ+HMZfJYuR+LtwGc2hgf5gsijff0ekUNXZiqATP7PF5mZxZ3Izoun1s4zG4LUMnvw2r+KqCKIw+3IQH03v+BCA9nMELNqbSf6tiWSrXJB3LAVGUcallcrw8V2t9EL4EhzJWrQUax5wLVMNS0+rUPA3k22Ncx4XXZS9o0MBH27Bo6BpNelZpS"
	want := Signature("QDG6eK", "1409659813", "1372623149", enc)
	if got := string(AppendSignature(nil, "QDG6eK", "1409659813", "1372623149", []byte(enc))); got != want {
		t.Fatalf("signature of the bytes %s, of the string %s", got, want)
	}
	if !Verify(want, "QDG6eK", "1409659813", "1372623149", []byte(enc)) || Verify(want, "QDG6eK", "1409659813", "1372623149", []byte(enc[1:])) {
		t.Fatal("Verify on bytes disagrees with Signature")
	}
}
