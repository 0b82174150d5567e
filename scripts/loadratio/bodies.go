package main

import (
	"bytes"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/ticketbot/ticketbot/bot/feishu/feishutest"
	"github.com/ticketbot/ticketbot/bot/wecom"
	"github.com/ticketbot/ticketbot/bot/wecom/wecomtest"
)

// Paths and workloads.
const (
	pathFeishu = "feishu"
	pathWeCom  = "wecom"

	// chatter is a group message that is not for the bot. On Feishu: no @mention of the bot
	// (it mentions a colleague). WeCom delivers a group message to a 智能机器人 only when it
	// @-mentions the bot (bot/wecom's package doc, DOC 100719), so it has no chatter: its
	// chatter workload is the nearest it has, an @-mention whose text is no command (the bot
	// answers it with a usage hint).
	workChatter = "chatter"
	// command is a real command that @-mentions the bot (-command, "help" by default).
	workCommand = "command"

	feishuPath = "/feishu/webhook"

	chatterText = "今天下午三点的会议改到四点了，大家注意一下"
)

// builder makes the i-th request of a run: a distinct delivery (its own event and message
// ids, its own nonce), freshly signed and encrypted, as the whole HTTP/1.1 request.
type builder struct {
	path, workload string
	command        string // the command's text (workCommand)
	host           string // the Host header, host:port
	prefix         string // makes ids distinct across runs against one server
	chats          int    // messages rotate over this many group chats
	now            func() time.Time
}

func (b *builder) validate() error {
	switch b.path {
	case pathFeishu, pathWeCom:
	default:
		return fmt.Errorf("unknown path %q (want %s or %s)", b.path, pathFeishu, pathWeCom)
	}
	switch b.workload {
	case workChatter, workCommand:
	default:
		return fmt.Errorf("unknown workload %q (want %s or %s)", b.workload, workChatter, workCommand)
	}
	if b.chats <= 0 {
		b.chats = 1
	}
	if b.now == nil {
		b.now = time.Now
	}
	return nil
}

// build returns request i.
func (b *builder) build(i int) ([]byte, error) {
	id := b.prefix + "_" + strconv.Itoa(i)
	chat := "chat_" + strconv.Itoa(i%b.chats)
	user := "user_" + id // every message from its own person: no one hits the per-person limit
	nonce := "n" + id
	switch b.path {
	case pathFeishu:
		body, header := feishutest.SealRequest(feishuEncryptKey, feishuPlain(b.workload, b.command, id, chat, user), b.now(), nonce)
		return rawRequest(b.host, feishuPath, header, body), nil
	default:
		q, body, err := wecomtest.SealCallback(wecomToken, wecomAESKey, wecomPlain(b.workload, b.command, id, chat, user), b.now(), nonce)
		if err != nil {
			return nil, err
		}
		header := http.Header{"Content-Type": {"application/json"}}
		return rawRequest(b.host, wecom.CallbackPath+"?"+q.Encode(), header, body), nil
	}
}

// feishuPlain is the decrypted im.message.receive_v1 event: chatter mentions a colleague,
// not the bot; a command mentions the bot first.
func feishuPlain(workload, command, id, chat, user string) []byte {
	opts := []feishutest.EventOpt{feishutest.WithVerificationToken(feishuToken)}
	text := command
	if workload == workChatter {
		content := fmt.Sprintf(`{"text":"@_user_1 %s"}`, chatterText)
		opts = append(opts, feishutest.WithContent("text", content,
			feishutest.Mention{Key: "@_user_1", OpenID: "ou_colleague", Name: "张三", Type: "user"}))
		text = ""
	}
	return feishutest.TextMessageEvent("ev_"+id, "om_"+id, "oc_"+chat, "ou_"+user, text, opts...)
}

// wecomPlain is the decrypted message callback, "@RobotA <text>" as WeCom sends it, with a
// response_url on WeCom's host (serve rewrites it to api_base_url).
func wecomPlain(workload, command, id, chat, user string) []byte {
	text := command
	if workload == workChatter {
		text = chatterText
	}
	respURL := wecom.DefaultAPIBaseURL + "/cgi-bin/aibot/response?response_code=rc_" + id
	return wecomtest.TextMessage("msg_"+id, "wr"+chat, user, text, wecomtest.WithResponseURL(respURL))
}

// rawRequest is the whole HTTP/1.1 POST, ready to write to a kept-alive connection.
func rawRequest(host, target string, header http.Header, body []byte) []byte {
	var buf bytes.Buffer
	buf.Grow(len(body) + 512)
	fmt.Fprintf(&buf, "POST %s HTTP/1.1\r\nHost: %s\r\nContent-Length: %d\r\n", target, host, len(body))
	for k, vs := range header {
		for _, v := range vs {
			fmt.Fprintf(&buf, "%s: %s\r\n", k, v)
		}
	}
	buf.WriteString("\r\n")
	buf.Write(body)
	return buf.Bytes()
}

// targetPath is the URL path a request of path goes to (for readiness and error messages).
func targetPath(path string) string {
	if path == pathWeCom {
		return wecom.CallbackPath
	}
	return feishuPath
}
