package wecom

import (
	"bytes"
	"crypto/cipher"
	"encoding/base64"
	"encoding/binary"
	"strings"
	"testing"

	"github.com/silenceper/wechat/v2/util"
)

// The official vectors (reference §6: DOC 90968 加解密方案说明, workweixin/weworkapi_golang
// json_callback/sample.go) use a corpid as receiveid; the self-generated one is a
// 智能机器人's, with receiveid "".
const (
	officialCorpID = "wx5823bf96d3bd56c7"

	officialEchoSig   = "5c45ff5e21c57e6ad56bac8758b79b1d9ac89fd3"
	officialEchoTS    = "1409659589"
	officialEchoNonce = "263014780"
	officialEcho      = "P9nAzCzyDtyTWESHep1vC5X9xho/qYX3Zpb4yKa9SKld1DsH3Iyt3tP3zNdtp+4RPcs8TgAE7OaBO+FZXvnaqQ=="
	officialEchoPlain = "1616140317555161061"

	officialXMLSig     = "477715d11cdb4164915debcba66cb864d751f3e6"
	officialMsgTS      = "1409659813"
	officialMsgNonce   = "1372623149"
	officialXMLEncrypt = "RypEvHKD8QQKFhvQ6QleEB4J58tiPdvo+rtK1I9qca6aM/wvqnLSV5zEPeusUiX5L5X/0lWfrf0QADHHhGd3QczcdCUpj911L3vg3W/sYYvuJTs3TUUkSUXxaccAS0qhxchrRYt66wiSpGLYL42aM6A8dTT+6k4aSknmPj48kzJs8qLjvd4Xgpue06DOdnLxAUHzM6+kDZ+HMZfJYuR+LtwGc2hgf5gsijff0ekUNXZiqATP7PF5mZxZ3Izoun1s4zG4LUMnvw2r+KqCKIw+3IQH03v+BCA9nMELNqbSf6tiWSrXJB3LAVGUcallcrw8V2t9EL4EhzJWrQUax5wLVMNS0+rUPA3k22Ncx4XXZS9o0MBH27Bo6BpNelZpS+/uh9KsNlY6bHCmJU9p8g7m3fVKn28H3KDYA5Pl/T8Z1ptDAVe0lXdQ2YoyyH2uyPIGHBZZIs2pDBS8R07+qN+E7Q=="
	officialXMLPlain   = "<xml><ToUserName><![CDATA[wx5823bf96d3bd56c7]]></ToUserName>\n<FromUserName><![CDATA[mycreate]]></FromUserName>\n<CreateTime>1409659813</CreateTime>\n<MsgType><![CDATA[text]]></MsgType>\n<Content><![CDATA[hello]]></Content>\n<MsgId>4561255354251345929</MsgId>\n<AgentID>218</AgentID>\n</xml>"

	officialJSONSig     = "0623cbc5a8cbee5bcc137c70de99575366fc2af3"
	officialJSONEncrypt = "CZWs4CWRpI4VolQlvn4dlEC1alN2MUEY2VklGehgBVLBrlVF7SyT+SV+Toj43l4ayJ9UMGKphktKKmP7B2j/P1ey67XB8PBgS7Wr5/8+w/yWriZv3Vmoo/MH3/1HsIWZrPQ3N2mJrelStIfI2Y8kLKXA7EhfZgZX4o+ffdkZDM76SEl79Ib9mw7TGjZ9Aw/x/A2VjNbV1E8BtEbRxYYcQippYNw7hr8sFfa3nW1xLdxokt8QkRX83vK3DFP2F6TQFPL2Tu98UwhcUpPvdJBuu1/yiOQIScppV3eOuLWEsko="
	officialJSONBody    = `{"tousername":"wx5823bf96d3bd56c7","encrypt":"` + officialJSONEncrypt + `","agentid":"218"}`
	officialJSONPlain   = `{"ToUserName":"wx5823bf96d3bd56c7","FromUserName":"mycreate","CreateTime": 1409659813,"MsgType":"text","Content":"hello","MsgId":4561255354251345929,"AgentID": 218}`

	botTS        = "1700000000"
	botNonce     = "nonce123"
	botPlain     = `{"msgid":"CAIQ16HMjQYY/NGagIOAgAMgq4KM0AI=","aibotid":"AIBOTID","chatid":"CHATID","chattype":"group","from":{"userid":"USERID"},"response_url":"RESPONSEURL","msgtype":"text","text":{"content":"@RobotA /close T-1"}}`
	botRandom    = "0123456789abcdef"
	botEncrypt   = "sKqRbbiSUnDhFHOvPjtUMbK0dX6vmb8gqdSi5lN8z0wVPNiCtHjzlkN6v7gqjFnud7Pn8cJkedWEri3xj4/ct8ogP3SCy6pnc1EYfEQxl2A+rsBQ8HVs7qU+VTCtNPQweA3Pa9qBHBpvYr2cr64vRUZHzyRfWE91AQPWX1xte7FO1QXfAqTn/hQQ5+r99UVEfZrVNpCNXiEAJN9liO01n0Leti4ScibQl0EcR+OJhelYGRlMF4oz/93jV677Y302OqwLOsDjd1JjwOhgPAITDGYN/+JLf0VO60FYxA/YEYrBY4YvSFnuX4nmANdE/EsgAhqp2+wAOeoCC8iUcpXGdg=="
	botSig       = "82ce16042eb5edb9f821bb4f8cfe0d3617b88e73"
	botEchoRand  = "fedcba9876543210"
	botEcho      = "P9TP8OO8ZpJE35Ha/87+5BT6UO1k5/GkaUeR1D19GBrWCfLX3W1Uu3D/+JeQ2MXILpGOn0aqK2Dd2Evnt3N/vg=="
	botEchoSig   = "043706f82e64a347075326b5d61407fedb9e9b3c"
	botEchoPlain = officialEchoPlain
)

func mustCrypt(t testing.TB) *msgCrypt {
	t.Helper()
	c, err := newMsgCrypt(testAESKey)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestVectors(t *testing.T) {
	c := mustCrypt(t)
	tests := []struct {
		name             string
		ts, nonce, enc   string
		sig, receiveID   string
		plain            string
		random, encAgain string // when set, encrypting plain with random must give enc
	}{
		{"official echostr", officialEchoTS, officialEchoNonce, officialEcho, officialEchoSig, officialCorpID, officialEchoPlain, "", ""},
		{"official XML message", officialMsgTS, officialMsgNonce, officialXMLEncrypt, officialXMLSig, officialCorpID, officialXMLPlain, "0960688932c47ef1", officialXMLEncrypt},
		{"official JSON message", officialMsgTS, officialMsgNonce, officialJSONEncrypt, officialJSONSig, officialCorpID, officialJSONPlain, "", ""},
		{"AI bot message (self-generated)", botTS, botNonce, botEncrypt, botSig, "", botPlain, botRandom, botEncrypt},
		{"AI bot echostr (self-generated)", botTS, botNonce, botEcho, botEchoSig, "", botEchoPlain, botEchoRand, botEcho},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := signature(testToken, tt.ts, tt.nonce, tt.enc); got != tt.sig {
				t.Errorf("signature = %s, want %s", got, tt.sig)
			}
			if !signatureOK(testToken, tt.ts, tt.nonce, tt.enc, tt.sig) {
				t.Error("signatureOK refused the vector")
			}
			got, err := c.decrypt(nil, []byte(tt.enc), tt.receiveID)
			if err != nil || string(got) != tt.plain {
				t.Fatalf("decrypt = %q, %v\nwant %q", got, err, tt.plain)
			}
			if _, err := c.decrypt(nil, []byte(tt.enc), tt.receiveID+"x"); err != errReceiveID {
				t.Errorf("other receiveid: err = %v", err)
			}
			if tt.random != "" {
				if enc := c.encryptWith([]byte(tt.random), []byte(tt.plain), tt.receiveID); enc != tt.encAgain {
					t.Errorf("encrypt = %s\nwant %s", enc, tt.encAgain)
				}
			}
		})
	}
}

// TestSilenceperInterop pins what the reference found: silenceper's EncryptMsg matches ours
// byte for byte, its DecryptMsg reads the classic vectors but refuses the AI bot's empty
// receiveid, which is why decrypt is ours.
func TestSilenceperInterop(t *testing.T) {
	c := mustCrypt(t)
	enc, err := util.EncryptMsg([]byte(botRandom), []byte(botPlain), "", testAESKey)
	if err != nil || string(enc) != c.encryptWith([]byte(botRandom), []byte(botPlain), "") {
		t.Fatalf("util.EncryptMsg = %s, %v", enc, err)
	}
	if _, _, err := util.DecryptMsg("", botEncrypt, testAESKey); err == nil {
		t.Log("silenceper now decrypts empty receiveids; util.DecryptMsg could replace decrypt")
	}
	_, msg, err := util.DecryptMsg(officialCorpID, officialJSONEncrypt, testAESKey)
	if err != nil || string(msg) != officialJSONPlain {
		t.Fatalf("util.DecryptMsg(official) = %q, %v", msg, err)
	}
}

func TestRoundTrip(t *testing.T) {
	c := mustCrypt(t)
	for _, n := range []int{0, 1, 11, 12, 31, 32, 33, 1000, 4096} {
		msg := bytes.Repeat([]byte("工"), n)[:n]
		for _, rid := range []string{"", officialCorpID} {
			enc := c.encrypt(msg, rid)
			got, err := c.decrypt(nil, []byte(enc), rid)
			if err != nil || !bytes.Equal(got, msg) {
				t.Fatalf("n=%d rid=%q: %q, %v", n, rid, got, err)
			}
			// The padded plaintext is a whole number of 32-byte blocks.
			raw, _ := base64.StdEncoding.DecodeString(enc)
			if len(raw)%pkcs7Block != 0 {
				t.Fatalf("n=%d: ciphertext of %d bytes", n, len(raw))
			}
		}
	}
}

// sealRaw encrypts plaintext as is (no length, no padding added) with the test key.
func sealRaw(t *testing.T, plaintext []byte) []byte {
	t.Helper()
	c := mustCrypt(t)
	buf := bytes.Clone(plaintext)
	cipher.NewCBCEncrypter(c.block, c.iv).CryptBlocks(buf, buf)
	return []byte(base64.StdEncoding.EncodeToString(buf))
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
	c := mustCrypt(t)
	other, err := newMsgCrypt(strings.Repeat("A", 43))
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := base64.StdEncoding.DecodeString(c.encrypt([]byte("hello"), ""))
	enc := func(b []byte) []byte { return []byte(base64.StdEncoding.EncodeToString(b)) }
	if got, err := c.decrypt(nil, sealRaw(t, padded(5, "hello", 0)), ""); err != nil || string(got) != "hello" {
		t.Fatalf("control: %q, %v", got, err)
	}
	tests := []struct {
		name string
		src  []byte
	}{
		{"not base64", []byte("!!!")},
		{"empty", nil},
		{"one AES block", enc(raw[:16])},
		{"not whole blocks", enc(raw[:len(raw)-1])},
		{"other key", []byte(other.encrypt([]byte("hello"), ""))},
		{"other receiveid", []byte(c.encrypt([]byte("hello"), officialCorpID))},
		{"length beyond the plaintext", sealRaw(t, padded(1000, "hello", 0))},
		{"padding byte zero", sealRaw(t, append(padded(5, "hello", 0)[:31], 0))},
		{"padding bytes differ", sealRaw(t, func() []byte { b := padded(5, "hello", 0); b[len(b)-3] = 1; return b }())},
		{"padding over 32", sealRaw(t, append(padded(5, "hello", 0)[:31], 33))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got, err := c.decrypt(nil, tt.src, ""); err == nil {
				t.Fatalf("decrypted to %q", got)
			}
		})
	}
}

func TestDecodeAESKey(t *testing.T) {
	if _, err := decodeAESKey(testAESKey); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"", "short", testAESKey + "A", strings.Repeat("!", 43)} {
		_, err := decodeAESKey(k)
		if err == nil {
			t.Errorf("%q accepted", k)
		} else if k != "" && strings.Contains(err.Error(), k) {
			t.Errorf("error shows the key: %v", err)
		}
	}
}
