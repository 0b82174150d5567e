package wecom

import (
	"context"
	"fmt"
	"time"

	"github.com/ticketbot/ticketbot/bot"
)

// WeCom's send limits. Over them WeCom answers 45009 and the message is lost unless sent
// again, so sends take a slot first (bot.Limiter): a near slot is waited for, a far one is
// not (bot.BusyError), so that one busy chat never holds the workers every chat shares.
var (
	// The 智能机器人: replies and pushes together, per chat (DOC 101463).
	chatPerMinute = bot.Rate{N: 30, Per: time.Minute}
	chatPerHour   = bot.Rate{N: 1000, Per: time.Hour}
	// The group webhook robot, per robot (DOC 91770).
	robotPerMinute = bot.Rate{N: 20, Per: time.Minute}
)

// backgroundSendWait bounds the wait of the sends the platform makes in goroutines of its
// own (a click's notice, the busy notice), within their 30 s: they hold no shared worker, so
// they may wait for the chat's turn rather than be lost.
const backgroundSendWait = 25 * time.Second

// take waits for one more event under key within the limits if its slot comes by by;
// otherwise it returns a *bot.BusyError saying when, having waited for nothing.
func (w *WeCom) take(ctx context.Context, l *bot.Limiter, key string, by time.Time) error {
	d, _, err := l.Take(ctx, key, by, w.sleep)
	if d > 0 {
		w.log.DebugContext(ctx, "wecom: rate limit, waited", "chat_id", key, "wait", d)
	}
	if _, busy := bot.BusyUntil(err); busy {
		return fmt.Errorf("wecom: chat %s: %w", key, err)
	}
	return err
}

// sendBy is the latest a send under ctx, starting now, may wait until for a slot.
func (w *WeCom) sendBy(ctx context.Context) time.Time {
	return w.now().Add(bot.SendWait(ctx))
}
