// Package ksyuntest is a fake Kingsoft workorder API for tests and the demo, the way
// net/http/httptest serves HTTP: New starts a Server on loopback that checks what the real API
// checks, and its Config points a ksyun.Provider at it.
package ksyuntest

import "github.com/ticketbot/ticketbot/providers"

// The fake's own copy of what the Kingsoft workorder doc publishes. It is written out here
// rather than taken from package ksyun, so the fake checks the client against the doc and not
// against the client's own reading of it.

// apiPath is the prefix of every workorder endpoint.
const apiPath = "/workorder/api/ticket/"

// successCode is the errno of a successful call.
const successCode = 10000

// maxResponse bounds what the fake reads of a request body or multipart form.
const maxResponse = 8 << 20

// The raw ticket statuses (工单状态) of the doc.
const (
	statusPending    = 1 // 待处理
	statusProcessing = 2 // 处理中
	statusClosed     = 3 // 已关闭
	statusCancelled  = 4 // 已取消
)

// The per-product-line assignment statuses (产品线处理状态) of the doc: 1 待处理, 2 处理中,
// 3 处理完毕, 4 已拒绝, 5 已撤销.
const (
	assignPending    = 1
	assignProcessing = 2
	assignRejected   = 4
)

// shanghai is the zone of the doc's date-times.
var shanghai = providers.Shanghai
