package feishu

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/ticketbot/ticketbot/bot"
)

// Feishu's send limits (DOC 频控策略; reference chat-platforms §limits): 5 messages a second
// into one group (shared by every bot in it), 50 a second and 1000 a minute per app, and 5
// updates a second of one card. Over them Feishu answers 99991400 or 230020 and posts
// nothing, so a burst of answers in a busy group would turn into errors; sends take a free
// slot first instead, and a refused one waits as Feishu says and goes again with the same
// uuid (which cannot post twice). Both waits are bounded by bot.SendWait: a send whose slot
// (or Feishu's retry) is further away returns a *bot.BusyError at once, posting nothing, so
// that a group asked more than its rate never holds the workers every group shares.
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
// doubling to limitBackoffMax, at most limitRetries times (within the caller's ctx and wait
// bound).
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
// again after a rate-limit answer, as long as ctx allows and no wait ends after
// bot.SendWait(ctx) from now; a longer wait is a *bot.BusyError instead.
func (f *Feishu) paced(ctx context.Context, chat, card string, call func() error) error {
	by := f.now().Add(bot.SendWait(ctx))
	backoff := limitBackoff
	for try := 0; ; try++ {
		if err := f.takeSlots(ctx, chat, card, by); err != nil {
			return err
		}
		err := call()
		var ae *APIError
		if !errors.As(err, &ae) || !ae.rateLimited() || try >= limitRetries {
			return err
		}
		wait := max(ae.RetryAfter, backoff)
		if at := f.now().Add(wait); at.After(by) {
			f.log.WarnContext(ctx, "feishu: rate limited; the message waits", "op", ae.Op, "chat_id", chat, "retry_at", at)
			return &bot.BusyError{RetryAt: at, Err: err}
		}
		f.log.WarnContext(ctx, "feishu: rate limited, sending again", "op", ae.Op, "chat_id", chat, "in", wait)
		if serr := f.sleep(ctx, wait); serr != nil {
			return err
		}
		backoff = min(2*backoff, limitBackoffMax)
	}
}

// takeSlots takes a slot of the chat, the card and the app, in that order, each by by. When
// one is busy, those already taken are given back (nothing will be posted in them) and the
// busy error is returned.
func (f *Feishu) takeSlots(ctx context.Context, chat, card string, by time.Time) error {
	limits := []struct {
		l        *bot.Limiter
		key, who string
	}{{f.pace.chats, chat, "chat"}, {f.pace.cards, card, "card"}, {f.pace.app, "app", "app"}}
	var taken []func()
	for _, x := range limits {
		if x.key == "" {
			continue
		}
		_, giveBack, err := x.l.Take(ctx, x.key, by, f.sleep)
		if err != nil {
			for _, g := range taken {
				g()
			}
			if _, busy := bot.BusyUntil(err); busy {
				return fmt.Errorf("feishu: the %s's send rate: %w", x.who, err)
			}
			return transportError("wait for the "+x.who+"'s send rate", err)
		}
		taken = append(taken, giveBack)
	}
	return nil
}

// rateLimited reports an answer that refused the call for Feishu's rate, posting nothing.
func (e *APIError) rateLimited() bool {
	return e.Code == codeRateLimited || e.Code == codeChatRateLimited || (e.Temporary && e.RetryAfter > 0)
}
