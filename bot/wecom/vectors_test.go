package wecom

import (
	"testing"

	"github.com/ticketbot/ticketbot/internal/msgcrypt"
)

// The vectors the webhook tests send (reference §6: DOC 90968 加解密方案说明,
// workweixin/weworkapi_golang json_callback/sample.go). The official ones use a corpid as
// receiveid; the self-generated one is a 智能机器人's, with receiveid "". The crypto itself
// is tested on them in internal/msgcrypt.
const (
	officialCorpID = "wx5823bf96d3bd56c7"

	officialEchoSig   = "5c45ff5e21c57e6ad56bac8758b79b1d9ac89fd3"
	officialEchoTS    = "1409659589"
	officialEchoNonce = "263014780"
	officialEchoPlain = "1616140317555161061"

	officialXMLPlain = "<xml><ToUserName><![CDATA[wx5823bf96d3bd56c7]]></ToUserName>\n<FromUserName><![CDATA[mycreate]]></FromUserName>\n<CreateTime>1409659813</CreateTime>\n<MsgType><![CDATA[text]]></MsgType>\n<Content><![CDATA[hello]]></Content>\n<MsgId>4561255354251345929</MsgId>\n<AgentID>218</AgentID>\n</xml>"

	officialJSONEncrypt = "CZWs4CWRpI4VolQlvn4dlEC1alN2MUEY2VklGehgBVLBrlVF7SyT+SV+Toj43l4ayJ9UMGKphktKKmP7B2j/P1ey67XB8PBgS7Wr5/8+w/yWriZv3Vmoo/MH3/1HsIWZrPQ3N2mJrelStIfI2Y8kLKXA7EhfZgZX4o+ffdkZDM76SEl79Ib9mw7TGjZ9Aw/x/A2VjNbV1E8BtEbRxYYcQippYNw7hr8sFfa3nW1xLdxokt8QkRX83vK3DFP2F6TQFPL2Tu98UwhcUpPvdJBuu1/yiOQIScppV3eOuLWEsko="
	officialJSONBody    = `{"tousername":"wx5823bf96d3bd56c7","encrypt":"` + officialJSONEncrypt + `","agentid":"218"}`
	officialJSONPlain   = `{"ToUserName":"wx5823bf96d3bd56c7","FromUserName":"mycreate","CreateTime": 1409659813,"MsgType":"text","Content":"hello","MsgId":4561255354251345929,"AgentID": 218}`

	botTS        = "1700000000"
	botNonce     = "nonce123"
	botPlain     = `{"msgid":"CAIQ16HMjQYY/NGagIOAgAMgq4KM0AI=","aibotid":"AIBOTID","chatid":"CHATID","chattype":"group","from":{"userid":"USERID"},"response_url":"RESPONSEURL","msgtype":"text","text":{"content":"@RobotA /close T-1"}}`
	botEncrypt   = "sKqRbbiSUnDhFHOvPjtUMbK0dX6vmb8gqdSi5lN8z0wVPNiCtHjzlkN6v7gqjFnud7Pn8cJkedWEri3xj4/ct8ogP3SCy6pnc1EYfEQxl2A+rsBQ8HVs7qU+VTCtNPQweA3Pa9qBHBpvYr2cr64vRUZHzyRfWE91AQPWX1xte7FO1QXfAqTn/hQQ5+r99UVEfZrVNpCNXiEAJN9liO01n0Leti4ScibQl0EcR+OJhelYGRlMF4oz/93jV677Y302OqwLOsDjd1JjwOhgPAITDGYN/+JLf0VO60FYxA/YEYrBY4YvSFnuX4nmANdE/EsgAhqp2+wAOeoCC8iUcpXGdg=="
	botSig       = "82ce16042eb5edb9f821bb4f8cfe0d3617b88e73"
	botEcho      = "P9TP8OO8ZpJE35Ha/87+5BT6UO1k5/GkaUeR1D19GBrWCfLX3W1Uu3D/+JeQ2MXILpGOn0aqK2Dd2Evnt3N/vg=="
	botEchoSig   = "043706f82e64a347075326b5d61407fedb9e9b3c"
	botEchoPlain = officialEchoPlain
)

func mustCrypt(t testing.TB) *msgcrypt.Crypt {
	t.Helper()
	c, err := msgcrypt.New(testAESKey)
	if err != nil {
		t.Fatal(err)
	}
	return c
}
