package aliyun

import (
	"bytes"
	"cmp"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"path"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/ticketbot/ticketbot/providers"
)

// This file uploads attachments and links to them.
//
// 2016-08-30 (V1.3 document, 上传附件): getOSSTempAuthor grants a browser-style OSS PostObject
// policy for about 2 minutes (accessId, policy, signature, host, dir); the file is POSTed to
// host as multipart/form-data under a key starting with dir, then the key is passed in add's
// or QuestionReply's attachments. Aliyun's OSS document for the form is help.aliyun 31926 /
// 31852 (PostObject).
//
// 2021-06-10 (reference §2.4): GetAttachmentUploadUrl(FileName) answers an ObjectKey and a
// signed PUT URL; the file is PUT there and the ObjectKey passed in FileNameList.

// MaxUploadSize is the largest attachment Aliyun takes ("可上传最大附件尺寸为 2M"). The 2021
// limit is unpublished; the same is assumed.
const MaxUploadSize = 2 << 20

// Attachment is an uploaded file; pass it in CreateOptions or ReplyOptions.
type Attachment struct {
	// Key is the OSS object key that add, QuestionReply (attachments) and CreateTicket,
	// ReplyTicket (FileNameList) take.
	Key  string
	Name string
	Size int64
}

// ossGrant is getOSSTempAuthor's data (V1.3 document): a PostObject policy and its signature.
type ossGrant struct {
	AccessID  string     `json:"accessId"`
	Expire    flexString `json:"expire"`
	Host      string     `json:"host"`
	Policy    string     `json:"policy"`
	Dir       string     `json:"dir"`
	Signature string     `json:"signature"`
}

// Upload sends a file of at most MaxUploadSize to Aliyun's OSS and returns it as an
// attachment for CreateWith or ReplyWith. name is reduced to a safe base name (no path, no
// commas: keys travel comma-joined). The upload is never retried; the grant before it is.
func (p *Provider) Upload(ctx context.Context, name string, r io.Reader) (Attachment, error) {
	fail := func(err error) (Attachment, error) {
		return Attachment{}, fmt.Errorf("aliyun: upload %q: %w", name, err)
	}
	data, err := io.ReadAll(io.LimitReader(r, MaxUploadSize+1))
	if err != nil {
		return fail(err)
	}
	switch {
	case len(data) > MaxUploadSize:
		return fail(fmt.Errorf("the file is larger than %d MB, Aliyun's limit", MaxUploadSize>>20))
	case len(data) == 0:
		return fail(errors.New("the file is empty"))
	}
	base := safeName(name)
	var a Attachment
	if p.v2021 {
		a, err = p.uploadPut(ctx, base, data)
	} else {
		a, err = p.uploadPost(ctx, base, data)
	}
	if err != nil {
		return fail(err)
	}
	return a, nil
}

// uploadPost is the 2016 upload: getOSSTempAuthor, then an OSS PostObject.
func (p *Provider) uploadPost(ctx context.Context, name string, data []byte) (Attachment, error) {
	action, err := p.action(OpOSSAuth)
	if err != nil {
		return Attachment{}, err
	}
	var res struct {
		Data ossGrant `json:"data"`
	}
	if err := p.c.call(ctx, rpc{action: action, params: map[string]string{}, read: true}, &res); err != nil {
		return Attachment{}, err
	}
	g := res.Data
	if g.AccessID == "" || g.Policy == "" || g.Signature == "" || g.Host == "" {
		return Attachment{}, fmt.Errorf("%s answered without accessId, policy, signature or host", action)
	}
	if limit := policyMaxSize(g.Policy); limit >= 0 && int64(len(data)) > limit {
		return Attachment{}, fmt.Errorf("the file is larger than the %d bytes the upload policy allows", limit)
	}
	key := objectKey(g.Dir, name)

	// OSS reads the form fields in order and wants the file last: fields after it are
	// ignored (PostObject, "file 必须为最后一个表单域").
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for _, f := range [][2]string{
		{"key", key},
		{"policy", g.Policy},
		{"OSSAccessKeyId", g.AccessID},
		{"success_action_status", "200"},
		{"Signature", g.Signature},
	} {
		if err := mw.WriteField(f[0], f[1]); err != nil {
			return Attachment{}, err
		}
	}
	fw, err := mw.CreateFormFile("file", name)
	if err != nil {
		return Attachment{}, err
	}
	if _, err := fw.Write(data); err != nil {
		return Attachment{}, err
	}
	if err := mw.Close(); err != nil {
		return Attachment{}, err
	}
	if err := p.ossSend(ctx, "oss_post_object", http.MethodPost, hostURL(g.Host), mw.FormDataContentType(), buf.Bytes()); err != nil {
		return Attachment{}, err
	}
	return Attachment{Key: key, Name: name, Size: int64(len(data))}, nil
}

// uploadPut is the 2021 upload: GetAttachmentUploadUrl, then a PUT to the signed URL.
func (p *Provider) uploadPut(ctx context.Context, name string, data []byte) (Attachment, error) {
	action, err := p.action(OpUploadURL)
	if err != nil {
		return Attachment{}, err
	}
	var res struct {
		Data struct {
			ObjectKey    string `json:"ObjectKey"`
			PutSignedURL string `json:"PutSignedUrl"`
		} `json:"Data"`
	}
	if err := p.c.call(ctx, rpc{action: action, params: map[string]string{"FileName": name}, read: true}, &res); err != nil {
		return Attachment{}, err
	}
	d := res.Data
	if d.ObjectKey == "" || d.PutSignedURL == "" {
		return Attachment{}, fmt.Errorf("%s answered without ObjectKey or PutSignedUrl", action)
	}
	if err := p.ossSend(ctx, "oss_put_object", http.MethodPut, d.PutSignedURL, "", data); err != nil {
		return Attachment{}, err
	}
	return Attachment{Key: d.ObjectKey, Name: name, Size: int64(len(data))}, nil
}

// ossRequestIDHeader is the header naming every OSS answer.
const ossRequestIDHeader = "x-oss-request-id"

// ossError is OSS's XML error body.
type ossError struct {
	Code      string `xml:"Code"`
	Message   string `xml:"Message"`
	RequestID string `xml:"RequestId"`
}

// ossSend sends a file to OSS. A refusal becomes a *providers.VendorError with OSS's own code
// and message (Op oss_post_object or oss_put_object). The answer's request id, failed or not,
// goes to the context's request log. The URL is never put in an error: a signed URL is a
// credential.
func (p *Provider) ossSend(ctx context.Context, op, method, target, contentType string, body []byte) error {
	reqCtx, cancel := context.WithTimeout(ctx, p.c.timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(reqCtx, method, target, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("%s: the upload address is not a URL", op)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := p.c.http.Do(req)
	if err != nil {
		return p.c.transportError(ctx, rpc{action: op}, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	// OSS names every answer in x-oss-request-id (its common response headers), an error also
	// in the XML's RequestId.
	requestID := resp.Header.Get(ossRequestIDHeader)
	if resp.StatusCode >= 200 && resp.StatusCode <= 299 {
		providers.NoteRequestID(ctx, requestID)
		return nil
	}
	var oe ossError
	if xml.Unmarshal(raw, &oe) != nil || oe.Code == "" {
		oe = ossError{Code: "HTTP " + strconv.Itoa(resp.StatusCode), Message: http.StatusText(resp.StatusCode)}
	}
	requestID = cmp.Or(requestID, oe.RequestID)
	providers.NoteRequestID(ctx, requestID)
	return p.c.vendorError(rpc{action: op}, oe.Code, oe.Message, requestID,
		resp.StatusCode >= 500 || resp.StatusCode == http.StatusTooManyRequests)
}

// AttachmentURL returns a download link for an attachment id of a 2016 note
// (NoteDetail.AttachIDs), valid about 2 minutes: make it when the person asks, not into a card
// that lives on (getAttachTempURL, one attachment per call). 2021-06-10 notes carry their links
// (NoteDetail.Attachments), so there it is ErrUnsupported.
func (p *Provider) AttachmentURL(ctx context.Context, attachID string) (string, error) {
	fail := func(err error) (string, error) {
		return "", fmt.Errorf("aliyun: attachment %s: %w", attachID, err)
	}
	if p.v2021 {
		return fail(fmt.Errorf("%w: 2021-06-10 notes carry their attachment links", providers.ErrUnsupported))
	}
	action, err := p.action(OpAttachURL)
	if err != nil {
		return fail(err)
	}
	if strings.TrimSpace(attachID) == "" {
		return fail(errors.New("empty attachment id"))
	}
	var res envelope
	if err := p.c.call(ctx, rpc{action: action, params: map[string]string{"attachId": attachID}, read: true}, &res); err != nil {
		return fail(err)
	}
	var u flexString
	if err := json.Unmarshal(res.Data, &u); err != nil || u == "" {
		return fail(fmt.Errorf("%s answered without a URL (request_id %s)", action, res.RequestID))
	}
	return string(u), nil
}

// hostURL makes getOSSTempAuthor's host a URL: it may come without a scheme.
func hostURL(host string) string {
	host = strings.TrimSpace(host)
	switch {
	case strings.HasPrefix(host, "http://"), strings.HasPrefix(host, "https://"):
		return host
	case strings.HasPrefix(host, "//"):
		return "https:" + host
	}
	return "https://" + host
}

// objectKey puts a file under the granted dir ("如 dir 为 pop_temp123，则往 oss post 数据时文件名
// 为 pop_temp123/filename"), with a random prefix so two files of the same name in one dir do
// not overwrite each other.
func objectKey(dir, name string) string {
	var b [4]byte
	_, _ = rand.Read(b[:])
	file := hex.EncodeToString(b[:]) + "_" + name
	if dir = strings.Trim(dir, "/"); dir == "" {
		return file
	}
	return dir + "/" + file
}

// safeName reduces a file name to a base name fit for an object key: no directories, no
// control characters, no commas (keys travel comma-joined), at most 100 bytes.
func safeName(name string) string {
	name = path.Base(strings.ReplaceAll(strings.TrimSpace(name), `\`, "/"))
	if name == "/" || name == "." || name == ".." {
		return "file"
	}
	name = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || r == ',' || r == '/' || r == utf8.RuneError {
			return '_'
		}
		return r
	}, strings.TrimSpace(name))
	for len(name) > 100 {
		_, size := utf8.DecodeLastRuneInString(name)
		name = name[:len(name)-size]
	}
	if name == "" || name == "." || name == ".." {
		return "file"
	}
	return name
}

// policyMaxSize reads the content-length-range maximum of a base64 PostObject policy, or -1
// when the policy sets none or does not decode: OSS enforces it anyway, this only saves a
// doomed upload.
func policyMaxSize(policy string) int64 {
	raw, err := base64.StdEncoding.DecodeString(policy)
	if err != nil {
		return -1
	}
	var doc struct {
		Conditions []json.RawMessage `json:"conditions"`
	}
	if json.Unmarshal(raw, &doc) != nil {
		return -1
	}
	for _, c := range doc.Conditions {
		var cond []json.RawMessage
		if json.Unmarshal(c, &cond) != nil || len(cond) != 3 {
			continue
		}
		var name string
		var limit flexInt
		if json.Unmarshal(cond[0], &name) == nil && name == "content-length-range" && json.Unmarshal(cond[2], &limit) == nil {
			return int64(limit)
		}
	}
	return -1
}
