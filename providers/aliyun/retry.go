package aliyun

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/ticketbot/ticketbot/providers"
	"github.com/ticketbot/ticketbot/retry"
)

// Reads (Get, GetMany, Notes, List, attachment links, catalog lists, and the upload grants
// getOSSTempAuthor and GetAttachmentUploadUrl, which change nothing) are retried on temporary
// failures: readAttempts attempts in all, waiting the one backoff (retry.Policy) between them.
// Writes (add, QuestionReply, CreateTicket, ReplyTicket, CloseTicket, the file upload itself)
// are never retried: Aliyun has no idempotency key, so a retried add after a lost answer would
// file a second ticket.
const readAttempts = 3

// readBackoff waits 100–200 ms before the second attempt and 200–400 ms before the third: short,
// because a person is waiting for the answer, and jittered, so replicas that failed together
// do not come back together.
var readBackoff = retry.Policy{Base: 200 * time.Millisecond, Max: time.Second}

// sleepCtx waits d or until ctx is done, whichever comes first.
func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// temporary reports whether err is a vendor failure worth retrying.
func temporary(err error) bool {
	var ve *providers.VendorError
	return errors.As(err, &ve) && ve.Temporary
}

// temporaryCode reports whether an Aliyun code means "busy, try later": the 2016 -153
// SYSTEM_BUSY (help.aliyun 143228), the gateway's throttling and unavailability codes, and the
// 2021 System.error.
func temporaryCode(code string) bool {
	switch code {
	case "-153", "SYSTEM_BUSY", "ServiceUnavailable", "InternalError", "System.error", "SystemBusy":
		return true
	}
	return strings.HasPrefix(code, "Throttling") || strings.HasPrefix(code, "ServiceUnavailable")
}
