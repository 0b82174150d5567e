package main

import (
	"io"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/ticketbot/ticketbot/bot/wecom"
)

// bareMain is `loadratio bare -listen ADDR`: the yardstick, a Gin server on the webhook paths
// that reads the body and answers 200, with the same server timeouts as ticketbot serve. It
// runs until SIGTERM or SIGINT.
func bareMain(args []string) int {
	return serveUntilSignal("bare", args, bareEngine(), 30*time.Second)
}

// bareEngine answers 200 to a POST on either webhook path once the body is read.
func bareEngine() *gin.Engine {
	gin.SetMode(gin.ReleaseMode)
	e := gin.New()
	h := func(c *gin.Context) {
		_, _ = io.Copy(io.Discard, c.Request.Body)
		c.Status(http.StatusOK)
	}
	e.POST(feishuPath, h)
	e.POST(wecom.CallbackPath, h)
	e.GET("/healthz", func(c *gin.Context) { c.Status(http.StatusOK) })
	return e
}
