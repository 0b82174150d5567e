package wecom

import (
	"context"
	"time"

	"github.com/ticketbot/ticketbot/bot"
)

// WeCom's send limits. Over them WeCom answers 45009 and the message is lost unless sent
// again, so sends queue for a free slot instead (bot.Limiter).
var (
	// The 智能机器人: replies and pushes together, per chat (DOC 101463).
	chatPerMinute = bot.Rate{N: 30, Per: time.Minute}
	chatPerHour   = bot.Rate{N: 1000, Per: time.Hour}
	// The group webhook robot, per robot (DOC 91770).
	robotPerMinute = bot.Rate{N: 20, Per: time.Minute}
)

// wait blocks until one more event under key is within the limits, or ctx ends.
func (w *WeCom) wait(ctx context.Context, l *bot.Limiter, key string) error {
	d, err := l.Wait(ctx, key, w.sleep)
	if d > 0 {
		w.log.DebugContext(ctx, "wecom: rate limit, waiting", "wait", d)
	}
	return err
}
