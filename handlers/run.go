package handlers

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"

	"github.com/ticketbot/ticketbot/bot"
	"github.com/ticketbot/ticketbot/providers"
	"github.com/ticketbot/ticketbot/store"
	"github.com/ticketbot/ticketbot/work"
)

// run executes one parsed command and records it in the audit table.
func (b *Bot) run(ctx context.Context, r *req, c Command, log *slog.Logger) outcome {
	ctx, reqs := providers.WithRequestLog(ctx)
	o, err := b.exec(ctx, r, &c, log)
	result, detail := auditResult(o, err)
	ticket := c.Ticket
	if o.ticket != nil && ticket.ID == "" {
		ticket = TicketRef{Provider: o.ticket.Provider, ID: o.ticket.ID}
	}
	defer func() { b.record(ctx, r, string(c.Spec.Op), ticket, result, detail, reqs.IDs()) }()
	if err == nil {
		return o
	}
	var ue *userError
	if errors.As(err, &ue) {
		return outcome{level: "error", text: ue.text(r.en)}
	}
	var use *UsageError
	if errors.As(err, &use) {
		return outcome{level: "error", text: usageHint(err, b.features(r.platform))}
	}
	if ue, ok := vendorError(err, c.Ticket.Provider, c.Ticket.String(), r.en); ok {
		log.Warn("vendor refused", "command", string(c.Spec.Op), "err", err)
		return outcome{level: "error", text: ue.text(r.en)}
	}
	text, id := internalError(r.en)
	detail = "error id " + id
	log.Error("command failed", "command", string(c.Spec.Op), "error_id", id, "err", err)
	return outcome{level: "error", text: text}
}

func (b *Bot) exec(ctx context.Context, r *req, c *Command, log *slog.Logger) (outcome, error) {
	if c.Secret != "" && r.chatType != "p2p" {
		// Said in a group, the secret is no secret any more; sending it on would only add a
		// second copy. Nothing goes to the vendor and nothing is echoed.
		return outcome{}, userErrf("机密信息只能在与机器人的单聊中发送，本条消息没有发送到工单。请撤回群里的这条消息，并在单聊中重发。",
			"Confidential content is accepted only in a one-to-one chat with the bot; nothing was sent. Recall this message and send it there.")
	}
	switch c.Spec.Op {
	case OpNew, OpReply, OpClose:
		if !b.mayWrite(r) {
			return outcome{}, &userError{denied: true,
				zh: "只有本群配置的成员可以建单、回复和关闭工单；你仍可以查看和关注工单。",
				en: "Only this chat's configured members may create, reply to and close tickets; you may still view and watch them."}
		}
	}
	if c.Spec.Op == OpNew {
		return b.create(ctx, r, c, log)
	}
	if c.Spec.Op == OpHelp {
		out, err := b.output(r.platform, "help", HelpCard(b.features(r.platform), c.Topic))
		return outcome{out: out, level: "info"}, err
	}
	if c.Spec.Op == OpList {
		return b.list(ctx, r, c.All)
	}
	p, err := b.provider(r, c.Ticket.Provider)
	if err != nil {
		return outcome{}, err
	}
	c.Ticket.Provider = p.Name()
	ref := c.Ticket.String()
	switch c.Spec.Op {
	case OpShow:
		t, err := b.fetch(ctx, p, c.Ticket.ID)
		if err != nil {
			return outcome{}, err
		}
		return outcome{ticket: &t, notes: b.recentNotes(ctx, p, t.ID, log), fresh: true, level: "success", text: say(r.en, "已刷新", "Refreshed")}, nil
	case OpCard:
		// The reply box's 取消: the card as it was, quietly, without asking the vendor.
		t, err := b.known(ctx, p, c.Ticket.ID)
		if err != nil {
			return outcome{}, err
		}
		return outcome{ticket: &t, quiet: true}, nil
	case OpConfirm:
		return b.confirm(ctx, r, p, c)
	case OpReply:
		if c.Secret != "" {
			return b.replySecret(ctx, r, p, c.Ticket.ID, c.Text, c.Secret, log)
		}
		if c.Text == "" {
			// The 回复 button opens the reply box; nothing is sent yet.
			t, err := b.known(ctx, p, c.Ticket.ID)
			if err != nil {
				return outcome{}, err
			}
			return outcome{ticket: &t, replyForm: true, level: "info", text: say(r.en, "请在卡片中输入回复", "Write your reply in the card")}, nil
		}
		if r.click {
			// The reply box's 提交: one submission, however often it is clicked.
			if lost, ok := b.claim(ctx, r, p.Name(), c.Ticket.ID, "reply"); !ok {
				return lost, nil
			}
		}
		return b.reply(ctx, r, p, c.Ticket.ID, c.Text, log)
	case OpClose:
		return b.close(ctx, r, p, c.Ticket.ID, c.Text, log)
	case OpWatch:
		t, err := b.fetch(ctx, p, c.Ticket.ID)
		if err != nil {
			return outcome{}, err
		}
		if err := b.Store.Follow(ctx, store.Follow{Platform: r.platform, ChatID: r.chatID, Provider: t.Provider, TicketID: t.ID, By: r.user(), CreatedAt: b.Now()}); err != nil {
			return outcome{}, err
		}
		return outcome{ticket: &t, fresh: true, level: "success",
			text: say(r.en, fmt.Sprintf("本群已关注工单 %s，状态变化会通知本群。", ref), fmt.Sprintf("This chat now watches %s.", ref))}, nil
	case OpUnwatch:
		was, err := b.Store.Unfollow(ctx, r.platform, r.chatID, p.Name(), c.Ticket.ID)
		if err != nil {
			return outcome{}, err
		}
		o := outcome{level: "success", text: say(r.en, fmt.Sprintf("本群已取消关注工单 %s。", ref), fmt.Sprintf("This chat no longer watches %s.", ref))}
		if !was {
			o = outcome{level: "info", text: say(r.en, fmt.Sprintf("本群没有关注工单 %s。", ref), fmt.Sprintf("This chat was not watching %s.", ref))}
		}
		if t, err := b.known(ctx, p, c.Ticket.ID); err == nil {
			o.ticket = &t // redraw the card: its 关注 button flips
		}
		return o, nil
	}
	return outcome{}, fmt.Errorf("command %s has no handler", c.Spec.Op)
}

// create makes the ticket at the vendor, follows it from this chat and posts its card. A
// title whose first word looks like a vendor's name ("aliyn", "tencent") is asked about and
// nothing is created: filed at the default vendor it would be a ticket nobody meant.
func (b *Bot) create(ctx context.Context, r *req, c *Command, log *slog.Logger) (outcome, error) {
	if c.Provider == "" {
		if g, ok := guessVendor(c.Title); ok {
			return outcome{}, g.question(c.Title, b.Providers, b.defaultProvider(r), r.en)
		}
		if names := configuredNames(b.Providers); b.defaultProvider(r) == "" && len(names) > 0 {
			title := truncateRunes(c.Title, 30)
			return outcome{}, &userError{
				zh: fmt.Sprintf("请写明在哪个供应商建单，例如「建单 %s %s」。可用：%s。", names[0], title, strings.Join(names, "、")),
				en: fmt.Sprintf("Name the vendor, e.g. \"new %s %s\". Available: %s.", names[0], title, strings.Join(names, ", ")),
			}
		}
	}
	p, err := b.provider(r, c.Provider)
	if err != nil {
		return outcome{}, err
	}
	c.Ticket.Provider = p.Name() // for the error sentence
	req := providers.CreateRequest{Title: c.Title, Content: c.Content, Priority: c.Priority, Type: c.Type, Actor: b.actor(r, p.Name())}
	var t providers.Ticket
	secretLost := false
	if c.Secret != "" {
		sc, ok := p.(providers.SecretCreator)
		if !ok {
			return outcome{}, noSecrets(p.Name())
		}
		// Confidential content is never stored, so this create is not kept in the work
		// engine: it is tried once, and a vendor that is down is told to the person.
		t, err = sc.CreateSecret(ctx, req, providers.Secret(c.Secret))
		if err != nil && t.ID == "" && retryable(err) {
			return outcome{}, notKept(p.Name(), err)
		}
		if err != nil && t.ID != "" {
			// Created, but the confidential part did not get through: say so, keep the ticket.
			log.Warn("confidential content not sent", "provider", p.Name(), "ticket_id", t.ID)
			err, secretLost = nil, true
		}
	} else {
		// Through the work engine, files too (fetched again at each try): a create that fails
		// for now is checked at the vendor (by title and time) before it is tried again,
		// never repeated blindly; a vendor that cannot be asked is not retried at all.
		if err := b.mayAttach(p, r.files); err != nil {
			return outcome{}, err
		}
		j := b.newJob(jobCreate, r.deliveryKey(), r, p.Name(), "", jobData{Create: &req, Actor: req.Actor, Files: r.files})
		nt, end, jerr := b.submit(ctx, j, log)
		switch end {
		case work.Queued:
			return queuedOutcome(r, p.Name(), jobCreate, jerr), nil
		case work.Duplicate:
			return outcome{level: "info", text: say(r.en, "这条建单请求已经在处理中。", "This request is already being handled.")}, nil
		case work.Failed:
			return outcome{}, jerr
		}
		log.Info("ticket created", "provider", nt.Provider, "ticket_id", nt.ID)
		return createdOutcome(r, *nt, c.Priority, false), nil // the engine recorded and followed it
	}
	if err != nil {
		return outcome{}, err
	}
	log.Info("ticket created", "provider", t.Provider, "ticket_id", t.ID)
	b.track(ctx, t, r.platform, r.chatID, r.user(), log)
	return createdOutcome(r, t, c.Priority, secretLost), nil
}

// track records a ticket the bot just created as its own and makes the chat follow it. The
// ticket exists now: a failure here is logged, never reported as a failed create.
func (b *Bot) track(ctx context.Context, t providers.Ticket, platform, chatID, user string, log *slog.Logger) {
	if err := b.remember(ctx, t, user, true); err != nil {
		log.Error("store ticket", "provider", t.Provider, "ticket_id", t.ID, "err", err)
	}
	if err := b.Store.Follow(ctx, store.Follow{Platform: platform, ChatID: chatID, Provider: t.Provider, TicketID: t.ID, By: user, CreatedAt: b.Now()}); err != nil {
		log.Error("follow ticket", "provider", t.Provider, "ticket_id", t.ID, "err", err)
	}
}

// createdOutcome shows the new ticket's card; its footer says what was not filed as asked:
// a priority the vendor has no level for, confidential content that did not get through.
func createdOutcome(r *req, t providers.Ticket, asked string, secretLost bool) outcome {
	o := outcome{ticket: &t, fresh: true, level: "success", text: say(r.en,
		fmt.Sprintf("已在%s创建工单 %s", providerLabel(t.Provider, false), t.Ref()),
		fmt.Sprintf("Created ticket %s at %s", t.Ref(), providerLabel(t.Provider, true)))}
	var notes []string
	if n := priorityNote(asked, t); n != "" {
		notes = append(notes, n)
	}
	if secretLost {
		notes = append(notes, "工单已创建，但机密信息未能提交：请在单聊中用「回复 "+t.Ref()+"」加「机密: …」一行重发。")
	}
	o.footer = strings.Join(notes, "\n")
	return o
}

// priorityNote tells the person when the ticket was not filed at the priority they asked
// for: the vendor has no such level (the nearest was used), or no priority at all.
func priorityNote(asked string, t providers.Ticket) string {
	if asked == "" || asked == t.PriorityLevel {
		return ""
	}
	l, want := providerLabel(t.Provider, false), providers.PriorityLabel(asked)
	if t.PriorityLevel == "" {
		return fmt.Sprintf("%s的工单没有优先级，「%s」未提交，按供应商的默认处理。", l, want)
	}
	return fmt.Sprintf("%s没有「%s」级别，已按「%s」提交。", l, want, providers.PriorityLabel(t.PriorityLevel))
}

// replySecret sends confidential content (and any plain text with it) to the ticket. The
// answer never repeats the content.
func (b *Bot) replySecret(ctx context.Context, r *req, p providers.Provider, id, text, secret string, log *slog.Logger) (outcome, error) {
	sr, ok := p.(providers.SecretReplier)
	if !ok {
		return outcome{}, noSecrets(p.Name())
	}
	// Confidential content is never stored, so this reply is not kept in the work engine:
	// it is tried once, and a vendor that is down is told to the person.
	if err := sr.ReplySecret(ctx, id, secret, b.actor(r, p.Name())); err != nil {
		if retryable(err) {
			return outcome{}, notKept(p.Name(), err)
		}
		return outcome{}, err
	}
	log.Info("confidential reply sent", "provider", p.Name(), "ticket_id", id)
	if text != "" {
		if _, err := b.reply(ctx, r, p, id, text, log); err != nil {
			return outcome{}, err
		}
	}
	ref := p.Name() + ":" + id
	return outcome{level: "success", text: say(r.en, "已把机密信息提交到工单 "+ref+"（内容不会显示在群里）。", "Confidential content sent to "+ref+"; it is shown nowhere in chat.")}, nil
}

// mayAttach refuses files the vendor cannot take before anything is stored or sent: a vendor
// without attachments, or more files than it takes at once.
func (b *Bot) mayAttach(p providers.Provider, files []bot.FileRef) error {
	if len(files) == 0 {
		return nil
	}
	a, ok := p.(providers.Attacher)
	if !ok {
		return noFiles(p.Name())
	}
	if maxFiles, _ := a.FileLimits(); len(files) > maxFiles {
		return userErrf("一次最多附带 %d 个文件。", "At most %d files at a time.", maxFiles)
	}
	return nil
}

// fetchFiles downloads what the person sent with message messageID, within the vendor's
// limits, so a file that is too big is refused with a sentence before anything reaches the
// vendor. Each try of a job fetches again: the files are never stored.
func (b *Bot) fetchFiles(ctx context.Context, platform, messageID string, refs []bot.FileRef, a providers.Attacher) ([]providers.File, error) {
	maxFiles, maxBytes := a.FileLimits()
	if len(refs) > maxFiles {
		return nil, userErrf("一次最多附带 %d 个文件。", "At most %d files at a time.", maxFiles)
	}
	ff, ok := b.Platforms[platform].(bot.FileFetcher)
	if !ok {
		return nil, userErrf("这个平台的附件无法读取。", "Files cannot be read on this platform.")
	}
	var out []providers.File
	for _, f := range refs {
		data, err := ff.FetchFile(ctx, messageID, f, maxBytes)
		if err != nil {
			return nil, &userError{
				zh: fmt.Sprintf("附件「%s」无法读取（单个文件不能超过 %d MB）。", f.Name, maxBytes>>20),
				en: fmt.Sprintf("Could not read the file %s (at most %d MB each).", f.Name, maxBytes>>20),
			}
		}
		out = append(out, providers.File{Name: f.Name, Data: data})
	}
	return out, nil
}

func noFiles(provider string) *userError {
	return userErrf("%s的接口不收附件；本条消息没有发送到工单。请去掉附件重发。", "%s takes no attachments; nothing was sent. Send it again without the file.", providerLabel(provider, false))
}

func fileNames(fs []bot.FileRef) string {
	names := make([]string, len(fs))
	for i, f := range fs {
		names[i] = f.Name
	}
	return strings.Join(names, "、")
}

// notKept answers a confidential write the vendor could not take now: unlike every other
// write it was not kept for a retry, because the bot stores no confidential content.
func notKept(provider string, err error) *userError {
	return userErrf("%s暂时无法访问（%s）。机密信息不会保存在机器人里，所以这条没有排队重试：请稍后在单聊中重发。",
		"%s is unavailable right now (%s). Confidential content is never stored by the bot, so this was not kept for a retry: send it again later, one to one.",
		providerLabel(provider, false), failCode(err))
}

func noSecrets(provider string) *userError {
	return userErrf("%s不支持机密信息；本条消息没有发送到工单。", "%s takes no confidential content; nothing was sent.", providerLabel(provider, false))
}

// reply sends text to the ticket as a comment.
func (b *Bot) reply(ctx context.Context, r *req, p providers.Provider, id, text string, log *slog.Logger) (outcome, error) {
	rep := providers.Reply{Text: text, Actor: b.actor(r, p.Name())}
	if err := b.mayAttach(p, r.files); err != nil {
		return outcome{}, err
	}
	// Through the work engine, files too (fetched again at each try): a vendor that is down
	// gets it later, and a try whose outcome is unknown is checked at the vendor first.
	j := b.newJob(jobReply, r.deliveryKey(), r, p.Name(), id, jobData{Text: text, Actor: rep.Actor, Version: r.claimed, Files: r.files})
	_, end, err := b.submit(ctx, j, log)
	switch end {
	case work.Queued:
		return queuedOutcome(r, p.Name(), jobReply, err), nil
	case work.Duplicate:
		return outcome{level: "info", text: say(r.en, "这条回复已经在处理中。", "This reply is already being handled.")}, nil
	case work.Failed:
		return outcome{}, err
	}
	ref := p.Name() + ":" + id
	log.Info("reply sent", "provider", p.Name(), "ticket_id", id)
	o := outcome{level: "success", text: say(r.en, "已回复到工单 "+ref, "Replied to "+ref)}
	// Redraw the card; the reply itself went through even if this read fails.
	if t, err := b.fetch(ctx, p, id); err == nil {
		o.ticket = &t
	} else if t, err := b.known(ctx, p, id); err == nil {
		o.ticket = &t
	}
	return o, nil
}

// close closes the ticket if the person may: its creator (through the bot or by vendor
// identity) or an admin of the chat. The vendor may refuse still (Kingsoft: creator only).
func (b *Bot) close(ctx context.Context, r *req, p providers.Provider, id, remark string, log *slog.Logger) (outcome, error) {
	ref := p.Name() + ":" + id
	st, serr := b.Store.Ticket(ctx, p.Name(), id)
	if serr == nil && r.version >= 0 && st.Version != r.version {
		return b.lostClaim(r, st), nil // a repeated or stale click: no vendor call at all
	}
	t, err := b.fetch(ctx, p, id)
	if err != nil && retryable(err) {
		// The vendor is down: close from what the bot knows; the outbox delivers the close.
		t, err = b.known(ctx, p, id)
	}
	if err != nil {
		return outcome{}, err
	}
	if t.Status.Terminal() {
		o := outcome{ticket: &t, level: "info", text: say(r.en, fmt.Sprintf("工单 %s 已经是「%s」。", ref, t.Status.Label()), fmt.Sprintf("Ticket %s is already %s.", ref, t.Status.LabelEN()))}
		// Read again: someone's close may have won while the vendor was asked.
		if now, err := b.Store.Ticket(ctx, p.Name(), id); err == nil && now.ActedOp == "close" && now.ActedBy != "" {
			o.text = say(r.en, fmt.Sprintf("工单 %s 已由 @%s 关闭，无需重复操作。", ref, now.ActedBy), fmt.Sprintf("Ticket %s was already closed by @%s.", ref, now.ActedBy))
		}
		return o, nil
	}
	if err := b.mayClose(ctx, r, p, t); err != nil {
		return outcome{}, err
	}
	actor := b.actor(r, p.Name())
	if remark == "" {
		name := actor.Name
		if name == "" {
			name = "群成员"
		}
		remark = fmt.Sprintf("由 %s 在群聊中关闭（ticketbot）", name)
	}
	if lost, ok := b.claim(ctx, r, p.Name(), id, "close"); !ok {
		return lost, nil
	}
	j := b.newJob(jobClose, r.deliveryKey(), r, p.Name(), id, jobData{Text: remark, Actor: actor, Version: r.claimed})
	nt, end, err := b.submit(ctx, j, log)
	switch end {
	case work.Queued:
		o := queuedOutcome(r, p.Name(), jobClose, err)
		o.ticket = &t
		return o, nil
	case work.Duplicate:
		return outcome{level: "info", text: say(r.en, "这个关闭请求已经在处理中。", "This close is already being handled.")}, nil
	case work.Failed:
		return outcome{}, err
	}
	log.Info("ticket closed", "provider", p.Name(), "ticket_id", id)
	if nt != nil {
		t = *nt
	}
	who := actor.Name
	if who == "" {
		who = "群成员"
	}
	return outcome{ticket: &t, level: "success", footer: who + " 关闭了工单",
		text: say(r.en, "已关闭工单 "+ref, "Closed ticket "+ref)}, nil
}

// mayClose refuses a close by anyone but the ticket's creator (through the bot, or by their
// vendor identity) and the chat's admins.
func (b *Bot) mayClose(ctx context.Context, r *req, p providers.Provider, t providers.Ticket) error {
	st, _ := b.Store.Ticket(ctx, p.Name(), t.ID)
	actor := b.actor(r, p.Name())
	if st.CreatorUserID == r.user() || (actor.VendorID != "" && actor.VendorID == t.CreatorID) || b.isAdmin(r) {
		return nil
	}
	ref := t.Ref()
	return &userError{denied: true,
		zh: fmt.Sprintf("只有工单创建人或群管理员可以关闭工单 %s。", ref),
		en: fmt.Sprintf("Only the ticket's creator or a chat admin may close %s.", ref)}
}

// list shows the tickets this chat follows, from what the bot last saw: those the group must
// act on first; closed ones only when all is asked for.
func (b *Bot) list(ctx context.Context, r *req, all bool) (outcome, error) {
	fs, err := b.Store.Following(ctx, r.platform, r.chatID)
	if err != nil {
		return outcome{}, err
	}
	data := listData{all: all}
	for _, f := range fs {
		t := providers.Ticket{Provider: f.Provider, ID: f.TicketID, Status: providers.StatusUnknown}
		if st, err := b.Store.Ticket(ctx, f.Provider, f.TicketID); err == nil && len(st.Snapshot) > 0 {
			_ = json.Unmarshal(st.Snapshot, &t)
		}
		data.add(t)
	}
	out, err := b.output(r.platform, "list", data.card())
	return outcome{out: out, level: "info"}, err
}

// recentNotes are the conversation's last entries, for 刷新; a failure only leaves them out.
func (b *Bot) recentNotes(ctx context.Context, p providers.Provider, id string, log *slog.Logger) []providers.Note {
	if !p.Capabilities().Notes {
		return nil
	}
	ns, err := p.Notes(ctx, id)
	if err != nil {
		log.Warn("notes", "provider", p.Name(), "ticket_id", id, "err", err)
		return nil
	}
	return ns[max(0, len(ns)-3):]
}

// fetch reads the ticket from the vendor and remembers what it saw.
func (b *Bot) fetch(ctx context.Context, p providers.Provider, id string) (providers.Ticket, error) {
	t, err := p.Get(ctx, id)
	if err != nil {
		return t, err
	}
	if err := b.remember(ctx, t, "", false); err != nil {
		b.Log.Error("store ticket", "provider", t.Provider, "ticket_id", t.ID, "err", err)
	}
	return t, nil
}

// known is the ticket as last seen, read from the vendor only when the bot has never seen it:
// drawing the reply box must not wait for a vendor.
func (b *Bot) known(ctx context.Context, p providers.Provider, id string) (providers.Ticket, error) {
	if st, err := b.Store.Ticket(ctx, p.Name(), id); err == nil && len(st.Snapshot) > 0 {
		var t providers.Ticket
		if json.Unmarshal(st.Snapshot, &t) == nil {
			return t, nil
		}
	}
	return b.fetch(ctx, p, id)
}

// remember stores what the bot saw of a ticket. own says the state is the result of the bot's
// own action (create, close): then it becomes the watched state, so the watcher stays quiet
// about it. Any other read (查看, 刷新, a reply) refreshes only the snapshot the cards are drawn
// from: the watcher still announces a change someone happened to see first.
func (b *Bot) remember(ctx context.Context, t providers.Ticket, creator string, own bool) error {
	snap, err := json.Marshal(t)
	if err != nil {
		return err
	}
	st := store.TicketState{Provider: t.Provider, TicketID: t.ID, Status: string(t.Status), RawStatus: t.RawStatus,
		CreatorUserID: creator, Snapshot: snap, UpdatedAt: b.Now()}
	if t.LatestNote != nil {
		st.LastNoteID = t.LatestNote.ID
	}
	if old, err := b.Store.Ticket(ctx, t.Provider, t.ID); err == nil {
		if st.CreatorUserID == "" {
			st.CreatorUserID = old.CreatorUserID
		}
		st.LastNoteID = old.LastNoteID // vendor notes are the watcher's to announce
		if !own {
			st.Status, st.RawStatus = old.Status, old.RawStatus
		}
	}
	return b.Store.SaveTicket(ctx, st)
}
