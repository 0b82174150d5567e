package wecom

import (
	"bytes"
	"context"
	"fmt"
	"maps"
	"mime/multipart"
	"net/http"
	"net/url"
	"slices"
	"strconv"

	"github.com/ticketbot/ticketbot/bot"
)

// pathRobotUpload is the group robot's file upload (DOC 91770 文件上传接口): it proves a key
// and posts nothing, the file is kept three days for that robot alone.
const pathRobotUpload = "/cgi-bin/webhook/upload_media"

// probeFile is what the upload sends: WeCom takes 5 bytes to 20 MB.
var probeFile = []byte("ticketbot check --online\n")

var _ bot.Prober = (*WeCom)(nil)

// Probe checks what can be checked from our side (bot.Prober). Long connection: subscribe
// with bot_id and secret, then close; WeCom keeps one connection per bot, so a running bot's
// connection is taken over and reconnects. Callback mode: each [[chats]] webhook robot's key,
// by an upload that posts nothing. A callback without robots has nothing to call: WeCom calls
// us, so Probe answers an error matching bot.ErrUnsupported that says so.
func (w *WeCom) Probe(ctx context.Context) (string, error) {
	if w.cfg.Mode == ModeWebsocket {
		return cmdSubscribe, w.probeSubscribe(ctx)
	}
	chats := slices.Sorted(maps.Keys(w.robots))
	if len(chats) == 0 {
		return "callback", fmt.Errorf("%w: in callback mode WeCom calls the bot; save the URL in the WeCom console, which checks it with a signed GET, or give a chat a webhook_key", bot.ErrUnsupported)
	}
	for _, chat := range chats {
		if err := w.probeRobot(ctx, w.cfg.Robots[chat].Reveal()); err != nil {
			return "webhook/upload_media", fmt.Errorf("chat %s: %w", chat, err)
		}
	}
	return "webhook/upload_media", nil
}

// probeSubscribe dials the long connection, subscribes and says goodbye.
func (w *WeCom) probeSubscribe(ctx context.Context) error {
	ws, resp, err := w.dialer.DialContext(ctx, w.cfg.WSURL, nil)
	if resp != nil && resp.Body != nil {
		_ = resp.Body.Close()
	}
	if err != nil {
		return &APIError{Channel: channelWS, Op: "dial", Msg: err.Error(), err: err}
	}
	var slot connSlot // its own: the probe's connection is never the bot's current one
	slot.init()
	c := newWSConn(ws, &slot, w.ackTimeout)
	defer c.closeNormally()
	stop := context.AfterFunc(ctx, c.close) // the acknowledgement's wait ends with ctx
	defer stop()
	if _, err := w.subscribe(c); err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return err
	}
	return nil
}

// probeRobot uploads probeFile with key and reads WeCom's answer.
func (w *WeCom) probeRobot(ctx context.Context, key string) error {
	const op = "upload_media"
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	h := make(map[string][]string)
	h["Content-Disposition"] = []string{`form-data; name="media"; filename="ticketbot-check.txt"; filelength=` + strconv.Itoa(len(probeFile))}
	h["Content-Type"] = []string{"application/octet-stream"}
	part, _ := mw.CreatePart(h)
	_, _ = part.Write(probeFile)
	_ = mw.Close()
	target := w.cfg.APIBaseURL + pathRobotUpload + "?key=" + url.QueryEscape(key) + "&type=file"
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, &body)
	if err != nil {
		return &APIError{Channel: channelRobot, Op: op, Msg: "bad request URL"}
	}
	req.Header.Set("Content-Type", mw.FormDataContentType())
	return w.exchange(req, channelRobot, op, key)
}
