package aliyun_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/ticketbot/ticketbot/providers"
	"github.com/ticketbot/ticketbot/providers/aliyun"
	"github.com/ticketbot/ticketbot/providers/aliyun/aliyuntest"
)

// rawCall sends an RPC signed by hand, the way Aliyun's documents describe it, then lets
// tamper change the parameters (after signing), and returns the HTTP status and the body.
func rawCall(t *testing.T, f *aliyuntest.Server, method string, p map[string]string, tamper func(url.Values)) (int, map[string]any) {
	t.Helper()
	all := map[string]string{
		"Format": "JSON", "AccessKeyId": "testid", "SignatureMethod": "HMAC-SHA1", "SignatureVersion": "1.0",
		"SignatureNonce": aliyun.NewNonce(), "Timestamp": aliyun.FixedNow.Format(aliyun.TimestampLayout), "Version": aliyun.Version2016,
	}
	for k, v := range p {
		all[k] = v
	}
	_, sig := aliyun.SignRequest(method, testSecret, all)
	q := url.Values{}
	for k, v := range all {
		q.Set(k, v)
	}
	q.Set("Signature", sig)
	if tamper != nil {
		tamper(q)
	}
	var req *http.Request
	var err error
	if method == http.MethodGet {
		req, err = http.NewRequest(method, f.URL()+"/?"+q.Encode(), nil)
	} else {
		req, err = http.NewRequest(method, f.URL()+"/", strings.NewReader(q.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&body)
	return resp.StatusCode, body
}

func newRawFake(t *testing.T) *aliyuntest.Server {
	t.Helper()
	f := aliyuntest.New("testid", testSecret)
	t.Cleanup(f.Close)
	f.SetClock(aliyun.FixedClock)
	return f
}

// code returns a body's code, whatever its casing and type.
func code(body map[string]any) string {
	for _, k := range []string{"Code", "code"} {
		if v, ok := body[k]; ok {
			return fmt.Sprint(v)
		}
	}
	return ""
}

func message(body map[string]any) string {
	for _, k := range []string{"Message", "message"} {
		if v, ok := body[k]; ok {
			return fmt.Sprint(v)
		}
	}
	return ""
}

func TestFakeAuthentication(t *testing.T) {
	list := map[string]string{"Action": "QuestionList"}
	tests := []struct {
		name     string
		method   string
		tamper   func(url.Values)
		wantHTTP int
		wantCode string
	}{
		{"valid POST", http.MethodPost, nil, 200, "200"},
		{"valid GET", http.MethodGet, nil, 200, "200"},
		{"wrong signature", http.MethodPost, func(q url.Values) { q.Set("Signature", "AAAAAAAAAAAAAAAAAAAAAAAAAAA=") }, 400, aliyuntest.ErrSignature},
		{"parameter changed after signing", http.MethodPost, func(q url.Values) { q.Set("PageSize", "20") }, 400, aliyuntest.ErrSignature},
		{"stale timestamp", http.MethodPost, func(q url.Values) {
			q.Set("Timestamp", aliyun.FixedNow.Add(-16*time.Minute).Format(aliyun.TimestampLayout))
		}, 400, aliyuntest.ErrTimestamp},
		{"future timestamp", http.MethodPost, func(q url.Values) {
			q.Set("Timestamp", aliyun.FixedNow.Add(16*time.Minute).Format(aliyun.TimestampLayout))
		}, 400, aliyuntest.ErrTimestamp},
		{"local-time timestamp", http.MethodPost, func(q url.Values) { q.Set("Timestamp", "2024-01-01 16:00:00") }, 400, "InvalidTimeStamp.Format"},
		{"unknown AccessKeyId", http.MethodPost, func(q url.Values) { q.Set("AccessKeyId", "other") }, 404, aliyuntest.ErrAccessKey},
		{"no nonce", http.MethodPost, func(q url.Values) { q.Del("SignatureNonce") }, 400, "MissingParameter"},
		{"no signature", http.MethodPost, func(q url.Values) { q.Del("Signature") }, 400, "MissingParameter"},
		{"other method", http.MethodPost, func(q url.Values) { q.Set("SignatureMethod", "HMAC-SHA256") }, 400, "IncompleteSignature"},
		{"XML", http.MethodPost, func(q url.Values) { q.Set("Format", "XML") }, 400, "InvalidParameter"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newRawFake(t)
			status, body := rawCall(t, f, tt.method, list, tt.tamper)
			if status != tt.wantHTTP || code(body) != tt.wantCode {
				t.Errorf("HTTP %d %v, want %d %s", status, body, tt.wantHTTP, tt.wantCode)
			}
			if status != 200 && (body["RequestId"] == nil || body["Message"] == nil) {
				t.Errorf("body %v is not Aliyun's error shape", body)
			}
			if tt.wantCode == aliyuntest.ErrSignature && !strings.Contains(message(body), "server string to sign is:POST&%2F&AccessKeyId%3Dtestid") {
				t.Errorf("message %q does not repeat the string to sign", message(body))
			}
		})
	}
}

func TestFakeRefusesAReusedNonce(t *testing.T) {
	f := newRawFake(t)
	p := map[string]string{"Action": "QuestionList", "SignatureNonce": "the-same-nonce"}
	if status, body := rawCall(t, f, http.MethodPost, p, nil); status != 200 {
		t.Fatalf("first call: %d %v", status, body)
	}
	status, body := rawCall(t, f, http.MethodPost, p, nil)
	if status != 400 || code(body) != aliyuntest.ErrNonce {
		t.Errorf("second call: HTTP %d %v, want 400 %s", status, body, aliyuntest.ErrNonce)
	}
}

func TestFakeRouting(t *testing.T) {
	f := newRawFake(t)
	tests := []struct {
		name     string
		p        map[string]string
		wantHTTP int
		wantCode string
	}{
		{"unknown action", map[string]string{"Action": "DeleteQuestion"}, 404, "InvalidAction.NotFound"},
		{"a 2021 action on 2016", map[string]string{"Action": "CloseTicket", "TicketId": "x"}, 404, "InvalidAction.NotFound"},
		{"a 2016 action on 2021", map[string]string{"Action": "QuestionList", "Version": aliyun.Version2021}, 404, "InvalidAction.NotFound"},
		{"unknown version", map[string]string{"Action": "QuestionList", "Version": "2018-10-12"}, 400, "InvalidVersion"},
		{"Add as well as add", map[string]string{"Action": "Add", "content": "c", "aliUid": "1234567890123456", "productId": "1"}, 200, "200"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, body := rawCall(t, f, http.MethodPost, tt.p, nil)
			if status != tt.wantHTTP || code(body) != tt.wantCode {
				t.Errorf("HTTP %d %v, want %d %s", status, body, tt.wantHTTP, tt.wantCode)
			}
		})
	}
}

func TestFakeChecksParameters(t *testing.T) {
	f := newRawFake(t)
	ids := seed(f, 1)
	add := func(change map[string]string) map[string]string {
		p := map[string]string{"Action": "add", "content": "c", "aliUid": "1234567890123456", "productId": "1273"}
		for k, v := range change {
			if v == "" {
				delete(p, k)
			} else {
				p[k] = v
			}
		}
		return p
	}
	v21 := func(p map[string]string) map[string]string { p["Version"] = aliyun.Version2021; return p }
	tests := []struct {
		name     string
		p        map[string]string
		wantHTTP int
		wantCode string
		wantMsg  string
	}{
		{"add without content", add(map[string]string{"content": ""}), 200, "-104", "content"},
		{"add without aliUid", add(map[string]string{"aliUid": ""}), 200, "-104", "aliUid"},
		{"add for another account", add(map[string]string{"aliUid": "1"}), 200, "-121", "ILLEGAL_AUTH"},
		{"add without product or question", add(map[string]string{"productId": ""}), 200, "-104", "productId"},
		{"add with a common question only", add(map[string]string{"productId": "", "customerCommonQuestionId": "7"}), 200, "200", ""},
		{"add with an unknown parameter", add(map[string]string{"Title": "t"}), 200, "-101", "unknown parameter Title"},
		{"add with a bad smsAlertTime", add(map[string]string{"smsAlertTime": "night"}), 200, "-101", "smsAlertTime"},
		{"add with four attachments", add(map[string]string{"attachments": "a,b,c,d"}), 200, "-101", "at most 3"},
		{"reply in doc casing to an sdk fake", map[string]string{"Action": "QuestionReply", "questionId": ids[0], "questionContent": "x"}, 200, "-101", "unknown parameter"},
		{"reply with neither content", map[string]string{"Action": "QuestionReply", "QuestionId": ids[0]}, 200, "-104", "QuestionContent"},
		{"reply to an unknown ticket", map[string]string{"Action": "QuestionReply", "QuestionId": "nope", "QuestionContent": "x"}, 200, "-101", "不存在"},
		{"list page size 10", map[string]string{"Action": "QuestionList", "PageSize": "10"}, 200, "-101", "pageSize"},
		{"list 201 ids", map[string]string{"Action": "QuestionList", "Ids": strings.Repeat("a,", 200) + "a"}, 200, "-101", "201 ids"},
		{"list 101 products", map[string]string{"Action": "QuestionList", "ProductIds": strings.Repeat("1,", 100) + "1"}, 200, "-101", "101 productIds"},
		{"list page size 101", map[string]string{"Action": "QuestionList", "PageSize": "101"}, 200, "-101", "pageSize"},
		{"list from in seconds", map[string]string{"Action": "QuestionList", "AddStartTime": "1704096000"}, 200, "-101", "milliseconds"},
		{"list to in seconds", map[string]string{"Action": "QuestionList", "AddEndTime": "1704096000"}, 200, "-101", "milliseconds"},
		{"list from in milliseconds", map[string]string{"Action": "QuestionList", "AddStartTime": "1704096000000"}, 200, "200", ""},
		{"attachment url of nothing", map[string]string{"Action": "getAttachTempURL", "attachId": "x"}, 200, "-101", "附件不存在"},
		{"2021 reply without Encrypt", v21(map[string]string{"Action": "ReplyTicket", "TicketId": ids[0], "Content": "x"}), 400, "illegal.param", "Encrypt"},
		{"2021 reply with Encrypt yes", v21(map[string]string{"Action": "ReplyTicket", "TicketId": ids[0], "Content": "x", "Encrypt": "yes"}), 400, "illegal.param", "Encrypt"},
		{"2021 create severity 3", v21(map[string]string{"Action": "CreateTicket", "Description": "d", "Severity": "3", "CategoryId": "1"}), 400, "illegal.param", "Severity"},
		{"2021 list page size 5", v21(map[string]string{"Action": "ListTickets", "PageNumber": "1", "PageSize": "5"}), 400, "illegal.param", "PageSize"},
		{"2021 list page size 101", v21(map[string]string{"Action": "ListTickets", "PageNumber": "1", "PageSize": "101"}), 400, "illegal.param", "PageSize"},
		{"2021 list page 0", v21(map[string]string{"Action": "ListTickets", "PageNumber": "0", "PageSize": "10"}), 400, "illegal.param", "PageNumber"},
		{"2021 list 12 statuses", v21(func() map[string]string {
			p := map[string]string{"Action": "ListTickets", "PageNumber": "1", "PageSize": "10"}
			for i := 1; i <= 12; i++ {
				p[fmt.Sprint("StatusList.", i)] = "dealing"
			}
			return p
		}()), 400, "illegal.param", "StatusList"},
		{"2021 list start without end", v21(map[string]string{"Action": "ListTickets", "PageNumber": "1", "PageSize": "10", "StartDate": "1704096000000"}), 400, "illegal.param", "together"},
		{"2021 list in seconds", v21(map[string]string{"Action": "ListTickets", "PageNumber": "1", "PageSize": "10", "StartDate": "1704096000", "EndDate": "1704099600"}), 400, "illegal.param", "milliseconds"},
		{"2021 list in milliseconds", v21(map[string]string{"Action": "ListTickets", "PageNumber": "1", "PageSize": "10", "StartDate": "1704096000000", "EndDate": "1704099600000"}), 200, "200", ""},
		{"2021 list without page", v21(map[string]string{"Action": "ListTickets", "PageSize": "10"}), 400, "illegal.param", "PageNumber"},
		{"2021 list bad repeat key", v21(map[string]string{"Action": "ListTickets", "PageNumber": "1", "PageSize": "10", "StatusList.x": "dealing"}), 400, "illegal.param", "StatusList.x"},
		{"2021 get unknown", v21(map[string]string{"Action": "GetTicket", "TicketId": "nope"}), 400, "illegal.param", "工单不存在"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, body := rawCall(t, f, http.MethodPost, tt.p, nil)
			if status != tt.wantHTTP || code(body) != tt.wantCode || !strings.Contains(message(body), tt.wantMsg) {
				t.Errorf("HTTP %d %v, want %d %s containing %q", status, body, tt.wantHTTP, tt.wantCode, tt.wantMsg)
			}
		})
	}
}

func TestFakeDocSpelling(t *testing.T) {
	p, f := newFakeProvider(t, func(c *aliyun.Config) { c.ParamNames = "doc" })
	if f.Config().ParamNames != "doc" {
		t.Error("Config does not follow SetParamNames")
	}
	id := mustCreate(t, p, providers.CreateRequest{Title: "t"}).ID
	status, body := rawCall(t, f, http.MethodPost, map[string]string{"Action": "QuestionListNote", "QuestionId": id}, nil)
	if status != 200 || code(body) != "-101" {
		t.Errorf("sdk spelling on a doc fake: %d %v", status, body)
	}
	if err := f.SetParamNames("Camel"); err == nil {
		t.Error("SetParamNames accepted an unknown spelling")
	}
}

func TestFakeFailureInjection(t *testing.T) {
	f := newRawFake(t)
	f.FailNext(1, aliyuntest.ErrBusy, "SYSTEM_BUSY")
	f.FailNext(1, "System.error", "busy")
	f.FailNext(1, "illegal.param", "bad")
	f.FailHTTP(1, http.StatusBadGateway)
	want := []struct {
		version  string
		http     int
		wantCode string
	}{{aliyun.Version2016, 200, "-153"}, {aliyun.Version2021, 503, "System.error"}, {aliyun.Version2021, 400, "illegal.param"}, {aliyun.Version2016, 502, ""}, {aliyun.Version2016, 200, "200"}}
	for i, w := range want {
		status, body := rawCall(t, f, http.MethodPost, map[string]string{"Action": "QuestionList", "Version": w.version}, nil)
		if status != w.http || code(body) != w.wantCode {
			t.Errorf("call %d: HTTP %d %v, want %d %s", i, status, body, w.http, w.wantCode)
		}
		if i == 0 && body["code"] != float64(-153) {
			t.Errorf("the 2016 code is a number in the V1.3 shape: %v", body)
		}
	}
	if n := len(f.CallsTo("QuestionList")); n != len(want) {
		t.Errorf("%d calls recorded, want %d", n, len(want))
	}
}

func TestFakeHooksOnUnknownTicket(t *testing.T) {
	f := newRawFake(t)
	if err := f.SetStatus("nope", "dealing"); err == nil {
		t.Error("SetStatus accepted an unknown ticket")
	}
	if err := f.AddOfficialNote("nope", "x"); err == nil {
		t.Error("AddOfficialNote accepted an unknown ticket")
	}
	if _, ok := f.Ticket("nope"); ok {
		t.Error("Ticket found an unknown ticket")
	}
	if _, ok := f.Object("nope"); ok {
		t.Error("Object found an unknown key")
	}
}

func TestFakeTicketIsACopy(t *testing.T) {
	p, f := newFakeProvider(t, nil)
	id := mustCreate(t, p, providers.CreateRequest{Title: "t", Content: "c"}).ID
	tk, _ := f.Ticket(id)
	tk.Notes[0].Content = "changed"
	tk.Title = "changed"
	again, _ := f.Ticket(id)
	if again.Title != "t" || again.Notes[0].Content != "c" || len(f.Tickets()) != 1 {
		t.Error("Ticket returned shared state")
	}
}

// TestProviderAgainstAStrictClock checks a provider whose clock is off gets the gateway's
// error, not a missing ticket.
func TestProviderAgainstAStrictClock(t *testing.T) {
	f := newRawFake(t)
	p, err := aliyun.New(f.Config(), aliyun.WithClock(func() time.Time { return aliyun.FixedNow.Add(time.Hour) }))
	if err != nil {
		t.Fatal(err)
	}
	_, err = p.Get(context.Background(), "00001FK")
	var ve *providers.VendorError
	if !errors.As(err, &ve) || ve.Code != aliyuntest.ErrTimestamp || errors.Is(err, providers.ErrNotFound) {
		t.Errorf("err = %v", err)
	}
}
