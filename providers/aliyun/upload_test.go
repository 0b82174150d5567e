package aliyun_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/ticketbot/ticketbot/providers"
	"github.com/ticketbot/ticketbot/providers/aliyun"
	"github.com/ticketbot/ticketbot/providers/aliyun/aliyuntest"
)

func TestUpload2016EndToEnd(t *testing.T) {
	p, f := newFakeProvider(t, nil)
	ctx := context.Background()
	content := strings.Repeat("2024-01-01 ERROR connection refused\n", 30)
	a, err := p.Upload(ctx, `C:\logs\日志 a,b.txt`, strings.NewReader(content))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(a.Key, "pop_temp1/") || !strings.HasSuffix(a.Key, "_日志 a_b.txt") || a.Name != "日志 a_b.txt" ||
		a.Size != int64(len(content)) {
		t.Errorf("Attachment = %+v", a)
	}
	if c := f.CallsTo("getOSSTempAuthor"); len(c) != 1 || len(params(c[0])) != 0 {
		t.Errorf("getOSSTempAuthor calls = %v", c)
	}
	var post *aliyuntest.Call
	for _, c := range f.Calls() {
		if c.Path == "/oss" {
			post = &c
		}
	}
	if post == nil {
		t.Fatal("nothing was posted to OSS")
	}
	for _, k := range []string{"key", "policy", "OSSAccessKeyId", "Signature", "success_action_status", "file"} {
		if post.Params.Get(k) == "" {
			t.Errorf("PostObject field %s missing: %v", k, post.Params)
		}
	}
	if post.Params.Get("key") != a.Key || post.Params.Get("OSSAccessKeyId") != "STS.fake0001" || post.Params.Get("file") != a.Name {
		t.Errorf("PostObject fields = %v", post.Params)
	}
	obj, ok := f.Object(a.Key)
	if !ok || string(obj.Data) != content {
		t.Fatalf("stored object = %+v, %v", obj, ok)
	}

	// The attachment travels with add, then shows in the notes and can be downloaded.
	tk, err := p.CreateWith(ctx, providers.CreateRequest{Title: "附件", Content: "见日志"}, aliyun.CreateOptions{Attachments: []aliyun.Attachment{a}})
	if err != nil {
		t.Fatal(err)
	}
	if got := f.CallsTo("add")[0].Params.Get("attachments"); got != a.Key {
		t.Errorf("add attachments = %q, want %q", got, a.Key)
	}
	ds, err := p.NoteDetails(ctx, tk.ID)
	if err != nil || len(ds) != 1 || len(ds[0].AttachIDs) != 1 {
		t.Fatalf("NoteDetails = %+v, %v", ds, err)
	}
	link, err := p.AttachmentURL(ctx, ds[0].AttachIDs[0])
	if err != nil {
		t.Fatal(err)
	}
	if got := download(t, link); got != content {
		t.Errorf("downloaded %d bytes, want %d", len(got), len(content))
	}

	// And with QuestionReply: three at most, comma-joined.
	b, err := p.Upload(ctx, "b.png", bytes.NewReader([]byte{0x89, 'P', 'N', 'G'}))
	if err != nil {
		t.Fatal(err)
	}
	if err := p.ReplyWith(ctx, tk.ID, providers.Reply{Text: "补充"}, aliyun.ReplyOptions{Attachments: []aliyun.Attachment{a, b}}); err != nil {
		t.Fatal(err)
	}
	if got := f.CallsTo("QuestionReply")[0].Params.Get("attachments"); got != a.Key+","+b.Key {
		t.Errorf("QuestionReply attachments = %q", got)
	}
	if !strings.HasPrefix(b.Key, "pop_temp2/") {
		t.Errorf("second upload key %q: every upload has its own grant", b.Key)
	}
}

func TestUploadLimits(t *testing.T) {
	p, f := newFakeProvider(t, nil)
	ctx := context.Background()
	if _, err := p.Upload(ctx, "big.bin", bytes.NewReader(make([]byte, aliyun.MaxUploadSize+1))); err == nil || !strings.Contains(err.Error(), "2 MB") {
		t.Errorf("2 MB + 1 = %v, want refused", err)
	}
	if _, err := p.Upload(ctx, "empty.txt", strings.NewReader("")); err == nil {
		t.Error("an empty file was accepted")
	}
	if len(f.Calls()) != 0 {
		t.Error("a refused file made a call")
	}
	if _, err := p.Upload(ctx, "exact.bin", bytes.NewReader(make([]byte, aliyun.MaxUploadSize))); err != nil {
		t.Errorf("exactly 2 MB: %v", err)
	}
	if _, err := p.CreateWith(ctx, providers.CreateRequest{Title: "t"}, aliyun.CreateOptions{Attachments: []aliyun.Attachment{{Key: "pop_temp9/nope.txt"}}}); err == nil {
		t.Error("add accepted an attachment that was never uploaded")
	}
}

// TestUploadRespectsPolicyLimit uses a grant whose policy allows 10 bytes: the file is refused
// before anything is posted.
func TestUploadRespectsPolicyLimit(t *testing.T) {
	posts := 0
	policy := base64.StdEncoding.EncodeToString([]byte(`{"expiration":"2099-01-01T00:00:00.000Z","conditions":[["content-length-range",0,10]]}`))
	var srv *httptest.Server
	srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/oss" {
			posts++
			return
		}
		_ = json.NewEncoder(w).Encode(map[string]any{"success": "true", "code": 200, "data": map[string]any{
			"accessId": "a", "policy": policy, "signature": "s", "dir": "d", "host": strings.TrimPrefix(srv.URL, "http:"), "expire": "1"}})
	}))
	defer srv.Close()
	c := aliyun.ValidConfig()
	c.BaseURL = srv.URL
	p, err := aliyun.New(c)
	if err != nil {
		t.Fatal(err)
	}
	_, err = p.Upload(context.Background(), "a.txt", strings.NewReader("eleven byte"))
	if err == nil || !strings.Contains(err.Error(), "10 bytes") || posts != 0 {
		t.Errorf("err = %v, %d posts", err, posts)
	}
}

// postHook runs before() when a request for path passes.
type postHook struct {
	path   string
	before func()
	next   http.RoundTripper
}

func (h postHook) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.URL.Path == h.path {
		h.before()
	}
	return h.next.RoundTrip(r)
}

func TestUploadOSSRefusalIsAVendorError(t *testing.T) {
	var f *aliyuntest.Server
	hc := &http.Client{Transport: postHook{path: "/oss", before: func() {
		f.SetClock(func() time.Time { return aliyun.FixedNow.Add(3 * time.Minute) }) // the grant expired
	}, next: http.DefaultTransport}}
	p, fake := newFakeProvider(t, nil, aliyun.WithHTTPClient(hc))
	f = fake
	_, err := p.Upload(context.Background(), "a.txt", strings.NewReader("a"))
	var ve *providers.VendorError
	if !errors.As(err, &ve) || ve.Op != "oss_post_object" || ve.Code != "AccessDenied" ||
		ve.Message != "Invalid according to Policy: Policy expired." || ve.Temporary {
		t.Fatalf("err = %v", err)
	}
	if strings.Contains(err.Error(), f.URL()) {
		t.Errorf("error %q carries the upload URL", err)
	}
}

// grant asks the fake for a PostObject grant through the client.
func grant(t *testing.T, p *aliyun.Provider) aliyun.OSSGrant {
	t.Helper()
	var res struct {
		Data aliyun.OSSGrant `json:"data"`
	}
	if err := p.Call(context.Background(), "getOSSTempAuthor", map[string]string{}, &res); err != nil {
		t.Fatal(err)
	}
	return res.Data
}

// postObject posts a hand-made PostObject form; fields are sent in order, "file" where it is.
func postObject(t *testing.T, host string, fields [][2]string, file []byte) (int, string) {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for _, fl := range fields {
		if fl[0] == "file" {
			w, _ := mw.CreateFormFile("file", "a.txt")
			_, _ = w.Write(file)
			continue
		}
		_ = mw.WriteField(fl[0], fl[1])
	}
	_ = mw.Close()
	resp, err := http.Post(host, mw.FormDataContentType(), &buf)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestFakeOSSChecksThePolicy(t *testing.T) {
	p, f := newFakeProvider(t, nil)
	g := grant(t, p)
	doc, _ := base64.StdEncoding.DecodeString(g.Policy)
	var policy struct {
		Expiration string `json:"expiration"`
		Conditions []any  `json:"conditions"`
	}
	if err := json.Unmarshal(doc, &policy); err != nil || policy.Expiration != "2024-01-01T08:02:00.000Z" || len(policy.Conditions) != 2 {
		t.Fatalf("policy = %s", doc)
	}
	form := func(key, pol, id, sig string) [][2]string {
		return [][2]string{{"key", key}, {"policy", pol}, {"OSSAccessKeyId", id}, {"success_action_status", "201"}, {"Signature", sig}, {"file", ""}}
	}
	other := base64.StdEncoding.EncodeToString([]byte(`{"expiration":"2099-01-01T00:00:00Z","conditions":[["content-length-range",0,99999999],["starts-with","$key",""]]}`))
	tests := []struct {
		name     string
		fields   [][2]string
		file     []byte
		wantHTTP int
		wantCode string
	}{
		{"valid", form(g.Dir+"/a.txt", g.Policy, g.AccessID, g.Signature), []byte("a"), 201, ""},
		{"wrong signature", form(g.Dir+"/a.txt", g.Policy, g.AccessID, "AAAA"), []byte("a"), 403, "SignatureDoesNotMatch"},
		{"a policy of one's own", form(g.Dir+"/a.txt", other, g.AccessID, g.Signature), []byte("a"), 403, "SignatureDoesNotMatch"},
		{"key outside the dir", form("elsewhere/a.txt", g.Policy, g.AccessID, g.Signature), []byte("a"), 403, "AccessDenied"},
		{"too large", form(g.Dir+"/big", g.Policy, g.AccessID, g.Signature), make([]byte, aliyun.MaxUploadSize+1), 400, "EntityTooLarge"},
		{"unknown access id", form(g.Dir+"/a.txt", g.Policy, "STS.nobody", g.Signature), []byte("a"), 403, "InvalidAccessKeyId"},
		{"no policy", form(g.Dir+"/a.txt", "", g.AccessID, g.Signature), []byte("a"), 400, "InvalidArgument"},
		{"fields after the file", [][2]string{{"file", ""}, {"key", g.Dir + "/a.txt"}, {"policy", g.Policy},
			{"OSSAccessKeyId", g.AccessID}, {"Signature", g.Signature}}, []byte("a"), 400, "InvalidArgument"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, body := postObject(t, g.Host, tt.fields, tt.file)
			if status != tt.wantHTTP || (tt.wantCode != "" && !strings.Contains(body, "<Code>"+tt.wantCode+"</Code>")) {
				t.Errorf("HTTP %d %s, want %d %s", status, body, tt.wantHTTP, tt.wantCode)
			}
		})
	}
	f.SetClock(func() time.Time { return aliyun.FixedNow.Add(2*time.Minute + time.Second) })
	if status, body := postObject(t, g.Host, form(g.Dir+"/b.txt", g.Policy, g.AccessID, g.Signature), []byte("b")); status != 403 ||
		!strings.Contains(body, "Policy expired") {
		t.Errorf("expired grant: HTTP %d %s", status, body)
	}
}

func TestUpload2021(t *testing.T) {
	p, f := new2021(t)
	ctx := context.Background()
	a, err := p.Upload(ctx, "诊断.log", strings.NewReader("trace"))
	if err != nil {
		t.Fatal(err)
	}
	if c := f.CallsTo("GetAttachmentUploadUrl"); len(c) != 1 || !equalMaps(params(c[0]), map[string]string{"FileName": "诊断.log"}) {
		t.Errorf("GetAttachmentUploadUrl calls = %v", c)
	}
	if obj, ok := f.Object(a.Key); !ok || string(obj.Data) != "trace" || a.Name != "诊断.log" {
		t.Fatalf("object %q = %+v %v", a.Key, obj, ok)
	}
	tk, err := p.CreateWith(ctx, providers.CreateRequest{Title: "t"}, aliyun.CreateOptions{Attachments: []aliyun.Attachment{a}})
	if err != nil {
		t.Fatal(err)
	}
	if got := f.CallsTo("CreateTicket")[0].Params.Get("FileNameList"); got != a.Key {
		t.Errorf("FileNameList = %q", got)
	}
	if err := p.ReplyWith(ctx, tk.ID, providers.Reply{}, aliyun.ReplyOptions{SecretContent: "s", Attachments: []aliyun.Attachment{a}}); err != nil {
		t.Fatal(err)
	}
	if got := params(f.CallsTo("ReplyTicket")[0]); got["FileNameList"] != a.Key || got["Encrypt"] != "true" {
		t.Errorf("ReplyTicket = %v", got)
	}
	ds, err := p.NoteDetails(ctx, tk.ID)
	if err != nil || len(ds[0].Attachments) != 1 || download(t, ds[0].Attachments[0].URL) != "trace" {
		t.Errorf("notes = %+v, %v", ds, err)
	}
}

func TestFakeSignedURLs(t *testing.T) {
	p, _ := new2021(t)
	var res struct {
		Data struct{ ObjectKey, PutSignedUrl, GetSignedUrl string } `json:"Data"`
	}
	if err := p.Call(context.Background(), "GetAttachmentUploadUrl", map[string]string{"FileName": "a.txt"}, &res); err != nil {
		t.Fatal(err)
	}
	put := func(u string) int {
		req, _ := http.NewRequest(http.MethodPut, u, strings.NewReader("x"))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if got := put(strings.Replace(res.Data.PutSignedUrl, "Signature=", "Signature=x", 1)); got != 403 {
		t.Errorf("tampered PUT: HTTP %d", got)
	}
	if got := put(res.Data.GetSignedUrl); got != 403 {
		t.Errorf("PUT with the GET link: HTTP %d", got)
	}
	if got := put(res.Data.PutSignedUrl); got != 200 {
		t.Errorf("PUT: HTTP %d", got)
	}
}
