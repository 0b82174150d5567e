package main

import (
	"flag"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/ticketbot/ticketbot/bot/wecom"
)

// bareMain is `loadratio bare -listen ADDR [-body N]`: the yardstick, a Gin server on the
// webhook paths that reads the body and answers 200, with the same server timeouts as
// ticketbot serve. It runs until SIGTERM or SIGINT.
func bareMain(args []string) int {
	fs := flag.NewFlagSet("bare", flag.ContinueOnError)
	listen := fs.String("listen", "127.0.0.1:0", "address to listen on")
	body := fs.Int("body", 0, "bytes to answer with")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	return serveUntilSignal("bare", []string{"-listen", *listen}, bareEngine(*body), 30*time.Second)
}

// bareEngine answers 200 to a POST on either webhook path once the body is read: empty, the
// issue's yardstick, or with body bytes of JSON (-bare-body: what an answer in the callback's
// response costs the server, the kernel and the generator without any of ticketbot's work).
func bareEngine(body int) *gin.Engine {
	gin.SetMode(gin.ReleaseMode)
	e := gin.New()
	answer := []byte(`{"x":"` + strings.Repeat("a", max(0, body-8)) + `"}`)
	h := func(c *gin.Context) {
		_, _ = io.Copy(io.Discard, c.Request.Body)
		if body > 0 {
			c.Data(http.StatusOK, "application/json; charset=utf-8", answer)
			return
		}
		c.Status(http.StatusOK)
	}
	e.POST(feishuPath, h)
	e.POST(wecom.CallbackPath, h)
	e.GET("/healthz", func(c *gin.Context) { c.Status(http.StatusOK) })
	return e
}
