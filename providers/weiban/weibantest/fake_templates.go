package weibantest

import (
	"net/http"
	"strconv"
)

// The fake's work-order templates (工单模板): template/list answers them, and create files a
// work order only under one that exists. RemoveTemplate makes a choice go stale.

// Templates the fake knows: TemplateID is the documents' example template (api-8267914).
const (
	TemplateID      = 62081
	TemplateAfterID = 62082
)

var fakeTemplates = []struct {
	id    int64
	title string
	kind  int // template_type: 1 常规流程, 2 自动化工单
}{
	{TemplateID, "默认工单模板", 1},
	{TemplateAfterID, "售后问题", 1},
	{62090, "自动派单", 2},
}

// RemoveTemplate takes a template away, as an admin deleting it in Weiban would.
func (f *Server) RemoveTemplate(id int64) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.removedTemplates == nil {
		f.removedTemplates = map[int64]bool{}
	}
	f.removedTemplates[id] = true
}

// templateKnown reports whether work orders can be filed under template id. Call with f.mu
// held.
func (f *Server) templateKnown(id int64) bool {
	for _, t := range fakeTemplates {
		if t.id == id && !f.removedTemplates[id] {
			return true
		}
	}
	return false
}

// templateList answers GET template/list: limit 1–100 (default 30, as list's), an optional
// template_type. The answer's shape is not published (ASSUME): template_list[] of what
// template/detail names a template by, id and title, with the total.
func (f *Server) templateList(r *http.Request, _ map[string]any) fakeReply {
	q := r.URL.Query()
	limit := 30
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 100 {
			return fakeErr(ErrParam, "limit取值范围为1-100")
		}
		limit = n
	}
	kind := 0
	if v := q.Get("template_type"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || (n != 1 && n != 2) {
			return fakeErr(ErrParam, "template_type取值为1或2")
		}
		kind = n
	}
	list := []map[string]any{}
	for _, t := range fakeTemplates {
		if f.removedTemplates[t.id] || (kind != 0 && t.kind != kind) {
			continue
		}
		if len(list) < limit {
			list = append(list, map[string]any{"id": t.id, "title": t.title, "template_type": t.kind})
		}
	}
	return fakeOK(map[string]any{"template_list": list, "total": len(list)})
}
