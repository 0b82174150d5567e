package command

import (
	"context"
	"errors"

	"github.com/ticketbot/ticketbot/providers"
	"github.com/ticketbot/ticketbot/store"
)

// record writes one audit entry for a request: who, in which chat, which command on which
// ticket, the vendor's request ids and the result. It never holds the text people wrote.
func (b *Bot) record(ctx context.Context, r *req, op string, t TicketRef, result, detail string, reqIDs []string) {
	name := r.userName
	if u := b.env.person(r); u != nil && u.Name != "" {
		name = u.Name
	}
	err := b.Store.RecordAudit(context.WithoutCancel(ctx), store.AuditEntry{At: b.Now(), Platform: r.platform, ChatID: r.chatID,
		UserID: r.userID, UserName: name, Command: op, Provider: t.Provider, TicketID: t.ID,
		RequestID: r.requestID, RequestIDs: reqIDs, Result: result, Detail: detail})
	if err != nil {
		b.Log.Error("record audit", "err", err)
	}
}

// auditJob records a job's end when it came after retries, in the name of who asked for it.
func (b *Bot) auditJob(ctx context.Context, j store.Job, d jobData, result, detail string, reqIDs []string) {
	r := &req{platform: j.Platform, chatID: j.ChatID, userID: j.UserID, userName: d.User, requestID: d.RequestID}
	b.record(ctx, r, j.Kind+" (retry)", TicketRef{Provider: j.Provider, ID: j.TicketID}, result, detail, reqIDs)
}

// auditResult classifies a command's end for the audit: ok, queued, stale, denied, refused
// (the person's mistake or a vendor's refusal, with its code), or error (ours).
func auditResult(o outcome, err error) (result, detail string) {
	var ue *userError
	var ve *providers.VendorError
	switch {
	case err == nil && o.result != "":
		return o.result, ""
	case err == nil:
		return "ok", ""
	case errors.As(err, &ue) && ue.denied:
		return "denied", ue.zh
	case errors.As(err, &ue):
		return "refused", ue.zh
	case errors.As(err, &ve):
		return "failed", ve.Code
	case errors.Is(err, providers.ErrNotFound), errors.Is(err, providers.ErrNotCreator),
		errors.Is(err, providers.ErrAlreadyClosed), errors.Is(err, providers.ErrUnsupported):
		return "failed", err.Error()
	}
	return "error", ""
}
