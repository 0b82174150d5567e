package aliyuntest

import (
	"cmp"
	"crypto/hmac"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/ticketbot/ticketbot/providers/aliyun"
)

// This file is the fake's RPC side: recording, authentication (signature v1 recomputed from the
// received parameters), parameter checks, and one handler per action of both versions.

// fakeReply is what a fake handler answers: an HTTP status and a JSON body.
type fakeReply struct {
	status int
	body   map[string]any
}

// fakeAction is one action: the parameters it takes (all others are refused), those it
// requires, and its handler. repeat names a repeat-list prefix ("StatusList.") it also takes.
type fakeAction struct {
	params   []string
	required []string
	repeat   string
	fn       func(p url.Values) fakeReply
}

// fakeCommon are the common parameters of every call (reference §2.3).
var fakeCommon = map[string]bool{
	"Action": true, "Version": true, "Format": true, "AccessKeyId": true, "SignatureMethod": true,
	"SignatureVersion": true, "SignatureNonce": true, "Timestamp": true, "Signature": true,
	"SecurityToken": true, "RegionId": true,
}

func (f *Server) serveRPC(w http.ResponseWriter, r *http.Request) {
	_ = r.ParseForm() // query and form body, as POP reads them
	params := url.Values{}
	for k, v := range r.Form {
		params[k] = slices.Clone(v)
	}
	call := Call{Method: r.Method, Path: r.URL.Path, Action: params.Get("Action"), Version: params.Get("Version"),
		Params: params, Header: r.Header.Clone()}

	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, call)
	version := params.Get("Version")
	if i := slices.IndexFunc(f.failures, func(x fakeFailure) bool { return x.action == "" || x.action == call.Action }); i >= 0 {
		fail := f.failures[i]
		f.failures = slices.Delete(f.failures, i, i+1)
		if fail.httpStatus != 0 {
			w.Header().Set(requestIDHeader, f.newRequestID(fakeRPCRequestID))
			http.Error(w, http.StatusText(fail.httpStatus), fail.httpStatus)
			return
		}
		if version == aliyun.Version2021 {
			status := http.StatusBadRequest
			if temporaryCode(fail.code) {
				status = http.StatusServiceUnavailable
			}
			f.write(w, fakeErr21(status, fail.code, fail.message))
			return
		}
		f.write(w, fakeErr16(fail.code, fail.message))
		return
	}
	if rep, ok := f.authenticate(r.Method, params); !ok {
		f.write(w, rep)
		return
	}
	actions, ok := f.routes()[version]
	if !ok {
		f.write(w, fakeGateway(http.StatusBadRequest, "InvalidVersion", "Specified parameter Version is not valid."))
		return
	}
	act, ok := actions[params.Get("Action")]
	if !ok {
		f.write(w, fakeGateway(http.StatusNotFound, "InvalidAction.NotFound", "Specified api is not found, please check your url and method."))
		return
	}
	if rep, ok := f.checkParams(version, act, params); !ok {
		f.write(w, rep)
		return
	}
	rep := act.fn(params)
	if f.lose > 0 {
		f.lose--
		loseAnswer(w)
		return
	}
	f.write(w, rep)
}

// loseAnswer closes the connection without an answer.
func loseAnswer(w http.ResponseWriter) {
	if hj, ok := w.(http.Hijacker); ok {
		if conn, _, err := hj.Hijack(); err == nil {
			_ = conn.Close()
			return
		}
	}
	panic(http.ErrAbortHandler) // closes the connection as well, without a log line
}

// write sends a reply with a RequestId, in the body and in the x-acs-request-id header as the
// gateway does. The caller holds f.mu.
func (f *Server) write(w http.ResponseWriter, rep fakeReply) {
	id := f.newRequestID(fakeRPCRequestID)
	rep.body["RequestId"] = id
	w.Header().Set(requestIDHeader, id)
	w.Header().Set("Content-Type", "application/json;charset=utf-8")
	w.WriteHeader(rep.status)
	_ = json.NewEncoder(w).Encode(rep.body)
}

// The fake's request ids, formats of its answer counter: a POP RequestId is a UUID, an OSS one
// 24 hex digits.
const (
	fakeRPCRequestID = "FAKE%04[1]X-0000-4000-8000-%012[1]d"
	fakeOSSRequestID = "FA4E%020[1]X"
)

// newRequestID makes the next request id in a format and records it as sent. The caller holds
// f.mu.
func (f *Server) newRequestID(format string) string {
	f.nextReq++
	id := fmt.Sprintf(format, f.nextReq)
	f.sent = append(f.sent, id)
	return id
}

// fakeGateway is the POP gateway's error shape (signature, version, action problems).
func fakeGateway(status int, code, msg string) fakeReply {
	return fakeReply{status: status, body: map[string]any{
		"Code": code, "Message": msg, "HostId": "workorder.aliyuncs.com",
		"Recommend": "https://api.aliyun.com/troubleshoot?q=" + code,
	}}
}

// fakeOK16 is a 2016 success in the V1.3 document's shape.
func fakeOK16(data any) fakeReply {
	body := map[string]any{"success": true, "code": "200", "message": "successful"}
	if data != nil {
		body["data"] = data
	}
	return fakeReply{status: http.StatusOK, body: body}
}

// fakeErr16 is a 2016 failure: HTTP 200, success false, code (INT in the V1.3 document).
func fakeErr16(code, msg string) fakeReply {
	var c any = code
	if n, err := strconv.Atoi(code); err == nil {
		c = n
	}
	return fakeReply{status: http.StatusOK, body: map[string]any{"success": false, "code": c, "message": msg}}
}

// fakeOK21 is a 2021 success.
func fakeOK21(data any) fakeReply {
	body := map[string]any{"Success": true, "Code": "200", "Message": "successful"}
	if data != nil {
		body["Data"] = data
	}
	return fakeReply{status: http.StatusOK, body: body}
}

// fakeErr21 is a 2021 failure: an HTTP error status with Success false, Code, Message.
func fakeErr21(status int, code, msg string) fakeReply {
	return fakeReply{status: status, body: map[string]any{"Success": false, "Code": code, "Message": msg}}
}

// paramErr is a bad parameter in the called version's shape.
func paramErr(version, code16, msg string) fakeReply {
	if version == aliyun.Version2021 {
		return fakeErr21(http.StatusBadRequest, ErrParam21, msg)
	}
	return fakeErr16(code16, msg)
}

// authenticate checks the common parameters and signature v1 as the POP gateway does.
func (f *Server) authenticate(method string, p url.Values) (fakeReply, bool) {
	for _, k := range []string{"AccessKeyId", "Action", "Format", "SignatureMethod", "SignatureNonce",
		"SignatureVersion", "Signature", "Timestamp", "Version"} {
		if p.Get(k) == "" {
			return fakeGateway(http.StatusBadRequest, "MissingParameter",
				fmt.Sprintf("The input parameter %q that is mandatory for processing this request is not supplied.", k)), false
		}
	}
	if p.Get("SignatureMethod") != signatureMethod || p.Get("SignatureVersion") != signatureVersion {
		return fakeGateway(http.StatusBadRequest, "IncompleteSignature", "The request signature does not conform to Aliyun standards."), false
	}
	if p.Get("Format") != "JSON" {
		return fakeGateway(http.StatusBadRequest, "InvalidParameter", "The fake answers Format=JSON only."), false
	}
	if p.Get("AccessKeyId") != f.keyID {
		return fakeGateway(http.StatusNotFound, ErrAccessKey, "Specified access key is not found."), false
	}
	ts, err := time.Parse(timestampLayout, p.Get("Timestamp"))
	if err != nil {
		return fakeGateway(http.StatusBadRequest, "InvalidTimeStamp.Format", "Specified time stamp or date value is not well formatted."), false
	}
	now := f.now()
	if d := now.Sub(ts); d > fakeSkew || d < -fakeSkew {
		return fakeGateway(http.StatusBadRequest, ErrTimestamp, "Specified time stamp or date value is expired."), false
	}
	flat := make(map[string]string, len(p))
	for k := range p {
		flat[k] = p.Get(k)
	}
	sts := stringToSign(method, canonicalQuery(flat))
	if !hmac.Equal([]byte(sign(f.secret, sts)), []byte(p.Get("Signature"))) {
		return fakeGateway(http.StatusBadRequest, ErrSignature,
			"Specified signature is not matched with our calculation. server "+stringToSignMarker+sts), false
	}
	nonce := p.Get("SignatureNonce")
	if _, used := f.nonces[nonce]; used {
		return fakeGateway(http.StatusBadRequest, ErrNonce, "Specified signature nonce was used already."), false
	}
	f.nonces[nonce] = now
	maps.DeleteFunc(f.nonces, func(_ string, at time.Time) bool { return now.Sub(at) > 2*fakeSkew })
	return fakeReply{}, true
}

// checkParams refuses unknown parameters and reports the first missing required one.
func (f *Server) checkParams(version string, act fakeAction, p url.Values) (fakeReply, bool) {
	for _, k := range slices.Sorted(maps.Keys(p)) {
		if fakeCommon[k] || slices.Contains(act.params, k) || (act.repeat != "" && strings.HasPrefix(k, act.repeat)) {
			continue
		}
		return paramErr(version, ErrParam, "ILLEGAL_PARAM: unknown parameter "+k), false
	}
	for _, k := range act.required {
		if strings.TrimSpace(p.Get(k)) == "" {
			if version == aliyun.Version2021 {
				return fakeErr21(http.StatusBadRequest, ErrParam21, k+" is mandatory for this action"), false
			}
			return fakeErr16(ErrParamEmpty, "ILLEGAL_PARAM_EMPTY: "+k), false
		}
	}
	return fakeReply{}, true
}

// routes are the actions by version. The caller holds f.mu.
func (f *Server) routes() map[string]map[string]fakeAction {
	n := f.names
	add := fakeAction{
		params:   []string{"productId", "customerCommonQuestionId", "title", "content", "secContent", "aliUid", "phone", "smsAlertTime", "email", "attachments"},
		required: []string{"content", "aliUid"},
		fn:       f.add,
	}
	return map[string]map[string]fakeAction{
		aliyun.Version2016: {
			"add": add,
			"Add": add, // help.aliyun 143228's example writes Action=Add
			"QuestionReply": {
				params:   []string{n.QuestionID, n.QuestionContent, n.QuestionSecContent, "attachments"},
				required: []string{n.QuestionID},
				fn:       f.questionReply,
			},
			"QuestionListNote": {params: []string{n.QuestionID}, required: []string{n.QuestionID}, fn: f.questionListNote},
			"QuestionList": {
				params: []string{n.IDs, n.AddStartTime, n.AddEndTime, n.ProductIDs, n.PageSize, n.QuestionStatus, n.PageStart},
				fn:     f.questionList,
			},
			"getOSSTempAuthor": {fn: f.getOSSTempAuthor},
			"getAttachTempURL": {params: []string{"attachId"}, required: []string{"attachId"}, fn: f.getAttachTempURL},
		},
		aliyun.Version2021: {
			"CreateTicket": {
				params:   []string{"Description", "Severity", "CategoryId", "Title", "CreatorId", "Email", "FileNameList", "SecretInfo"},
				required: []string{"Description", "Severity", "CategoryId"},
				fn:       f.createTicket,
			},
			"ReplyTicket": {
				params:   []string{"TicketId", "Content", "Encrypt", "FileNameList", "Uid"},
				required: []string{"TicketId", "Content", "Encrypt"},
				fn:       f.replyTicket,
			},
			"CloseTicket":     {params: []string{"TicketId", "Uid"}, required: []string{"TicketId"}, fn: f.closeTicket},
			"ReopenTicket":    {params: []string{"TicketId", "Content"}, required: []string{"TicketId"}, fn: f.reopenTicket},
			"GetTicket":       {params: []string{"TicketId"}, required: []string{"TicketId"}, fn: f.getTicket},
			"ListTicketNotes": {params: []string{"TicketId"}, required: []string{"TicketId"}, fn: f.listTicketNotes},
			"ListTickets": {
				params:   []string{"PageNumber", "PageSize", "StartDate", "EndDate", "TicketId", "TicketIdList", "Keyword", "Uid"},
				required: []string{"PageNumber", "PageSize"},
				repeat:   "StatusList.",
				fn:       f.listTickets,
			},
			"ListProducts":           {params: []string{"Name", "Language"}, fn: f.listProducts},
			"ListCategories":         {params: []string{"ProductId", "Name"}, required: []string{"ProductId"}, fn: f.listCategories},
			"GetAttachmentUploadUrl": {params: []string{"FileName"}, required: []string{"FileName"}, fn: f.getAttachmentUploadURL},
		},
	}
}

// optInt parses an optional integer parameter; ok is false when it is set but not a number.
func optInt(p url.Values, key string) (int64, bool) {
	s := strings.TrimSpace(p.Get(key))
	if s == "" {
		return 0, true
	}
	n, err := strconv.ParseInt(s, 10, 64)
	return n, err == nil
}

// splitList splits a comma-joined parameter.
func splitList(s string) []string {
	var out []string
	for part := range strings.SplitSeq(s, ",") {
		if part = strings.TrimSpace(part); part != "" {
			out = append(out, part)
		}
	}
	return out
}

// set is a list as a set, for filters that test every stored ticket.
func set(list []string) map[string]bool {
	m := make(map[string]bool, len(list))
	for _, s := range list {
		m[s] = true
	}
	return m
}

// statusSet is the 2016 codes of raw statuses in any accepted form; unknown ones match nothing.
func statusSet(raw []string) map[string]bool {
	m := make(map[string]bool, len(raw))
	for _, s := range raw {
		if c := statusCode(s); c != "" {
			m[c] = true
		}
	}
	return m
}

// secondsAsMillis reports whether a time bound documented in milliseconds is a time in
// seconds (minMillis).
func secondsAsMillis(v int64) bool { return v > 0 && v < minMillis }

// attachKeys checks comma-joined object keys (at most 3, each uploaded) and returns their
// attachment ids.
func (f *Server) attachKeys(version, keys string) ([]string, fakeReply, bool) {
	list := splitList(keys)
	if len(list) > aliyun.MaxAttachments {
		return nil, paramErr(version, ErrParam, fmt.Sprintf("ILLEGAL_PARAM: %d attachments, at most %d", len(list), aliyun.MaxAttachments)), false
	}
	var ids []string
	for _, k := range list {
		if _, ok := f.objects[k]; !ok {
			return nil, paramErr(version, ErrParam, "ILLEGAL_PARAM: attachment "+k+" 不存在 (not uploaded)"), false
		}
		ids = append(ids, f.attach(k))
	}
	return ids, fakeReply{}, true
}

// terminal reports whether a raw status is confirmed or score.
func terminal(raw string) bool {
	c := statusCode(raw)
	return c == "confirmed" || c == "score"
}

// 2016-08-30 handlers.

func (f *Server) add(p url.Values) fakeReply {
	uid, ok := optInt(p, "aliUid")
	if !ok {
		return fakeErr16(ErrParam, "ILLEGAL_PARAM: aliUid is not an integer")
	}
	if uid != AliUID {
		return fakeErr16(ErrAuth, "ILLEGAL_AUTH: aliUid does not belong to this AccessKey's account")
	}
	product, ok1 := optInt(p, "productId")
	question, ok2 := optInt(p, "customerCommonQuestionId")
	if !ok1 || !ok2 {
		return fakeErr16(ErrParam, "ILLEGAL_PARAM: productId and customerCommonQuestionId are integers")
	}
	if product <= 0 && question <= 0 {
		return fakeErr16(ErrParamEmpty, "ILLEGAL_PARAM_EMPTY: productId or customerCommonQuestionId")
	}
	if s := p.Get("smsAlertTime"); s != "" && s != "all" && s != "normal" {
		return fakeErr16(ErrParam, "ILLEGAL_PARAM: smsAlertTime is all or normal")
	}
	ids, rep, ok := f.attachKeys(aliyun.Version2016, p.Get("attachments"))
	if !ok {
		return rep
	}
	content := p.Get("content")
	t := &Ticket{
		Version: aliyun.Version2016, Title: cmp.Or(p.Get("title"), firstRunes(content, titleRunes)), Content: content,
		ProductID: product, CommonQuestionID: question, AliUID: uid,
		Phone: p.Get("phone"), Email: p.Get("email"), SMSAlertTime: p.Get("smsAlertTime"),
	}
	f.newTicket(t)
	f.addNote(t, Note{Content: content, AttachIDs: ids})
	if sec := p.Get("secContent"); sec != "" {
		f.addNote(t, Note{Content: sec, Secret: true})
	}
	return fakeOK16(t.ID)
}

func (f *Server) questionReply(p url.Values) fakeReply {
	n := f.names
	content, sec := p.Get(n.QuestionContent), p.Get(n.QuestionSecContent)
	if content == "" && sec == "" {
		return fakeErr16(ErrParamEmpty, "ILLEGAL_PARAM_EMPTY: "+n.QuestionContent+" or "+n.QuestionSecContent)
	}
	t, ok := f.tickets[p.Get(n.QuestionID)]
	if !ok {
		return fakeErr16(ErrParam, "ILLEGAL_PARAM: 工单不存在")
	}
	ids, rep, ok := f.attachKeys(aliyun.Version2016, p.Get("attachments"))
	if !ok {
		return rep
	}
	f.userReply(t, content, sec, ids)
	return fakeOK16(nil)
}

// userReply records a customer reply (chat, then sec_chat) and, as the V1.3 dictionary says of
// feedback, "用户添加回复时变为此状态". The caller holds f.mu.
func (f *Server) userReply(t *Ticket, content, secret string, ids []string) {
	if content != "" {
		f.addNote(t, Note{Content: content, AttachIDs: ids})
		ids = nil
	}
	if secret != "" {
		f.addNote(t, Note{Content: secret, Secret: true, AttachIDs: ids})
	}
	if !terminal(t.Status) {
		t.Status = "feedback"
	}
}

// questionListNote answers in help.aliyun 143230's shape: ListResult.NoteInfo[], FromOfficial a
// bool, attachIds.attachId[].
func (f *Server) questionListNote(p url.Values) fakeReply {
	t, ok := f.tickets[p.Get(f.names.QuestionID)]
	if !ok {
		return fakeErr16(ErrParam, "ILLEGAL_PARAM: 工单不存在")
	}
	notes := make([]map[string]any, 0, len(t.Notes))
	for _, n := range t.Notes {
		kind := "chat"
		if n.Secret {
			kind = "sec_chat"
		}
		notes = append(notes, map[string]any{
			"Content": n.Content, "NoteType": kind, "FromOfficial": n.Official,
			"GmtCreated": n.At.UnixMilli(), "attachIds": map[string]any{"attachId": append([]string{}, n.AttachIDs...)},
		})
	}
	return fakeReply{status: http.StatusOK, body: map[string]any{
		"Success": true, "Code": "200", "Message": "successful",
		"ListResult": map[string]any{"NoteInfo": notes},
	}}
}

// questionList answers in help.aliyun 143231's shape: Count and ListResult.QuestionDetail[],
// AddTime in seconds as that example shows (the V1.3 document says milliseconds). It reads
// addStartTime and addEndTime in the unit SetListTimeUnit chose.
func (f *Server) questionList(p url.Values) fakeReply {
	n := f.names
	ids, products, statuses := splitList(p.Get(n.IDs)), splitList(p.Get(n.ProductIDs)), splitList(p.Get(n.QuestionStatus))
	size, ok1 := optInt(p, n.PageSize)
	start, ok2 := optInt(p, n.PageStart)
	from, ok3 := optInt(p, n.AddStartTime)
	to, ok4 := optInt(p, n.AddEndTime)
	switch {
	case !ok1 || !ok2 || !ok3 || !ok4:
		return fakeErr16(ErrParam, "ILLEGAL_PARAM: pageSize, pageStart, addStartTime and addEndTime are integers")
	case len(ids) > maxListIDs:
		return fakeErr16(ErrParam, fmt.Sprintf("ILLEGAL_PARAM: %d ids, at most %d", len(ids), maxListIDs))
	case len(products) > maxListProductIDs:
		return fakeErr16(ErrParam, fmt.Sprintf("ILLEGAL_PARAM: %d productIds, at most %d", len(products), maxListProductIDs))
	case p.Get(n.PageSize) != "" && (size < minPageSize2016 || size > maxPageSize):
		return fakeErr16(ErrParam, fmt.Sprintf("ILLEGAL_PARAM: pageSize %d is not 20-100", size))
	case start < 0:
		return fakeErr16(ErrParam, "ILLEGAL_PARAM: pageStart is negative")
	case f.listUnit == time.Millisecond && (secondsAsMillis(from) || secondsAsMillis(to)):
		return fakeErr16(ErrParam, "ILLEGAL_PARAM: addStartTime and addEndTime are in milliseconds")
	}
	if size == 0 {
		size = minPageSize2016
	}
	idSet, productSet, codeSet := set(ids), set(products), statusSet(statuses)
	var match []*Ticket
	for _, t := range f.sorted() {
		at := t.CreatedAt.UnixMilli()
		if f.listUnit == time.Second {
			at = t.CreatedAt.Unix()
		}
		switch {
		case len(ids) > 0 && !idSet[t.ID],
			len(products) > 0 && !productSet[strconv.FormatInt(t.ProductID, 10)],
			len(statuses) > 0 && !codeSet[statusCode(t.Status)],
			from > 0 && at < from,
			to > 0 && at > to:
			continue
		}
		match = append(match, t)
	}
	lo := min(int(start), len(match))
	hi := min(lo+int(size), len(match))
	page := make([]map[string]any, 0, hi-lo)
	for _, t := range match[lo:hi] {
		page = append(page, map[string]any{
			"Id": t.ID, "ProductId": t.ProductID, "Title": t.Title, "Uid": strconv.FormatInt(t.AliUID, 10),
			"QuestionStatus": t.Status, "AddTime": t.CreatedAt.Unix(),
		})
	}
	return fakeReply{status: http.StatusOK, body: map[string]any{
		"Success": true, "Code": "200", "Message": "successful", "Count": len(match),
		"ListResult": map[string]any{"QuestionDetail": page},
	}}
}

// 2021-06-10 handlers.

// lookup21 finds a ticket for a 2021 action, or the reply for an unknown one.
func (f *Server) lookup21(id string) (*Ticket, fakeReply, bool) {
	t, ok := f.tickets[id]
	if !ok {
		return nil, fakeErr21(http.StatusBadRequest, ErrParam21, "工单不存在: "+id), false
	}
	return t, fakeReply{}, true
}

func (f *Server) createTicket(p url.Values) fakeReply {
	sev, ok := optInt(p, "Severity")
	if !ok || (sev != 1 && sev != 2) {
		return fakeErr21(http.StatusBadRequest, ErrParam21, "Severity is 1 or 2")
	}
	cat, ok := optInt(p, "CategoryId")
	if !ok || cat <= 0 {
		return fakeErr21(http.StatusBadRequest, ErrParam21, "CategoryId is a positive integer")
	}
	if !f.categoryKnown(cat) {
		return fakeErr21(http.StatusBadRequest, ErrParam21, fmt.Sprintf("CategoryId %d does not exist", cat))
	}
	ids, rep, ok := f.attachKeys(aliyun.Version2021, p.Get("FileNameList"))
	if !ok {
		return rep
	}
	desc := p.Get("Description")
	t := &Ticket{
		Version: aliyun.Version2021, Title: cmp.Or(p.Get("Title"), firstRunes(desc, titleRunes)), Content: desc,
		CategoryID: cat, Severity: int(sev), AliUID: AliUID, Email: p.Get("Email"),
	}
	f.newTicket(t)
	f.addNote(t, Note{Content: desc, AttachIDs: ids})
	if s := p.Get("SecretInfo"); s != "" {
		f.addNote(t, Note{Content: s, Secret: true})
	}
	return fakeOK21(t.ID)
}

func (f *Server) replyTicket(p url.Values) fakeReply {
	enc := p.Get("Encrypt")
	if enc != "true" && enc != "false" {
		return fakeErr21(http.StatusBadRequest, ErrParam21, "Encrypt is true or false")
	}
	t, rep, ok := f.lookup21(p.Get("TicketId"))
	if !ok {
		return rep
	}
	ids, rep, ok := f.attachKeys(aliyun.Version2021, p.Get("FileNameList"))
	if !ok {
		return rep
	}
	if enc == "true" {
		f.userReply(t, "", p.Get("Content"), ids)
	} else {
		f.userReply(t, p.Get("Content"), "", ids)
	}
	return fakeOK21(t.Notes[len(t.Notes)-1].ID)
}

func (f *Server) closeTicket(p url.Values) fakeReply {
	t, rep, ok := f.lookup21(p.Get("TicketId"))
	if !ok {
		return rep
	}
	if terminal(t.Status) {
		return fakeErr21(http.StatusBadRequest, ErrState, "工单状态不允许关闭")
	}
	t.Status, t.UpdatedAt = "confirmed", f.now()
	return fakeOK21(nil)
}

// reopenTicket serves ReopenTicket (TicketId*, Content): only a finished ticket (已完成, or
// rated) reopens, to 处理中; its Content, if any, becomes the customer's note (ASSUME: the
// reopened status and where Content goes are not published).
func (f *Server) reopenTicket(p url.Values) fakeReply {
	t, rep, ok := f.lookup21(p.Get("TicketId"))
	if !ok {
		return rep
	}
	if !terminal(t.Status) {
		return fakeErr21(http.StatusBadRequest, ErrState, "工单状态不允许重新打开")
	}
	if c := p.Get("Content"); c != "" {
		f.addNote(t, Note{Content: c})
	}
	t.Status, t.UpdatedAt = "dealing", f.now()
	return fakeOK21(nil)
}

// status21 renders a raw status as 2021's {Label, Value}: a known code as its value.
func status21(raw string) map[string]any {
	if d, ok := findStatus(raw); ok && d.value != "" {
		return map[string]any{"Label": cmp.Or(d.label21, d.label), "Value": d.value}
	}
	return map[string]any{"Label": "", "Value": raw}
}

func (f *Server) getTicket(p url.Values) fakeReply {
	t, rep, ok := f.lookup21(p.Get("TicketId"))
	if !ok {
		return rep
	}
	sev := strconv.Itoa(max(t.Severity, 1))
	return fakeOK21(map[string]any{
		"TicketId": t.ID, "Title": t.Title, "Description": t.Content, "CreateTime": t.CreatedAt.UnixMilli(),
		"CreatorId": strconv.FormatInt(t.AliUID, 10), "CategoryId": t.CategoryID, "Status": status21(t.Status),
		"Severity": map[string]any{"Label": severityLabels[sev], "Value": sev},
	})
}

var statusListKey = regexp.MustCompile(`^StatusList\.[1-9][0-9]*$`)

func (f *Server) listTickets(p url.Values) fakeReply {
	page, ok1 := optInt(p, "PageNumber")
	size, ok2 := optInt(p, "PageSize")
	from, ok3 := optInt(p, "StartDate")
	to, ok4 := optInt(p, "EndDate")
	switch {
	case !ok1 || !ok2 || !ok3 || !ok4:
		return fakeErr21(http.StatusBadRequest, ErrParam21, "PageNumber, PageSize, StartDate and EndDate are integers")
	case page < 1:
		return fakeErr21(http.StatusBadRequest, ErrParam21, "PageNumber starts at 1")
	case size < minPageSize2021 || size > maxPageSize:
		return fakeErr21(http.StatusBadRequest, ErrParam21, fmt.Sprintf("PageSize %d is not 10-100", size))
	}
	var statuses []string
	for k := range p {
		if strings.HasPrefix(k, "StatusList.") {
			if !statusListKey.MatchString(k) {
				return fakeErr21(http.StatusBadRequest, ErrParam21, "bad repeat list key "+k)
			}
			statuses = append(statuses, p.Get(k))
		}
	}
	if len(statuses) > maxStatusList {
		return fakeErr21(http.StatusBadRequest, ErrParam21, "StatusList takes at most 11 values")
	}
	// StartDate and EndDate go together ("配合 EndDate 使用"; one rendering of the page requires
	// both), in milliseconds.
	if (p.Get("StartDate") == "") != (p.Get("EndDate") == "") {
		return fakeErr21(http.StatusBadRequest, ErrParam21, "StartDate and EndDate are given together")
	}
	if secondsAsMillis(from) || secondsAsMillis(to) {
		return fakeErr21(http.StatusBadRequest, ErrParam21, "StartDate and EndDate are in milliseconds")
	}
	ids := splitList(p.Get("TicketIdList"))
	if id := p.Get("TicketId"); id != "" {
		ids = append(ids, id)
	}
	idSet, codeSet := set(ids), statusSet(statuses)
	var match []*Ticket
	for _, t := range f.sorted() {
		ms := t.CreatedAt.UnixMilli()
		switch {
		case len(ids) > 0 && !idSet[t.ID],
			len(statuses) > 0 && !codeSet[statusCode(t.Status)],
			p.Get("Keyword") != "" && !strings.Contains(t.Content, p.Get("Keyword")),
			from > 0 && ms < from,
			to > 0 && ms > to:
			continue
		}
		match = append(match, t)
	}
	lo := min(int((page-1)*size), len(match))
	hi := min(lo+int(size), len(match))
	data := make([]map[string]any, 0, hi-lo)
	for _, t := range match[lo:hi] {
		data = append(data, map[string]any{"TicketId": t.ID, "Title": t.Title, "Status": status21(t.Status)})
	}
	rep := fakeOK21(data)
	rep.body["TotalCount"], rep.body["PageNumber"], rep.body["PageSize"] = len(match), page, size
	return rep
}

// listTicketNotes answers the dialog. How Aliyun shows an encrypted dialog is unpublished; the
// fake masks it, so no test depends on seeing it.
func (f *Server) listTicketNotes(p url.Values) fakeReply {
	t, rep, ok := f.lookup21(p.Get("TicketId"))
	if !ok {
		return rep
	}
	data := make([]map[string]any, 0, len(t.Notes))
	for _, n := range t.Notes {
		role, name := 3, "用户"
		if n.Official {
			role, name = roleStaff, n.Author
		}
		content := n.Content
		if n.Secret {
			content = "******"
		}
		atts := []map[string]any{}
		for _, id := range n.AttachIDs {
			o := f.objects[f.attachIndex[id]]
			atts = append(atts, map[string]any{"Name": o.Name, "Url": f.signedURL(http.MethodGet, o.Key)})
		}
		data = append(data, map[string]any{
			"DialogId": n.ID, "CreateTime": n.At.UnixMilli(), "Type": 2, "Status": 2,
			"Dialog": map[string]any{"Content": content, "Schema": ""},
			"User":   map[string]any{"Role": role, "Name": name}, "Attachments": atts,
		})
	}
	return fakeOK21(data)
}

// fakeProducts is the fake's product tree: groups without ids, products inside.
