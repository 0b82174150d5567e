package ksyuntest

import (
	"bytes"
	"crypto/md5"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/ticketbot/ticketbot/providers/ksyun"
)

// This file is the fake's HTTP side: recording, authentication and one handler per endpoint.

// fakeReply is what a fake handler answers: an envelope with errno, errmsg and data.
type fakeReply struct {
	errno  int
	errmsg string
	data   any
}

func fakeOK(data any) fakeReply { return fakeReply{errno: successCode, errmsg: "OK", data: data} }

func fakeErr(errno int, format string, args ...any) fakeReply {
	return fakeReply{errno: errno, errmsg: fmt.Sprintf(format, args...)}
}

func (f *Server) serveHTTP(w http.ResponseWriter, r *http.Request) {
	raw, _ := io.ReadAll(io.LimitReader(r.Body, maxResponse))
	call := Call{Method: r.Method, Path: r.URL.Path, Query: r.URL.Query(), Header: r.Header.Clone(), Body: fakeBody(r, raw)}

	f.mu.Lock()
	if f.hold {
		h := heldRequest{turn: make(chan struct{}), done: make(chan struct{})}
		f.held = append(f.held, h)
		f.waiting++
		f.mu.Unlock()
		<-h.turn
		defer close(h.done) // after the answer, so the next held request goes after this one
		f.mu.Lock()
		f.waiting--
	} else {
		f.mu.Unlock()
		f.gate.RLock() // behind the held requests while a release runs
		defer f.gate.RUnlock()
		f.mu.Lock()
	}
	defer f.mu.Unlock()
	f.calls = append(f.calls, call)
	if len(f.failures) > 0 {
		fail := f.failures[0]
		f.failures = f.failures[1:]
		if fail.httpStatus != 0 {
			http.Error(w, http.StatusText(fail.httpStatus), fail.httpStatus)
			return
		}
		f.write(w, fakeReply{errno: fail.errno, errmsg: fail.errmsg})
		return
	}

	op, ok := strings.CutPrefix(r.URL.Path, apiPath)
	handler, known := f.routes()[op]
	if !ok || !known {
		http.NotFound(w, r)
		return
	}
	if !handler.methods[r.Method] {
		w.Header().Set("Allow", "GET, POST")
		http.Error(w, http.StatusText(http.StatusMethodNotAllowed), http.StatusMethodNotAllowed)
		return
	}
	if rep, ok := f.authenticate(r); !ok {
		f.write(w, rep)
		return
	}
	f.write(w, handler.fn(r, raw))
}

type fakeRoute struct {
	methods map[string]bool
	fn      func(r *http.Request, body []byte) fakeReply
}

func (f *Server) routes() map[string]fakeRoute {
	get := map[string]bool{http.MethodGet: true}
	post := map[string]bool{http.MethodPost: true}
	return map[string]fakeRoute{
		"list_tickets":   {map[string]bool{http.MethodGet: true, http.MethodPost: true}, f.list},
		"base":           {get, func(r *http.Request, _ []byte) fakeReply { return f.get(r, false) }},
		"detail":         {get, func(r *http.Request, _ []byte) fakeReply { return f.get(r, true) }},
		"create":         {post, f.create},
		"comment_ticket": {post, func(r *http.Request, b []byte) fakeReply { return f.operate(b, false) }},
		"reject_handle":  {post, func(r *http.Request, b []byte) fakeReply { return f.operate(b, true) }},
		"close_ticket":   {post, f.closeTicket},
		"upload_file":    {post, f.upload},
	}
}

// write sends an envelope with HTTP 200, as Kingsoft does for failures too. The caller holds f.mu.
func (f *Server) write(w http.ResponseWriter, rep fakeReply) {
	f.nextReq++
	id := fmt.Sprintf("fake%028d", f.nextReq)
	f.sent = append(f.sent, id)
	env := map[string]any{"errno": rep.errno, "errmsg": rep.errmsg, "request_id": id}
	if rep.data != nil {
		env["data"] = rep.data
	}
	w.Header().Set("Content-Type", "application/json;charset=UTF-8")
	_ = json.NewEncoder(w).Encode(env)
}

// authenticate checks the three headers under the expected Sign rule (ExpectSign).
func (f *Server) authenticate(r *http.Request) (fakeReply, bool) {
	if r.Header.Get("AppId") != f.appID {
		return fakeErr(ErrSign, "sign error: invalid AppId"), false
	}
	ts := r.Header.Get("Timestamp")
	n, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return fakeErr(ErrSign, "sign error: invalid Timestamp"), false
	}
	at := time.Unix(n, 0)
	if n >= 1e12 {
		at = time.UnixMilli(n)
	}
	if d := f.now().Sub(at); d > fakeSkew || d < -fakeSkew {
		return fakeErr(ErrSign, "sign error: Timestamp expired"), false
	}
	if !f.rule.unitOK(n) || r.Header.Get("Sign") != f.rule.sign(f.appID, f.secret, ts) {
		return fakeErr(ErrSign, "sign error"), false
	}
	return fakeReply{}, true
}

// decodeStrict decodes a JSON body, refusing unknown fields and wrong types.
func decodeStrict(body []byte, v any) (fakeReply, bool) {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return fakeErr(ErrParam, "参数格式错误: %v", err), false
	}
	return fakeReply{}, true
}

// missing returns an error reply naming the first required field left empty.
func missing(fields ...any) (fakeReply, bool) {
	for i := 0; i+1 < len(fields); i += 2 {
		name, v := fields[i].(string), fields[i+1]
		empty := false
		switch x := v.(type) {
		case string:
			empty = strings.TrimSpace(x) == ""
		case int64:
			empty = x <= 0
		case int:
			empty = x <= 0
		}
		if empty {
			return fakeErr(ErrParam, "缺少必填参数 %s", name), false
		}
	}
	return fakeReply{}, true
}

func (f *Server) create(_ *http.Request, body []byte) fakeReply {
	var req struct {
		Title                    string             `json:"title"`
		Detail                   string             `json:"detail"`
		Tags                     []int64            `json:"tags"`
		ReportedTime             int64              `json:"reported_time"`
		Type                     int                `json:"type"`
		Priority                 int                `json:"priority"`
		CustomerOrganizationID   int64              `json:"customer_organization_id"`
		CustomerOrganizationName string             `json:"customer_organization_name"`
		CustomerInfo             []json.RawMessage  `json:"customer_info"`
		RepositoryProductID      int64              `json:"repository_product_id"`
		WhetherProductGroupID    bool               `json:"whether_product_group_id"`
		Attachment               []ksyun.Attachment `json:"attachment"`
		NeedProcess              bool               `json:"need_process"`
		RelateToTicketID         int64              `json:"relate_to_ticket_id"`
		UseRelateStatus          bool               `json:"use_relate_status"`
		SubType                  int64              `json:"sub_type"`
		SecondSubtype            int64              `json:"second_subtype"`
		CreatorID                int64              `json:"creator_id"`
		CreatorName              string             `json:"creator_name"`
	}
	if rep, ok := decodeStrict(body, &req); !ok {
		return rep
	}
	if rep, ok := missing("title", req.Title, "detail", req.Detail, "reported_time", req.ReportedTime,
		"type", req.Type, "priority", req.Priority, "customer_organization_id", req.CustomerOrganizationID,
		"customer_organization_name", req.CustomerOrganizationName, "repository_product_id", req.RepositoryProductID,
		"creator_id", req.CreatorID, "creator_name", req.CreatorName); !ok {
		return rep
	}
	if req.Type > 3 {
		return fakeErr(ErrParam, "参数错误 type: %d", req.Type)
	}
	if req.Priority > 3 {
		return fakeErr(ErrParam, "参数错误 priority: %d", req.Priority)
	}
	for _, a := range req.Attachment {
		if !f.uploaded[a.FilePath] {
			return fakeErr(ErrParam, "参数错误 attachment: 文件 %s 未上传", a.FilePath)
		}
	}
	now := f.now().Unix()
	t := &Ticket{
		ID: f.nextID, Title: req.Title, Detail: req.Detail, Type: req.Type, Priority: req.Priority,
		Status: statusPending, CreatorID: req.CreatorID, CreatorName: req.CreatorName,
		CustomerOrganizationID: req.CustomerOrganizationID, CustomerOrganizationName: req.CustomerOrganizationName,
		RepositoryProductID: req.RepositoryProductID, ProductGroupID: req.RepositoryProductID,
		ReportedTime: req.ReportedTime, CreatedTime: now, UpdatedTime: now, Attachments: req.Attachment,
		Assigns: []Assign{{
			ID: f.nextSub, ProductGroupID: req.RepositoryProductID,
			ProductGroupName: fmt.Sprintf("产品线%d", req.RepositoryProductID),
			Status:           statusPending, IsHandler: true, UserID: StaffID, UserName: StaffName,
		}},
	}
	f.nextID++
	f.nextSub++
	f.tickets[t.ID] = t
	return fakeOK(map[string]any{"id": t.ID})
}

// lookup finds a ticket by id, or the reply for an unknown one.
func (f *Server) lookup(id int64) (*Ticket, fakeReply, bool) {
	t, ok := f.tickets[id]
	if !ok {
		return nil, fakeErr(ErrNotFound, "工单不存在"), false
	}
	return t, fakeReply{}, true
}

func (f *Server) get(r *http.Request, detail bool) fakeReply {
	id, err := strconv.ParseInt(r.URL.Query().Get("id"), 10, 64)
	if err != nil || id <= 0 {
		return fakeErr(ErrParam, "缺少必填参数 id")
	}
	t, rep, ok := f.lookup(id)
	if !ok {
		return rep
	}
	if detail {
		return fakeOK(t.detailJSON())
	}
	return fakeOK(t.baseJSON())
}

// operate serves comment_ticket and reject_handle, which share their request.
func (f *Server) operate(body []byte, reject bool) fakeReply {
	var req struct {
		ID             int64  `json:"id"`
		Detail         string `json:"detail"`
		ProductGroupID int64  `json:"productGroupId"`
	}
	if rep, ok := decodeStrict(body, &req); !ok {
		return rep
	}
	if rep, ok := missing("id", req.ID); !ok {
		return rep
	}
	if !reject {
		if rep, ok := missing("detail", req.Detail); !ok {
			return rep
		}
	}
	t, rep, ok := f.lookup(req.ID)
	if !ok {
		return rep
	}
	if reject {
		if rep, ok := f.rejectable(t, req.ProductGroupID); !ok {
			return rep
		}
	}
	now := f.now().Unix()
	action := 1
	if reject {
		action = 3
	}
	// Comments sent through the API are written as the ticket's creator.
	h := History{Action: action, CreatorID: t.CreatorID, CreatorName: t.CreatorName, Detail: req.Detail, CreatedTime: now}
	if !f.addHistory(t, req.ProductGroupID, h) {
		return fakeErr(ErrParam, "参数错误 productGroupId: %d", req.ProductGroupID)
	}
	if reject {
		t.Assigns[t.assign(req.ProductGroupID)].Status = assignRejected
	}
	t.UpdatedTime = now
	return fakeOK(map[string]any{})
}

// rejectable checks what reject_handle refuses (ASSUME: the doc publishes only 23000 for a
// status that allows no close): a closed or cancelled ticket, a product line the ticket is not
// assigned to, and an assignment no longer pending or in progress (处理完毕, 已拒绝, 已撤销).
func (f *Server) rejectable(t *Ticket, productGroupID int64) (fakeReply, bool) {
	if t.Status == statusClosed || t.Status == statusCancelled {
		return fakeErr(ErrState, "工单状态不允许驳回"), false
	}
	i := t.assign(productGroupID)
	if i < 0 {
		return fakeErr(ErrParam, "参数错误 productGroupId: %d", productGroupID), false
	}
	if st := t.Assigns[i].Status; st != assignPending && st != assignProcessing {
		return fakeErr(ErrState, "产品线分派状态不允许驳回"), false
	}
	return fakeReply{}, true
}

func (f *Server) closeTicket(_ *http.Request, body []byte) fakeReply {
	var req struct {
		ID               int64              `json:"id"`
		CloserID         int64              `json:"closer_id"`
		CloserName       string             `json:"closer_name"`
		Detail           string             `json:"detail"`
		HandleAttachment []ksyun.Attachment `json:"handle_attachment"`
		IsSolved         bool               `json:"is_solved"`
		SolvedTime       int64              `json:"solved_time"`
	}
	if rep, ok := decodeStrict(body, &req); !ok {
		return rep
	}
	if rep, ok := missing("id", req.ID, "closer_id", req.CloserID, "closer_name", req.CloserName, "solved_time", req.SolvedTime); !ok {
		return rep
	}
	t, rep, ok := f.lookup(req.ID)
	if !ok {
		return rep
	}
	if t.Status == statusClosed || t.Status == statusCancelled {
		return fakeErr(ErrState, "工单状态不允许关闭")
	}
	if req.CloserID != t.CreatorID {
		return fakeErr(ErrNotCreator, "仅工单的创建人可关闭工单")
	}
	now := f.now().Unix()
	t.Status, t.ClosedTime, t.SolvedTime, t.IsSolved, t.UpdatedTime = statusClosed, now, req.SolvedTime, req.IsSolved, now
	if strings.TrimSpace(req.Detail) != "" {
		f.addHistory(t, 0, History{Action: 4, CreatorID: req.CloserID, CreatorName: req.CloserName, Detail: req.Detail, CreatedTime: now})
	}
	return fakeReply{errno: successCode, errmsg: "OK"} // the doc's close answer has no data
}

func (f *Server) list(r *http.Request, body []byte) fakeReply {
	var req struct {
		CreatedEnd               int64   `json:"created_end"`
		CreatedStart             int64   `json:"created_start"`
		CreatorID                int64   `json:"creator_id"`
		CustomerOrganizationName string  `json:"customer_organization_name"`
		Page                     int     `json:"page"`
		PageSize                 int     `json:"page_size"`
		ProductGroupID           []int64 `json:"product_group_id"`
		Status                   int     `json:"status"`
		Type                     int     `json:"type"`
		SubType                  int     `json:"sub_type"`
		SecondSubtype            int     `json:"second_subtype"`
	}
	if len(bytes.TrimSpace(body)) > 0 {
		if rep, ok := decodeStrict(body, &req); !ok {
			return rep
		}
	}
	switch {
	case req.Page < 0 || req.PageSize < 0:
		return fakeErr(ErrParam, "参数错误 page/page_size: %d/%d", req.Page, req.PageSize)
	case req.Status < 0 || req.Status > statusCancelled:
		return fakeErr(ErrParam, "参数错误 status: %d (1=待处理，2=处理中，3=已关闭，4=已取消)", req.Status)
	case req.CreatorID < 0:
		return fakeErr(ErrParam, "参数错误 creator_id: %d", req.CreatorID)
	case !seconds(req.CreatedStart) || !seconds(req.CreatedEnd):
		return fakeErr(ErrParam, "参数错误 created_start/created_end: 单位秒")
	}
	req.Page = max(req.Page, 1)
	if req.PageSize == 0 {
		req.PageSize = 10 // 不传默认为10
	}
	if f.listCap > 0 {
		req.PageSize = min(req.PageSize, f.listCap)
	}
	groups := map[int64]bool{}
	for _, id := range req.ProductGroupID {
		groups[id] = true
	}
	var match []*Ticket
	for _, t := range f.sorted() {
		switch {
		case req.Status != 0 && t.Status != req.Status,
			req.Type != 0 && t.Type != req.Type,
			req.CreatorID != 0 && t.CreatorID != req.CreatorID,
			req.CustomerOrganizationName != "" && t.CustomerOrganizationName != req.CustomerOrganizationName,
			len(groups) > 0 && !groups[t.ProductGroupID],
			req.CreatedStart != 0 && t.CreatedTime < req.CreatedStart,
			req.CreatedEnd != 0 && t.CreatedTime > req.CreatedEnd:
			continue
		}
		match = append(match, t)
	}
	from := min((req.Page-1)*req.PageSize, len(match))
	to := min(from+req.PageSize, len(match))
	page := make([]map[string]any, 0, to-from)
	for _, t := range match[from:to] {
		page = append(page, t.listJSON())
	}
	return fakeOK(map[string]any{
		"pagination": map[string]any{"page_size": req.PageSize, "total": len(match)},
		"tickets":    page,
	})
}

// seconds reports whether a time the doc gives in seconds (created_start, created_end: "单位秒")
// can be one: not negative, and not a time in milliseconds (10^12 seconds is some 30,000 years
// away). Kingsoft would read milliseconds as a time far ahead and list nothing, or everything;
// the fake refuses them, so a client that sends the wrong unit fails a test.
func seconds(v int64) bool { return v >= 0 && v < 1e12 }

func (f *Server) upload(r *http.Request, body []byte) fakeReply {
	_, params, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || params["boundary"] == "" {
		return fakeErr(ErrParam, "缺少必填参数 file")
	}
	form, err := multipart.NewReader(bytes.NewReader(body), params["boundary"]).ReadForm(maxResponse)
	if err != nil || len(form.File["file"]) == 0 {
		return fakeErr(ErrParam, "缺少必填参数 file")
	}
	defer form.RemoveAll()
	fh := form.File["file"][0]
	rd, err := fh.Open()
	if err != nil {
		return fakeErr(ErrParam, "参数格式错误: %v", err)
	}
	defer rd.Close()
	content, _ := io.ReadAll(rd)
	sum := md5.Sum(content)
	path := "workorder/" + f.appID + "/" + hex.EncodeToString(sum[:])
	if f.uploaded == nil {
		f.uploaded = map[string]bool{}
	}
	f.uploaded[path] = true
	return fakeOK(ksyun.Attachment{
		FileName: fh.Filename,
		FilePath: path,
		FileSize: int64(len(content)),
		FileType: fh.Header.Get("Content-Type"),
	})
}

// fakeBody decodes a request body for Call.Body.
func fakeBody(r *http.Request, raw []byte) map[string]any {
	if len(bytes.TrimSpace(raw)) == 0 {
		return nil
	}
	if mt, params, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt == "multipart/form-data" {
		form, err := multipart.NewReader(bytes.NewReader(raw), params["boundary"]).ReadForm(maxResponse)
		if err != nil {
			return nil
		}
		defer form.RemoveAll()
		out := map[string]any{}
		for _, fh := range form.File["file"] {
			out["file_name"], out["file_size"], out["file_type"] = fh.Filename, fh.Size, fh.Header.Get("Content-Type")
		}
		return out
	}
	var m map[string]any
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if dec.Decode(&m) != nil {
		return nil
	}
	return m
}

func (f *Server) sorted() []*Ticket {
	out := make([]*Ticket, 0, len(f.tickets))
	for id := f.nextID - 1; id >= 1204; id-- { // newest first, as a ticket list would show
		if t, ok := f.tickets[id]; ok {
			out = append(out, t)
		}
	}
	return out
}

// baseJSON renders the base endpoint's data: every time a Unix-seconds int.
func (t *Ticket) baseJSON() map[string]any {
	return map[string]any{
		"id": t.ID, "type": t.Type, "title": t.Title, "detail": t.Detail, "status": t.Status,
		"priority": t.Priority, "need_process": false, "creator_id": t.CreatorID, "creator_name": t.CreatorName,
		"customer_organization_id": t.CustomerOrganizationID, "customer_organization_name": t.CustomerOrganizationName,
		"product_group_id": t.ProductGroupID, "updated_time": t.UpdatedTime, "started_time": t.StartedTime,
		"suspended_time": t.SuspendedTime, "updated_progress_time": 0, "finished_time": t.FinishedTime,
		"solved_time": t.SolvedTime, "closed_time": t.ClosedTime, "is_solved": t.IsSolved,
		"is_suspended_notice": t.Suspended, "reported_time": t.ReportedTime, "created_time": t.CreatedTime,
	}
}

// detailJSON renders the detail endpoint's data with the doc's mixed types: created_time,
// reported_time and history times are "2006-01-02 15:04:05" strings.
func (t *Ticket) detailJSON() map[string]any {
	m := t.baseJSON()
	m["created_time"], m["reported_time"] = fakeDate(t.CreatedTime), fakeDate(t.ReportedTime)
	m["product_group_name"] = ""
	assigns := make([]map[string]any, 0, len(t.Assigns))
	for _, a := range t.Assigns {
		hist := make([]map[string]any, 0, len(a.History))
		for _, h := range a.History {
			hist = append(hist, map[string]any{
				"id": h.ID, "action": h.Action, "created_time": fakeDate(h.CreatedTime), "creator_id": h.CreatorID,
				"creator_name": h.CreatorName, "creator_product_group_id": 0, "creator_user_group_id": 0, "detail": h.Detail,
			})
		}
		if a.ProductGroupID == t.ProductGroupID {
			m["product_group_name"] = a.ProductGroupName
		}
		assigns = append(assigns, map[string]any{
			"id": a.ID, "ticket_id": t.ID, "is_handler": a.IsHandler, "product_group_id": a.ProductGroupID,
			"product_group_name": a.ProductGroupName, "status": a.Status, "user_id": a.UserID, "user_name": a.UserName,
			"created_time": t.CreatedTime, "updated_time": t.UpdatedTime, "history": hist,
		})
	}
	m["assigns"] = assigns
	m["attachment"], m["handle_attachment"], m["tags"] = []any{}, []any{}, []any{}
	m["is_creator"] = false
	return m
}

// listJSON renders a list entry: status and priority are strings there.
func (t *Ticket) listJSON() map[string]any {
	handler := int64(0)
	if i := t.assign(0); i >= 0 {
		handler = t.Assigns[i].UserID
	}
	return map[string]any{
		"id": t.ID, "title": t.Title, "detail": t.Detail, "status": strconv.Itoa(t.Status),
		"priority": strconv.Itoa(t.Priority), "type": t.Type, "sub_type": 0, "second_subtype": 0,
		"created_time": t.CreatedTime, "closed_time": t.ClosedTime, "reported_time": t.ReportedTime,
		"creator_name": t.CreatorName, "customer_organization_name": t.CustomerOrganizationName,
		"customer_user_id": "", "handler": handler, "manager": 0, "need_process": 0,
		"product_group": fmt.Sprintf("产品线%d", t.ProductGroupID), "tags": "", "form_values": "",
	}
}

func fakeDate(sec int64) string {
	if sec == 0 {
		return ""
	}
	return time.Unix(sec, 0).In(shanghai).Format(time.DateTime)
}
