package weibantest

import (
	"bytes"
	"cmp"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

// This file is the fake's HTTP side: recording, the limits, the token and one handler per
// endpoint. Every answer is HTTP 200 with an errcode, as Weiban answers.

// fakeReply is what a handler answers: errcode, errmsg and the other top-level fields.
type fakeReply struct {
	code   int
	msg    string
	fields map[string]any
}

func fakeOK(fields map[string]any) fakeReply { return fakeReply{msg: "ok", fields: fields} }

func fakeErr(code int, format string, args ...any) fakeReply {
	return fakeReply{code: code, msg: fmt.Sprintf(format, args...)}
}

type fakeRoute struct {
	method string
	fn     func(r *http.Request, body map[string]any) fakeReply
}

func (f *Server) routes() map[string]fakeRoute {
	return map[string]fakeRoute{
		pathDetail: {http.MethodGet, f.detail},
		pathList:   {http.MethodGet, f.list},
		pathCreate: {http.MethodPost, f.create},
		pathReply:  {http.MethodPost, f.reply},
		pathClose:  {http.MethodPost, f.closeOrder},
		pathSwitch: {http.MethodPost, f.switchOrder},

		pathTemplates: {http.MethodGet, f.templateList},
	}
}

func (f *Server) serveHTTP(w http.ResponseWriter, r *http.Request) {
	n := f.inFlight.Add(1)
	defer f.inFlight.Add(-1)
	for m := f.maxInFlight.Load(); n > m && !f.maxInFlight.CompareAndSwap(m, n); m = f.maxInFlight.Load() {
	}
	if d := time.Duration(f.latency.Load()); d > 0 {
		time.Sleep(d)
	}
	raw, _ := io.ReadAll(io.LimitReader(r.Body, maxResponse))
	var body map[string]any
	if len(bytes.TrimSpace(raw)) > 0 {
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.UseNumber()
		if dec.Decode(&body) != nil {
			body = map[string]any{"_invalid": string(raw)}
		}
	}

	f.mu.Lock()
	defer f.mu.Unlock()
	call := Call{Method: r.Method, Path: r.URL.Path, Query: r.URL.Query(), Body: body}
	rep := f.dispatch(r, body, n)
	call.Errcode = rep.code
	f.calls = append(f.calls, call)
	if rep.code < 0 { // not an API route
		http.NotFound(w, r)
		return
	}
	out := map[string]any{"errcode": rep.code, "errmsg": rep.msg}
	maps.Copy(out, rep.fields)
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	_ = json.NewEncoder(w).Encode(out)
}

// dispatch answers one request. The caller holds f.mu.
func (f *Server) dispatch(r *http.Request, body map[string]any, inFlight int64) fakeReply {
	if inFlight > fakeMaxInFlight {
		return fakeErr(codeTooConcurrent, "接口并发超出限制")
	}
	if r.URL.Path == tokenPath {
		if r.Method != http.MethodPost {
			return fakeErr(ErrParam, "method not allowed")
		}
		return f.token(body)
	}
	route, ok := f.routes()[r.URL.Path]
	if !ok {
		return fakeReply{code: -1}
	}
	if r.Method != route.method {
		return fakeErr(ErrParam, "method not allowed")
	}
	if exp, ok := f.tokens[r.URL.Query().Get("access_token")]; !ok || !f.now().Before(exp) {
		return fakeErr(codeBadToken, "认证错误:请提供正确的access_token")
	}
	if len(f.failures) > 0 {
		fail := f.failures[0]
		f.failures = f.failures[1:]
		return fakeErr(fail.code, "%s", fail.msg)
	}
	return route.fn(r, body)
}

// token issues an access token (doc-370558).
func (f *Server) token(body map[string]any) fakeReply {
	if str(body["corp_id"]) != f.corpID || str(body["secret"]) != f.secret {
		return fakeErr(ErrCredentials, "corp_id或secret错误")
	}
	tok := randomHex(16)
	f.tokens[tok] = f.now().Add(f.tokenTTL)
	f.issued++
	return fakeOK(map[string]any{"access_token": tok, "expires_in": int64(f.tokenTTL / time.Second)})
}

// order finds a work order by order_no, or answers 22301.
func (f *Server) order(no string) (map[string]any, fakeReply, bool) {
	o, ok := f.orders[strings.TrimSpace(no)]
	if !ok {
		return nil, fakeErr(codeNotFound, "order_no非法,对应工单不存在"), false
	}
	return o, fakeReply{}, true
}

// staffOK checks a staff id, or answers code (22304 for staff_id, 22302 for handler_id).
func (f *Server) staffOK(id string, code int, field string) (fakeReply, bool) {
	if _, ok := f.staff[id]; !ok {
		return fakeErr(code, "%s不存在", field), false
	}
	return fakeReply{}, true
}

func (f *Server) detail(r *http.Request, _ map[string]any) fakeReply {
	o, rep, ok := f.order(r.URL.Query().Get("order_no"))
	if !ok {
		return rep
	}
	return fakeOK(map[string]any{"work_order": o})
}

// listFields are the fields a list entry carries (a subset of detail, ASSUME).
var listFields = []string{
	"order_no", "title", "status", "stage_name", "reopen", "button_operate", "template_id", "template_title",
	"creator_id", "creator_name", "handler_id", "handler_name", "relation_name", "relation_corp_name",
	"created_at", "updated_at", "total_time",
}

func (f *Server) list(r *http.Request, _ map[string]any) fakeReply {
	q := r.URL.Query()
	limit, offset := 30, 0
	if s := q.Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > 100 {
			return fakeErr(ErrParam, "limit非法")
		}
		limit = n
	}
	if s := q.Get("offset"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 0 {
			return fakeErr(ErrParam, "offset非法")
		}
		offset = n
	}
	window := q.Get("start_time") != "" || q.Get("end_time") != ""
	var start, end int64
	if window {
		var err1, err2 error
		start, err1 = strconv.ParseInt(q.Get("start_time"), 10, 64)
		end, err2 = strconv.ParseInt(q.Get("end_time"), 10, 64)
		switch {
		case q.Get("start_time") == "" || q.Get("end_time") == "":
			return fakeErr(ErrParam, "start_time和end_time需同时传入")
		case err1 != nil || err2 != nil || start < 0 || end < 0:
			return fakeErr(ErrParam, "start_time或end_time非法") // seconds (api-8267893)
		case start >= 1e12 || end >= 1e12:
			// Milliseconds where Weiban takes seconds (doc-370558: every time in seconds): the
			// real list would read a window tens of thousands of years ahead, or one that ends
			// there; the fake refuses it, so a client that sends the wrong unit fails a test.
			return fakeErr(ErrParam, "start_time或end_time非法: 单位秒")
		}
	}
	// The window is inclusive at both ends and by creation time unless ListWindowByUpdate, and
	// the title filter matches a part of the title (ASSUME: Weiban documents none of it;
	// api-8267893 says only 时间筛选).
	windowKey := "created_at"
	if f.windowByUpdate {
		windowKey = "updated_at"
	}
	title := q.Get("title")
	type entry struct {
		o       map[string]any
		created int64
	}
	var match []entry
	for _, no := range slices.Backward(f.seq) {
		o := f.orders[no]
		if title != "" && !strings.Contains(str(o["title"]), title) {
			continue
		}
		if c := num(o[windowKey]); window && (c < start || c > end) {
			continue
		}
		match = append(match, entry{o, num(o["created_at"])})
	}
	// Newest first (ASSUME), the later stored first within a second.
	slices.SortStableFunc(match, func(a, b entry) int { return cmp.Compare(b.created, a.created) })
	page := []any{}
	if offset < len(match) {
		for _, m := range match[offset:min(offset+limit, len(match))] {
			o := m.o
			e := map[string]any{}
			for _, k := range listFields {
				if !slices.Contains(f.listOmits, k) {
					e[k] = o[k]
				}
			}
			page = append(page, e)
		}
	}
	return fakeOK(map[string]any{"total": len(match), "workorder_list": page})
}

func (f *Server) create(_ *http.Request, b map[string]any) fakeReply {
	title := strings.TrimSpace(str(b["title"]))
	if title == "" {
		return fakeErr(ErrParam, "title不能为空")
	}
	staff := str(b["staff_id"])
	if rep, ok := f.staffOK(staff, 22304, "staff_id"); !ok {
		return rep
	}
	handler := str(b["handler_id"])
	if handler == "" {
		handler = AgentID
	}
	if rep, ok := f.staffOK(handler, 22302, "handler_id"); !ok {
		return rep
	}
	if cc, _ := b["cc_list"].([]any); len(cc) > 0 {
		for _, id := range cc {
			if rep, ok := f.staffOK(str(id), 22303, "cc_list"); !ok {
				return rep
			}
		}
	}
	if id := num(b["template_id"]); id != 0 && !f.templateKnown(id) {
		return fakeErr(codeNoTemplate, "template_id非法,对应工单模板不存在")
	}
	text := ""
	if c, ok := b["content"].(map[string]any); ok {
		text = str(c["text"])
	}
	no := f.storeOrder(fakeNewOrder{
		title: title, text: text, staff: staff, handler: handler, templateID: num(b["template_id"]),
		relationID: str(b["relation_id"]), relationType: num(b["relation_type"]),
	}, f.now().Unix())
	return fakeOK(map[string]any{"order_no": no})
}

// fakeNewOrder is what a new work order is made of.
type fakeNewOrder struct {
	title, text, staff, handler string
	templateID                  int64
	relationID                  string
	relationType                int64
}

// storeOrder stores a new work order created at now (Unix seconds) and returns its order_no.
// The caller holds f.mu.
func (f *Server) storeOrder(n fakeNewOrder, now int64) string {
	title, text, staff, handler := n.title, n.text, n.staff, n.handler
	no := strconv.FormatInt(f.nextNo, 10)
	f.nextNo++
	f.nextID++
	o := map[string]any{
		"button_operate": map[string]any{"chat_record": true, "close": true, "comment": true, "deliver": true,
			"evaluate": false, "preview_flow": true, "reopen": false, "share": true, "update": false},
		"cc_list": []any{}, "content": map[string]any{"pic": []any{}, "text": text},
		"corp_id": f.corpID, "created_at": now, "creator_avatar": "", "creator_id": staff, "creator_name": f.staff[staff],
		"deleted": 0, "deliver": false, "flow_handler": 1,
		"handler_avatar": "", "handler_id": handler, "handler_name": f.staff[handler], "id": f.nextID,
		"last_handler_avatar": "", "last_handler_id": "", "last_handler_name": "", "msg_list": []any{},
		"order_no": no, "processing_flows": []any{},
		"relation_avatar": "", "relation_corp_name": "", "relation_id": n.relationID, "relation_name": "",
		"relation_type": n.relationType, "reopen": false, "stage_name": "", "status": StatusNew,
		"template_id": n.templateID, "template_step": 1, "template_title": "鬼鬼",
		"title": title, "total_time": 0, "updated_at": now, "work_order_component_record_list": []any{},
	}
	f.addFlow(o, FlowCreate, "新建工单", fmt.Sprintf("员工%s创建了工单", f.staff[staff]), staff, "", now)
	f.addFlow(o, FlowPending, "待处理", fmt.Sprintf("待员工 %s 处理", f.staff[handler]), staff, handler, now)
	f.orders[no] = o
	f.seq = append(f.seq, no)
	return no
}

// writable finds an open work order and checks the acting staff_id.
func (f *Server) writable(b map[string]any) (map[string]any, fakeReply, bool) {
	o, rep, ok := f.order(str(b["order_no"]))
	if !ok {
		return nil, rep, false
	}
	if rep, ok := f.staffOK(str(b["staff_id"]), 22304, "staff_id"); !ok {
		return nil, rep, false
	}
	if num(o["status"]) == StatusClosed {
		return nil, fakeErr(codeClosed, "工单已关闭"), false
	}
	return o, fakeReply{}, true
}

// bodyText is a request's content.text.
func bodyText(b map[string]any) string {
	c, _ := b["content"].(map[string]any)
	return str(c["text"])
}

func (f *Server) reply(_ *http.Request, b map[string]any) fakeReply {
	o, rep, ok := f.writable(b)
	if !ok {
		return rep
	}
	if strings.TrimSpace(bodyText(b)) == "" {
		return fakeErr(ErrParam, "content不能为空")
	}
	now := f.now().Unix()
	f.addFlow(o, FlowReply, "评论", bodyText(b), str(b["staff_id"]), "", now)
	o["updated_at"] = now
	return fakeOK(nil)
}

func (f *Server) closeOrder(_ *http.Request, b map[string]any) fakeReply {
	o, rep, ok := f.writable(b)
	if !ok {
		return rep
	}
	now := f.now().Unix()
	o["status"] = StatusClosed
	o["total_time"] = now - num(o["created_at"])
	setButtons(o, false)
	f.addFlow(o, FlowClose, "关闭工单", bodyText(b), str(b["staff_id"]), "", now)
	o["updated_at"] = now
	return fakeOK(nil)
}

// switchOrder serves switch (api-8269990): a work order open to the acting staff_id, a
// handler_id Weiban knows (22302), content.text of at most 600 characters, is_show 0 or 1.
func (f *Server) switchOrder(_ *http.Request, b map[string]any) fakeReply {
	o, rep, ok := f.writable(b)
	if !ok {
		return rep
	}
	next := str(b["handler_id"])
	if rep, ok := f.staffOK(next, 22302, "handler_id"); !ok {
		return rep
	}
	if len([]rune(bodyText(b))) > 600 {
		return fakeErr(ErrParam, "content超过600字")
	}
	if v := num(b["is_show"]); v != 0 && v != 1 {
		return fakeErr(ErrParam, "is_show只能是0或1")
	}
	now := f.now().Unix()
	o["last_handler_id"], o["last_handler_name"] = o["handler_id"], o["handler_name"]
	o["handler_id"], o["handler_name"] = next, f.staff[next]
	o["status"] = StatusProcessing
	step := num(o["template_step"]) + 1
	o["template_step"] = step
	f.addFlow(o, FlowSwitch, "流转工单", bodyText(b), str(b["staff_id"]), next, now)
	f.addFlow(o, FlowPending, "待处理", fmt.Sprintf("待员工 %s 处理", f.staff[next]), str(b["staff_id"]), next, now)
	o["updated_at"] = now
	return fakeOK(map[string]any{"current_step": step})
}
