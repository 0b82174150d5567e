// Package weibantest is a fake Weiban (微伴助手) open API for work orders, with its event push,
// for tests and the demo, the way net/http/httptest serves HTTP: New starts a Server on
// loopback that checks what the real API checks, and its Config points a weiban.Provider at
// it.
package weibantest

// This file is the fake's own copy of what Weiban's documents publish (seeds/002,
// reference/ticket-providers.md §4). It is written out here rather than taken from package
// weiban, so the fake checks the client against the documents and not against the client's own
// reading of them.

// The endpoints.
const (
	tokenPath  = "/open-api/access_token/get"
	pathDetail = "/open-api/workorder/detail" // api-8267914
	pathList   = "/open-api/workorder/list"   // api-8267893
	pathCreate = "/open-api/workorder/create" // api-9470876
	pathReply  = "/open-api/workorder/reply"  // api-8932839
	pathClose  = "/open-api/workorder/close"  // api-8932822
	pathSwitch = "/open-api/workorder/switch" // api-8269990
	// pathTemplates lists the work-order templates (api-9571473, reference §4.4: limit ≤ 100,
	// template_type 1 常规流程 / 2 自动化工单).
	pathTemplates = "/open-api/workorder/template/list"
)

// maxInFlight is how many requests of one corp Weiban serves at once (doc-382947).
const maxInFlight = 5

// The documented error codes the fake answers.
const (
	codeTooConcurrent = 10052 // too many requests in flight
	codeBadToken      = 10001 // 认证错误:请提供正确的access_token
	codeNotFound      = 22301 // order_no非法,对应工单不存在
	codeClosed        = 22307 // the work order is closed, the operation is not allowed
	// codeNoTemplate is template/detail's "template_id非法,对应工单模板不存在" (api-9687065);
	// ASSUME create answers it too for a template that does not exist.
	codeNoTemplate = 223014
)

// eventKind is the event of a work order's change (doc-477078).
const eventKind = "work_order_change"

// maxResponse bounds what the fake reads of a request body.
const maxResponse = 8 << 20
