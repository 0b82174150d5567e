package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/ticketbot/ticketbot/bot/wecom"
)

// bareMain is `loadratio bare -listen ADDR`: the yardstick, a Gin server on the webhook paths
// that reads the body and answers 200, with the same server timeouts as ticketbot serve. It
// runs until SIGTERM or SIGINT.
func bareMain(args []string) int {
	fs := flag.NewFlagSet("bare", flag.ContinueOnError)
	listen := fs.String("listen", "127.0.0.1:0", "address to listen on")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		fmt.Fprintln(os.Stderr, "loadratio bare:", err)
		return 1
	}
	srv := &http.Server{Handler: bareEngine(), ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 30 * time.Second}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case <-ctx.Done():
	case err := <-errc:
		if !errors.Is(err, http.ErrServerClosed) {
			fmt.Fprintln(os.Stderr, "loadratio bare:", err)
			return 1
		}
	}
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = srv.Shutdown(sctx)
	return 0
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
