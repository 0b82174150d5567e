package wecom

import (
	"strings"
	"testing"

	"github.com/silenceper/wechat/v2/util"
	"github.com/silenceper/wechat/v2/work/robot"

	"github.com/ticketbot/ticketbot/bot/wecom/wecomtest"
)

// TestFakeRobotSilenceper sends through silenceper's RobotBroadcast, pointed at the fake
// with its package-global URI modifier (so this test must not run in parallel), to show the
// fake takes exactly what the SDK sends.
func TestFakeRobotSilenceper(t *testing.T) {
	f := wecomtest.New(wecomtest.Config{})
	defer f.Close()
	util.SetURIModifier(func(u string) string { return strings.Replace(u, DefaultAPIBaseURL, f.URL(), 1) })
	defer util.SetURIModifier(nil)
	var r robot.Client
	opt := markdownMsg("**工单** 已关闭")
	if info, err := r.RobotBroadcast(wecomtest.WebhookKey, opt); err != nil || info.ErrCode != 0 {
		t.Fatalf("%+v %v", info, err)
	}
	if info, _ := r.RobotBroadcast("wrong", opt); info.ErrCode != 93000 {
		t.Fatalf("wrong key: %+v", info)
	}
	if sent := f.Sent(); len(sent) != 1 || sent[0].Content() != "**工单** 已关闭" {
		t.Fatalf("%+v", sent)
	}
}
