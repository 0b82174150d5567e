package feishu

import (
	"context"
	"errors"
	"time"

	"github.com/ticketbot/ticketbot/bot"
)

// Feishu's send limits (DOC 频控策略; reference chat-platforms §limits): 5 messages a second
// into one group (shared by every bot in it), 50 a second and 1000 a minute per app, and 5
// updates a second of one card. Over them Feishu answers 99991400 or 230020 and posts
// nothing, so a burst of answers in a busy group would turn into errors; sends wait for a
// free slot instead, and a refused one waits as Feishu says and goes again with the same
// uuid (which cannot post twice).
//
// Each is kept under Feishu's count and spread evenly (one send every 250 ms rather than
// four at once): Feishu counts arrivals, the limiter departures, and the network between
// them is not equally fast for every request, so a burst at a window's edge could arrive
// as more than Feishu allows.
var (
	chatRate     = bot.Rate{N: 1, Per: 250 * time.Millisecond}
	appPerSecond = bot.Rate{N: 1, Per: 25 * time.Millisecond}
	appPerMinute = bot.Rate{N: 900, Per: time.Minute}
	cardRate     = bot.Rate{N: 1, Per: 250 * time.Millisecond}
)

// Retries of a send Feishu refused for its rate: first after Feishu's own hint or limitBackoff,
// doubling to limitBackoffMax, at most limitRetries times (within the caller's ctx).
const (
	limitRetries    = 6
	limitBackoff    = 500 * time.Millisecond
	limitBackoffMax = 8 * time.Second
)

// pacer holds the limiters of one app.
type pacer struct {
	chats *bot.Limiter // per chat id
	app   *bot.Limiter // one key: the app
	cards *bot.Limiter // per message id, for updates
}

func newPacer(now func() time.Time) pacer {
	return pacer{
		chats: bot.NewLimiter(now, chatRate),
		app:   bot.NewLimiter(now, appPerSecond, appPerMinute),
		cards: bot.NewLimiter(now, cardRate),
	}
}

// paced runs call once each limit has a slot for it (chat "" and card "" skip those), and
// again after a rate-limit answer, as long as ctx allows.
func (f *Feishu) paced(ctx context.Context, chat, card string, call func() error) error {
	backoff := limitBackoff
	for try := 0; ; try++ {
		if chat != "" {
			if _, err := f.pace.chats.Wait(ctx, chat, f.sleep); err != nil {
				return transportError("wait for the chat's send rate", err)
			}
		}
		if card != "" {
			if _, err := f.pace.cards.Wait(ctx, card, f.sleep); err != nil {
				return transportError("wait for the card's update rate", err)
			}
		}
		if _, err := f.pace.app.Wait(ctx, "app", f.sleep); err != nil {
			return transportError("wait for the app's send rate", err)
		}
		err := call()
		var ae *APIError
		if !errors.As(err, &ae) || !ae.rateLimited() || try >= limitRetries {
			return err
		}
		wait := max(ae.RetryAfter, backoff)
		f.log.WarnContext(ctx, "feishu: rate limited, sending again", "op", ae.Op, "chat_id", chat, "in", wait)
		if serr := f.sleep(ctx, wait); serr != nil {
			return err
		}
		backoff = min(2*backoff, limitBackoffMax)
	}
}

// rateLimited reports an answer that refused the call for Feishu's rate, posting nothing.
func (e *APIError) rateLimited() bool {
	return e.Code == codeRateLimited || e.Code == codeChatRateLimited || (e.Temporary && e.RetryAfter > 0)
}
