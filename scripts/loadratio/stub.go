package main

import (
	"io"
	"net/http"
	"strconv"
	"sync/atomic"
)

// stubMain is `loadratio stub -listen ADDR`: the chat platforms' open APIs as far as the
// answers of the load need them. Every call succeeds at once: Feishu's tenant token, message
// create, reply and update, WeCom's response_url and webhook robot. With it the answers a
// command workload causes are delivered and done, as they are in production, instead of
// failing and being retried for as long as the run lasts. It runs until SIGTERM or SIGINT.
func stubMain(args []string) int {
	return serveUntilSignal("stub", args, stubHandler(), 0)
}

// stubHandler answers every request with one success both platforms' clients read: Feishu's
// {"code":0,…,"data":{"message_id"}} (a new id each time) and tenant token, WeCom's
// {"errcode":0}.
func stubHandler() http.Handler {
	var n atomic.Int64
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		id := "om_stub_" + strconv.FormatInt(n.Add(1), 10)
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		_, _ = io.WriteString(w, `{"code":0,"msg":"ok","errcode":0,"errmsg":"ok","tenant_access_token":"t-loadratio","expire":7200,"data":{"message_id":"`+id+`"}}`)
	})
}
