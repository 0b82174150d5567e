package aliyuntest

import (
	"bytes"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha1"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/ticketbot/ticketbot/providers/aliyun"
)

// This file is the fake's OSS: the upload grants (getOSSTempAuthor, GetAttachmentUploadUrl),
// PostObject at /oss as OSS checks it (help.aliyun 31926, 31852), signed PUT and GET at
// /oss/<key>, and the attachment links (getAttachTempURL).

// fakeGrantTTL is how long an upload grant lives ("一般有效期 2 分钟").
const fakeGrantTTL = 2 * time.Minute

// getOSSTempAuthor grants a PostObject policy: content-length-range up to 2 MB and keys under
// a fresh dir, signed with a fresh temporary secret.
func (f *Server) getOSSTempAuthor(url.Values) fakeReply {
	f.nextGrant++
	var b [16]byte
	_, _ = rand.Read(b[:])
	id := fmt.Sprintf("STS.fake%04d", f.nextGrant)
	g := fakeGrant{secret: hex.EncodeToString(b[:]), dir: fmt.Sprintf("pop_temp%d", f.nextGrant), expire: f.now().Add(fakeGrantTTL)}
	f.grants[id] = g
	doc, _ := json.Marshal(map[string]any{
		"expiration": g.expire.UTC().Format("2006-01-02T15:04:05.000Z"),
		"conditions": []any{
			[]any{"content-length-range", 0, aliyun.MaxUploadSize},
			[]any{"starts-with", "$key", g.dir + "/"},
		},
	})
	policy := base64.StdEncoding.EncodeToString(doc)
	return fakeOK16(map[string]any{
		"accessId": id, "expire": strconv.FormatInt(g.expire.Unix(), 10), "host": f.URL() + "/oss",
		"policy": policy, "dir": g.dir, "signature": hmacB64(g.secret, policy),
	})
}

// getAttachTempURL answers a signed download link for an attachment id.
func (f *Server) getAttachTempURL(p url.Values) fakeReply {
	key, ok := f.attachIndex[p.Get("attachId")]
	if !ok {
		return fakeErr16(ErrParam, "ILLEGAL_PARAM: 附件不存在")
	}
	return fakeOK16(f.signedURL(http.MethodGet, key))
}

// getAttachmentUploadURL answers an object key and signed PUT and GET URLs (2021).
func (f *Server) getAttachmentUploadURL(p url.Values) fakeReply {
	f.nextGrant++
	key := fmt.Sprintf("workorder/%d/%s", f.nextGrant, safeName(p.Get("FileName")))
	return fakeOK21(map[string]any{
		"ObjectKey": key, "PutSignedUrl": f.signedURL(http.MethodPut, key), "GetSignedUrl": f.signedURL(http.MethodGet, key),
	})
}

// hmacB64 is base64(HMAC-SHA1(secret, msg)): the PostObject policy signature.
func hmacB64(secret, msg string) string {
	m := hmac.New(sha1.New, []byte(secret))
	m.Write([]byte(msg))
	return base64.StdEncoding.EncodeToString(m.Sum(nil))
}

// signedURL is a link to /oss/<key> for one method, valid fakeGrantTTL. The caller holds f.mu.
func (f *Server) signedURL(method, key string) string {
	exp := strconv.FormatInt(f.now().Add(fakeGrantTTL).Unix(), 10)
	var segs []string
	for s := range strings.SplitSeq(key, "/") {
		segs = append(segs, url.PathEscape(s))
	}
	q := url.Values{"Expires": {exp}, "Signature": {hmacB64(f.ossSecret, method+"\n"+key+"\n"+exp)}}
	return f.URL() + "/oss/" + strings.Join(segs, "/") + "?" + q.Encode()
}

// checkSigned verifies a signed link. The caller holds f.mu.
func (f *Server) checkSigned(w http.ResponseWriter, r *http.Request, key string) bool {
	exp := r.URL.Query().Get("Expires")
	n, err := strconv.ParseInt(exp, 10, 64)
	if err != nil || !hmac.Equal([]byte(hmacB64(f.ossSecret, r.Method+"\n"+key+"\n"+exp)), []byte(r.URL.Query().Get("Signature"))) {
		ossFail(w, http.StatusForbidden, "SignatureDoesNotMatch", "The request signature we calculated does not match the signature you provided.")
		return false
	}
	if f.now().Unix() > n {
		ossFail(w, http.StatusForbidden, "AccessDenied", "Request has expired.")
		return false
	}
	return true
}

// ossFail writes OSS's XML error, its RequestId the one already set in x-oss-request-id.
func ossFail(w http.ResponseWriter, status int, code, msg string) {
	var b bytes.Buffer
	b.WriteString(xml.Header + "<Error>\n  <Code>")
	_ = xml.EscapeText(&b, []byte(code))
	b.WriteString("</Code>\n  <Message>")
	_ = xml.EscapeText(&b, []byte(msg))
	b.WriteString("</Message>\n  <RequestId>")
	_ = xml.EscapeText(&b, []byte(w.Header().Get(ossRequestIDHeader)))
	b.WriteString("</RequestId>\n  <HostId>fake.oss-cn-hangzhou.aliyuncs.com</HostId>\n</Error>\n")
	w.Header().Set("Content-Type", "application/xml")
	w.WriteHeader(status)
	_, _ = w.Write(b.Bytes())
}

// postForm is a PostObject form as read in order.
type postForm struct {
	fields    map[string]string
	fileName  string
	data      []byte
	fileSeen  bool
	afterFile []string // fields sent after the file
}

// readPostForm reads a multipart PostObject body in order, the file at most 2 MB + 1 byte.
func readPostForm(r *http.Request) (postForm, error) {
	form := postForm{fields: map[string]string{}}
	mr, err := r.MultipartReader()
	if err != nil {
		return form, err
	}
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			return form, nil
		}
		if err != nil {
			return form, err
		}
		name := part.FormName()
		switch {
		case form.fileSeen:
			form.afterFile = append(form.afterFile, name)
		case name == "file":
			form.fileSeen, form.fileName = true, part.FileName()
			form.data, err = io.ReadAll(io.LimitReader(part, aliyun.MaxUploadSize+1))
		default:
			var v []byte
			v, err = io.ReadAll(io.LimitReader(part, 64<<10))
			form.fields[name] = string(v)
		}
		_ = part.Close()
		if err != nil {
			return form, err
		}
	}
}

// servePostObject is OSS PostObject: the form's policy, signature and conditions checked as
// OSS does, the file stored under its key.
func (f *Server) servePostObject(w http.ResponseWriter, r *http.Request) {
	form, err := readPostForm(r)
	params := url.Values{}
	for k, v := range form.fields {
		params.Set(k, v)
	}
	if form.fileSeen {
		params.Set("file", form.fileName)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, Call{Method: r.Method, Path: r.URL.Path, Params: params, Header: r.Header.Clone()})
	w.Header().Set(ossRequestIDHeader, f.newRequestID(fakeOSSRequestID))
	if err != nil {
		ossFail(w, http.StatusBadRequest, "MalformedPOSTRequest", "The body of your POST request is not well-formed multipart/form-data.")
		return
	}
	key, policy, sig := form.fields["key"], form.fields["policy"], form.fields["Signature"]
	switch {
	case !form.fileSeen:
		ossFail(w, http.StatusBadRequest, "InvalidArgument", "The file field is missing.")
		return
	case len(form.afterFile) > 0:
		// OSS ignores fields after the file; the fake refuses them, so a client that puts its
		// key or policy there fails a test instead of uploading without them.
		ossFail(w, http.StatusBadRequest, "InvalidArgument", "The file field must be the last one, not before "+strings.Join(form.afterFile, ", ")+".")
		return
	case key == "" || policy == "" || sig == "" || form.fields["OSSAccessKeyId"] == "":
		ossFail(w, http.StatusBadRequest, "InvalidArgument", "key, policy, OSSAccessKeyId and Signature are required.")
		return
	}
	g, ok := f.grants[form.fields["OSSAccessKeyId"]]
	if !ok {
		ossFail(w, http.StatusForbidden, "InvalidAccessKeyId", "The OSS Access Key Id you provided does not exist in our records.")
		return
	}
	if !hmac.Equal([]byte(hmacB64(g.secret, policy)), []byte(sig)) {
		ossFail(w, http.StatusForbidden, "SignatureDoesNotMatch", "The request signature we calculated does not match the signature you provided.")
		return
	}
	if code, msg, status := f.checkPolicy(policy, key, int64(len(form.data))); code != "" {
		ossFail(w, status, code, msg)
		return
	}
	if len(form.data) > aliyun.MaxUploadSize {
		ossFail(w, http.StatusBadRequest, "EntityTooLarge", "Your proposed upload exceeds the maximum allowed size.")
		return
	}
	f.objects[key] = &Object{Key: key, Name: form.fileName, Data: form.data}
	switch form.fields["success_action_status"] {
	case "200":
		w.WriteHeader(http.StatusOK)
	case "201":
		w.Header().Set("Content-Type", "application/xml")
		w.WriteHeader(http.StatusCreated)
		fmt.Fprintf(w, "%s<PostResponse><Bucket>fake</Bucket><Key>%s</Key></PostResponse>\n", xml.Header, key)
	default:
		w.WriteHeader(http.StatusNoContent)
	}
}

// checkPolicy checks a PostObject policy: base64 JSON, not expired, and every condition the
// fake knows (content-length-range, starts-with $key, eq $key). It returns OSS's code, message
// and status, or "" when the upload may proceed. The caller holds f.mu.
func (f *Server) checkPolicy(policy, key string, size int64) (code, msg string, status int) {
	raw, err := base64.StdEncoding.DecodeString(policy)
	var doc struct {
		Expiration string            `json:"expiration"`
		Conditions []json.RawMessage `json:"conditions"`
	}
	if err != nil || json.Unmarshal(raw, &doc) != nil {
		return "InvalidPolicyDocument", "Invalid Policy: Invalid JSON.", http.StatusBadRequest
	}
	exp, err := time.Parse(time.RFC3339, doc.Expiration)
	if err != nil {
		return "InvalidPolicyDocument", "Invalid Policy: Invalid 'expiration' value.", http.StatusBadRequest
	}
	if f.now().After(exp) {
		return "AccessDenied", "Invalid according to Policy: Policy expired.", http.StatusForbidden
	}
	hasPrefix := false
	for _, c := range doc.Conditions {
		var cond []any
		if json.Unmarshal(c, &cond) != nil || len(cond) != 3 {
			continue // {"bucket": …} and other object forms
		}
		op, _ := cond[0].(string)
		switch op {
		case "content-length-range":
			lo, _ := cond[1].(float64)
			hi, _ := cond[2].(float64)
			if size > int64(hi) {
				return "EntityTooLarge", "Your proposed upload exceeds the maximum allowed size.", http.StatusBadRequest
			}
			if size < int64(lo) {
				return "EntityTooSmall", "Your proposed upload is smaller than the minimum allowed size.", http.StatusBadRequest
			}
		case "starts-with", "eq":
			field, _ := cond[1].(string)
			want, _ := cond[2].(string)
			if field != "$key" {
				continue
			}
			hasPrefix = true
			if (op == "starts-with" && !strings.HasPrefix(key, want)) || (op == "eq" && key != want) {
				b, _ := json.Marshal(cond)
				return "AccessDenied", "Invalid according to Policy: Policy Condition failed: " + string(b), http.StatusForbidden
			}
		}
	}
	if !hasPrefix {
		return "AccessDenied", "Invalid according to Policy: the fake's policies always bound the key.", http.StatusForbidden
	}
	return "", "", 0
}

// servePutObject stores a file PUT to a signed URL (2021 GetAttachmentUploadUrl).
func (f *Server) servePutObject(w http.ResponseWriter, r *http.Request) {
	key := r.PathValue("key")
	data, err := io.ReadAll(io.LimitReader(r.Body, aliyun.MaxUploadSize+1))
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, Call{Method: r.Method, Path: r.URL.Path, Params: url.Values{"key": {key}}, Header: r.Header.Clone()})
	w.Header().Set(ossRequestIDHeader, f.newRequestID(fakeOSSRequestID))
	if !f.checkSigned(w, r, key) {
		return
	}
	if err != nil || len(data) > aliyun.MaxUploadSize {
		ossFail(w, http.StatusBadRequest, "EntityTooLarge", "Your proposed upload exceeds the maximum allowed size.")
		return
	}
	name := key[strings.LastIndex(key, "/")+1:]
	f.objects[key] = &Object{Key: key, Name: name, Data: data}
	w.WriteHeader(http.StatusOK)
}

// serveGetObject serves a stored file at a signed URL.
func (f *Server) serveGetObject(w http.ResponseWriter, r *http.Request) {
	key := r.PathValue("key")
	f.mu.Lock()
	defer f.mu.Unlock()
	w.Header().Set(ossRequestIDHeader, f.newRequestID(fakeOSSRequestID))
	if !f.checkSigned(w, r, key) {
		return
	}
	o, ok := f.objects[key]
	if !ok {
		ossFail(w, http.StatusNotFound, "NoSuchKey", "The specified key does not exist.")
		return
	}
	w.Header().Set("Content-Length", strconv.Itoa(len(o.Data)))
	_, _ = w.Write(o.Data)
}

// sorted returns the tickets newest first, as a ticket list shows them. The caller holds f.mu.
func (f *Server) sorted() []*Ticket {
	out := make([]*Ticket, 0, len(f.tickets))
	for _, t := range f.tickets {
		out = append(out, t)
	}
	slices.SortFunc(out, func(a, b *Ticket) int { return strings.Compare(b.ID, a.ID) })
	return out
}
