package weiban

import (
	"encoding/json"
	"reflect"
	"testing"
	"time"
)

func TestFlexTypes(t *testing.T) {
	tests := []struct {
		in      string
		int     int64
		str     string
		boolean bool
	}{
		{`0`, 0, "0", false},
		{`1`, 1, "1", true},
		{`26369`, 26369, "26369", false},
		{`"26369"`, 26369, "26369", false},
		{`" 7 "`, 7, " 7 ", false},
		{`1471808049579560960`, 1471808049579560960, "1471808049579560960", false},
		{`"1471808049579560960"`, 1471808049579560960, "1471808049579560960", false},
		{`1653682321878942700`, 1653682321878942700, "1653682321878942700", false},
		{`1.5e3`, 1500, "1.5e3", false},
		{`12.9`, 12, "12.9", false},
		{`-3`, -3, "-3", false},
		{`true`, 1, "true", true},
		{`false`, 0, "false", false},
		{`"true"`, 1, "true", true},
		{`"1"`, 1, "1", true},
		{`""`, 0, "", false},
		{`null`, 0, "", false},
		{`"abc"`, 0, "abc", false},
		{`{}`, 0, "", false},
		{`[]`, 0, "", false},
		{`[1]`, 0, "", false},
		{`"中文"`, 0, "中文", false},
		{`1e30`, 0, "1e30", false},
	}
	for _, tc := range tests {
		var v struct {
			I flexInt    `json:"i"`
			S flexString `json:"s"`
			B flexBool   `json:"b"`
		}
		doc := `{"i":` + tc.in + `,"s":` + tc.in + `,"b":` + tc.in + `}`
		if err := json.Unmarshal([]byte(doc), &v); err != nil {
			t.Errorf("%s: %v", tc.in, err)
			continue
		}
		if int64(v.I) != tc.int || string(v.S) != tc.str || bool(v.B) != tc.boolean {
			t.Errorf("%s: int %d string %q bool %v, want %d %q %v", tc.in, v.I, v.S, v.B, tc.int, tc.str, tc.boolean)
		}
	}
}

func TestFlexTime(t *testing.T) {
	sec := time.Unix(1639741382, 0)
	tests := []struct {
		in   string
		want time.Time
	}{
		{`1639741382`, sec},
		{`"1639741382"`, sec},
		{`1639741382000`, sec},
		{`1639741382.5`, sec.Add(500 * time.Millisecond)},
		{`"2021-12-17T19:43:02+08:00"`, time.Date(2021, 12, 17, 11, 43, 2, 0, time.UTC)},
		{`"2021-12-17 19:43:02"`, time.Date(2021, 12, 17, 11, 43, 2, 0, time.UTC)},
		{`"2021-12-17"`, time.Date(2021, 12, 16, 16, 0, 0, 0, time.UTC)},
		{`0`, time.Time{}},
		{`-5`, time.Time{}},
		{`""`, time.Time{}},
		{`null`, time.Time{}},
		{`"yesterday"`, time.Time{}},
		{`{}`, time.Time{}},
		{`1e300`, time.Time{}},
	}
	for _, tc := range tests {
		var v flexTime
		if err := json.Unmarshal([]byte(tc.in), &v); err != nil {
			t.Errorf("%s: %v", tc.in, err)
			continue
		}
		if !v.Equal(tc.want) || v.IsZero() != tc.want.IsZero() {
			t.Errorf("%s = %v, want %v", tc.in, v.Time, tc.want)
		}
	}
}

func TestFlexStrings(t *testing.T) {
	tests := []struct {
		in   string
		want flexStrings
	}{
		{`[]`, nil},
		{`null`, nil},
		{`""`, nil},
		{`["上海"]`, flexStrings{"上海"}},
		{`["a", 2, true, null, ""]`, flexStrings{"a", "2", "true"}},
		{`"北京"`, flexStrings{"北京"}},
		{`"[\"x\",\"y\"]"`, flexStrings{"x", "y"}},
		{`7`, flexStrings{"7"}},
		{`{}`, nil},
		{`[{"name":"报告.pdf","url":"http://x/报告.pdf"},{"url":"http://x/a.png"},{"size":3}]`, flexStrings{"报告.pdf", "http://x/a.png"}},
	}
	for _, tc := range tests {
		var v flexStrings
		if err := json.Unmarshal([]byte(tc.in), &v); err != nil {
			t.Errorf("%s: %v", tc.in, err)
			continue
		}
		if !reflect.DeepEqual(v, tc.want) {
			t.Errorf("%s = %#v, want %#v", tc.in, v, tc.want)
		}
	}
}

func TestContentAndAttachments(t *testing.T) {
	contents := []struct {
		in   string
		want wireContent
	}{
		{`{"pic":[],"text":"hi"}`, wireContent{Text: "hi"}},
		{`{"pic":null,"text":"hi"}`, wireContent{Text: "hi"}},
		{`{"pic":["http://p/1.png"],"text":null}`, wireContent{Pic: flexStrings{"http://p/1.png"}}},
		{`"plain"`, wireContent{Text: "plain"}},
		{`null`, wireContent{}},
		{`[]`, wireContent{}},
	}
	for _, tc := range contents {
		var v wireContent
		if err := json.Unmarshal([]byte(tc.in), &v); err != nil || !reflect.DeepEqual(v, tc.want) {
			t.Errorf("content %s = %#v (%v), want %#v", tc.in, v, err, tc.want)
		}
	}
	atts := []struct {
		in   string
		want wireAttachments
	}{
		{`[]`, nil},
		{`null`, nil},
		{`""`, nil},
		{`[{"type":"image","url":"http://i/1.png"}]`, wireAttachments{{Type: "image", URL: "http://i/1.png"}}},
		{`"[{\"type\":\"video\",\"url\":\"http://v/1.mp4\"}]"`, wireAttachments{{Type: "video", URL: "http://v/1.mp4"}}},
		{`[1, {}]`, nil},
	}
	for _, tc := range atts {
		var v wireAttachments
		if err := json.Unmarshal([]byte(tc.in), &v); err != nil || !reflect.DeepEqual(v, tc.want) {
			t.Errorf("attached_json %s = %#v (%v), want %#v", tc.in, v, err, tc.want)
		}
	}
}

// TestOddOrderStillParses proves one strange field does not hide a whole work order.
func TestOddOrderStillParses(t *testing.T) {
	doc := `{"order_no": 1471808049579560960, "title": 123, "status": "10", "created_at": "2021-12-17T19:43:02+08:00",
		"cc_list": null, "processing_flows": null, "work_order_component_record_list": null, "reopen": "1",
		"button_operate": null, "content": "text only", "total_time": "60", "msg_list": "", "deleted": null}`
	var w wireOrder
	if err := json.Unmarshal([]byte(doc), &w); err != nil {
		t.Fatal(err)
	}
	if w.OrderNo != "1471808049579560960" || w.Title != "123" || w.Status != "10" || !bool(w.Reopen) ||
		w.Content.Text != "text only" || w.TotalTime != 60 || w.CreatedAt.IsZero() {
		t.Errorf("parsed %+v", w)
	}
}
