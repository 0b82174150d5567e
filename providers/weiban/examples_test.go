package weiban

import (
	"bytes"
	"encoding/json"
	"os"
	"testing"
	"time"
)

// These tests feed the example response of Weiban's own detail document
// (weibantest/testdata/detail_example.json, seeds/002 verbatim) through the real decoder and mapping.

const longName = "超长昵称你怕了吗怕了吗怕了吗怕了吗怕了吗怕了吗怕了吗怕了吗怕了吗"

const avatar = "http://wework.qpic.cn/wwhead/duc2TvpEgSSWiaVLaJnssacHwZYrZyrx6ocrKgLEf8jujEW7QUaFwm8gLKUP8wJAxKPyUIp4RaOI/0"

// docWant is every field of the document's example, as the wire types read it.
func docWant() wireOrder {
	at := flexTime{time.Unix(1639741382, 0)}
	compAt := flexTime{time.Date(2021, 12, 17, 19, 43, 2, 0, shanghai)}
	comp := func(id, cid int64, typ string, sort int64, title, value string, values flexStrings) wireComponent {
		return wireComponent{
			ComponentID: flexInt(cid), ComponentType: flexString(typ), CorpID: "1653682321878942700",
			CreatedAt: compAt, ID: flexInt(id), OrderNo: "1471808049579561000", Sort: flexInt(sort),
			TemplateID: 62081, Title: flexString(title), UpdatedAt: compAt, Value: flexString(value), Values: values,
		}
	}
	return wireOrder{
		ButtonOperate: wireButtons{
			ChatRecord: true, Close: true, Comment: true, Deliver: true, Evaluate: false,
			PreviewFlow: true, Reopen: false, Share: true, Update: false,
		},
		CCList:        nil,
		Content:       wireContent{Text: "2021年12月17日19:42:45"},
		CorpID:        "1653682321878942721",
		CreatedAt:     at,
		CreatorAvatar: avatar, CreatorID: "LiuYang", CreatorName: longName,
		Deleted: 0, Deliver: false, FlowHandler: 1,
		HandlerAvatar: avatar, HandlerID: "LiuYang", HandlerName: longName,
		ID:                26369,
		LastHandlerAvatar: "", LastHandlerID: "", LastHandlerName: "",
		MsgList: nil,
		OrderNo: "1471808049579560960",
		ProcessingFlows: []wireFlow{
			{
				Content:   wireContent{Text: "待员工 " + longName + " 处理"},
				CreatedAt: at, CreatorAvatar: avatar, CreatorID: "LiuYang", CreatorName: longName,
				HandlerAvatar: avatar, HandlerID: "LiuYang", HandlerName: longName,
				ID: 114049, IsShow: 1, ToID: "LiuYang", Type: 2, TypeName: "待处理",
			},
			{
				Content:   wireContent{Text: "员工" + longName + "已为客户大大怪创建了工单"},
				CreatedAt: at, CreatorAvatar: avatar, CreatorID: "LiuYang", CreatorName: longName,
				HandlerAvatar: avatar, HandlerID: "LiuYang", HandlerName: longName,
				ID: 113921, IsShow: 1, Type: 1, TypeName: "新建工单",
			},
		},
		RelationAvatar:   "http://wx.qlogo.cn/mmhead/Q3auHgzwzM6zorW37WoZ1KkmibpmJQo53Cicwg69nHv8NqJJ1JLrcFsw/0",
		RelationCorpName: "",
		RelationID:       "wm8xjUCAAAjzIxv1bnZErBXWZgBV2RBg",
		RelationName:     "大大怪",
		RelationType:     1,
		Reopen:           false,
		StageName:        "",
		Status:           "10",
		TemplateID:       62081, TemplateStep: 1, TemplateTitle: "鬼鬼",
		Title:     "2021年12月17日19:42:43",
		TotalTime: 0,
		UpdatedAt: at,
		Components: []wireComponent{
			comp(125825, 15745, "file", 6, "附件", "", nil),
			comp(125953, 15873, "selectMultiple", 7, "多拉下选框", "", nil),
			comp(126081, 16001, "checked", 8, "多选项", "", nil),
			comp(126209, 16129, "input", 9, "电话", "45645645632", nil),
			comp(126337, 16257, "select", 10, "城市", "", flexStrings{"上海"}),
		},
	}
}

func TestDocExampleParsesExactly(t *testing.T) {
	raw, err := os.ReadFile("weibantest/testdata/detail_example.json")
	if err != nil {
		t.Fatal(err)
	}
	var got struct {
		Errcode   flexInt    `json:"errcode"`
		Errmsg    flexString `json:"errmsg"`
		WorkOrder wireOrder  `json:"work_order"`
	}
	// Unknown fields are refused, so a field of the example without a home in the wire types
	// fails here: every field is parsed.
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&got); err != nil {
		t.Fatalf("decode: %v", err)
	}
	if got.Errcode != 0 || got.Errmsg != "ok" {
		t.Errorf("envelope = %d %q", got.Errcode, got.Errmsg)
	}
	// Compare field by field through JSON: times compare by instant and zone offset.
	g, _ := json.MarshalIndent(got.WorkOrder, "", " ")
	w, _ := json.MarshalIndent(docWant(), "", " ")
	if !bytes.Equal(g, w) {
		t.Errorf("work_order parsed as\n%s\nwant\n%s", g, w)
	}
	// The precision trap: the component's order_no is not the work order's.
	if got.WorkOrder.Components[0].OrderNo == got.WorkOrder.OrderNo {
		t.Error("component order_no should keep its (rounded) literal, distinct from work_order.order_no")
	}
	if !got.WorkOrder.Components[0].CreatedAt.Equal(time.Date(2021, 12, 17, 11, 43, 2, 0, time.UTC)) {
		t.Errorf("component created_at = %v", got.WorkOrder.Components[0].CreatedAt)
	}
}
