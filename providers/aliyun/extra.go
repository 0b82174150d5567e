package aliyun

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/ticketbot/ticketbot/providers"
)

// This file holds the Aliyun operations beyond providers.Provider: confidential content,
// attachments on create and reply, note details, list, and the product and category lists.

// ErrSecretNotSent is wrapped by CreateWith's error when a 2021-06-10 ticket was created but
// its confidential content could not be sent afterwards; the ticket is returned with the
// error. Send the content again with ReplySecret.
var ErrSecretNotSent = errors.New("the ticket was created but its confidential content was not sent")

// CreateOptions are the parts of an Aliyun ticket that providers.CreateRequest cannot carry.
type CreateOptions struct {
	// SecretContent is confidential content (机密信息: passwords, personal data). With
	// 2016-08-30 it is sent as add's secContent. With 2021-06-10 it is sent right after
	// CreateTicket as an encrypted reply (ReplyTicket Encrypt=true), because the format of
	// CreateTicket's SecretInfo is not published. It is a providers.Secret, so printing the
	// options shows "<secret>"; it never reaches an error or a log.
	SecretContent providers.Secret
	// Attachments are uploaded files (Upload), at most MaxAttachments.
	Attachments []Attachment
	// ProductID and CommonQuestionID replace the configured product_id and
	// customer_common_question_id when either is set (2016-08-30).
	ProductID        int64
	CommonQuestionID int64
	// CategoryID replaces the configured category_id when set (2021-06-10).
	CategoryID int64
}

// ReplyOptions are the parts of an Aliyun reply that providers.Reply cannot carry.
type ReplyOptions struct {
	// SecretContent is confidential content: 2016 QuestionReply's questionSecContent, 2021 a
	// ReplyTicket with Encrypt=true. It never reaches an error or a log.
	SecretContent providers.Secret
	// Attachments are uploaded files (Upload), at most MaxAttachments.
	Attachments []Attachment
}

// CreateWith files a ticket with confidential content and attachments (2016 add, 2021
// CreateTicket) and returns it as read back; when the read-back fails, the ticket is built
// from the request instead: the create succeeded, and reporting it as failed would invite a
// duplicate. The title defaults to the first 30 characters of the content. The normalized
// priority becomes the 2021 Severity (createSeverity), and the ticket's PriorityLevel says
// which was filed; 2016 has no priority, and the ticket none.
//
// A create is never retried. With 2021-06-10 and SecretContent, a failure to send the secret
// returns the ticket together with an error wrapping ErrSecretNotSent.
func (p *Provider) CreateWith(ctx context.Context, r providers.CreateRequest, o CreateOptions) (providers.Ticket, error) {
	fail := func(err error) (providers.Ticket, error) {
		return providers.Ticket{}, fmt.Errorf("aliyun: create ticket: %w", err)
	}
	title, content, err := createText(r)
	if err != nil {
		return fail(err)
	}
	if err := checkKind(r); err != nil {
		return fail(err)
	}
	if err := checkAttachments(o.Attachments); err != nil {
		return fail(err)
	}
	if o, err = p.fieldOptions(r, o); err != nil {
		return fail(err)
	}
	sev := createSeverity(r.Priority, p.cfg.Severity)
	var id string
	if p.v2021 {
		id, err = p.createTicket(ctx, title, content, sev, o)
	} else {
		id, err = p.add(ctx, title, content, o)
	}
	if err != nil {
		return fail(err)
	}
	var secretErr error
	if secret := o.SecretContent.Reveal(); p.v2021 && secret != "" {
		if err := p.replyTicket(ctx, id, secret, true, nil); err != nil {
			secretErr = fmt.Errorf("aliyun: create ticket: ticket %s: %w: %w", id, ErrSecretNotSent, err)
		}
	}
	t, err := p.Get(ctx, id)
	if err != nil {
		t = p.madeUp(id, title, content, sev)
	}
	t.Title = cmp.Or(t.Title, title)
	t.Content = cmp.Or(t.Content, content) // QuestionList carries no content
	if t.Creator == "" {
		t.Creator = strings.TrimSpace(r.Actor.Name)
	}
	return t, secretErr
}

// madeUp is a just-created ticket as the request describes it, for when it cannot be read back.
func (p *Provider) madeUp(id, title, content string, sev int) providers.Ticket {
	raw := "assigned"
	t := providers.Ticket{Provider: "aliyun", ID: id, Title: title, Content: content, CreatedAt: p.now(), UpdatedAt: p.now()}
	if p.v2021 {
		raw = "1"
		t.Priority, t.PriorityLevel = severity(labelValue{Value: strconv.Itoa(sev)})
	}
	t.Status, t.Flags, t.RawLabel = resolveStatus(raw, "")
	t.RawStatus = raw
	return t
}

// ReplyWith writes a reply with confidential content and attachments (2016 QuestionReply with
// questionContent, questionSecContent and attachments; 2021 ReplyTicket). The text, if any, is
// attributed to the actor; the secret is sent as written. With 2021-06-10, text and secret are
// two replies, the second with Encrypt=true. A reply is never retried.
func (p *Provider) ReplyWith(ctx context.Context, id string, r providers.Reply, o ReplyOptions) error {
	wrap := func(err error) error { return fmt.Errorf("aliyun: reply to ticket %s: %w", id, err) }
	n, err := parseID(id)
	if err != nil {
		return wrap(err)
	}
	text, secret := strings.TrimSpace(r.Text), o.SecretContent.Reveal()
	if text == "" && strings.TrimSpace(secret) == "" {
		return wrap(errors.New("reply text is empty"))
	}
	if err := checkAttachments(o.Attachments); err != nil {
		return wrap(err)
	}
	content := ""
	if text != "" {
		content = attributed(text, r.Actor)
	}
	if !p.v2021 {
		if err := p.questionReply(ctx, n, content, secret, o.Attachments); err != nil {
			return wrap(err)
		}
		return nil
	}
	atts := o.Attachments
	if content != "" {
		if err := p.replyTicket(ctx, n, content, false, atts); err != nil {
			return wrap(err)
		}
		atts = nil
	}
	if secret != "" {
		if err := p.replyTicket(ctx, n, secret, true, atts); err != nil {
			return wrap(err)
		}
	}
	return nil
}

// ReplySecret sends confidential content (机密信息) to a ticket: 2016 questionSecContent,
// 2021 ReplyTicket with Encrypt=true. Aliyun staff see it; it is never logged, never put in an
// error, and Notes shows it as SecretPlaceholder. The handler should accept it only in a
// one-to-one chat and never echo it.
func (p *Provider) ReplySecret(ctx context.Context, id, text string, actor providers.Actor) error {
	return p.ReplyWith(ctx, id, providers.Reply{Actor: actor}, ReplyOptions{SecretContent: providers.Secret(text)})
}

// NoteDetail is a note with what providers.Note cannot carry.
type NoteDetail struct {
	providers.Note
	// Kind is the vendor's note type: 2016 "chat" or "sec_chat", 2021 "text" or "card".
	Kind string
	// Secret marks confidential content (2016 sec_chat): Body is the secret itself, to be
	// shown only to the person it concerns, in a one-to-one chat.
	Secret bool
	// AttachIDs are the 2016 attachment ids, for AttachmentURL.
	AttachIDs []string
	// Attachments are the 2021 attachments, with their download URLs.
	Attachments []NoteAttachment
}

// NoteAttachment is a file on a 2021 note.
type NoteAttachment struct {
	Name string
	URL  string
}

// NoteDetails returns the notes with their confidential bodies and attachment ids, oldest
// first. Unlike Notes it is not fit for a group chat.
func (p *Provider) NoteDetails(ctx context.Context, id string) ([]NoteDetail, error) {
	n, err := parseID(id)
	if err != nil {
		return nil, fmt.Errorf("aliyun: notes of ticket %s: %w", id, err)
	}
	ds, err := p.noteDetails(ctx, n)
	if err != nil {
		return nil, fmt.Errorf("aliyun: notes of ticket %s: %w", id, err)
	}
	return ds, nil
}

// ListRequest filters List. Zero values are left out, so the vendor's defaults apply.
type ListRequest struct {
	// IDs are ticket ids, at most 200.
	IDs []string
	// Statuses are raw statuses in any accepted form ("wait_feedback", "3", "待反馈"); they are
	// sent as 2016 codes (2016 questionStatus, 2021 StatusList, at most 11).
	Statuses []string
	// ProductIDs filter by product, at most 100 (2016 only).
	ProductIDs []int64
	// From and To bound the creation time; sent in milliseconds.
	From, To time.Time
	// Keyword matches the description (2021 only).
	Keyword string
	// Page starts at 1; PageSize is 20–100 with 2016 (default 20), 10–100 with 2021
	// (default 10).
	Page, PageSize int
	// unit is what 2016 addStartTime and addEndTime are sent in: milliseconds when zero, as the
	// V1.3 table says; FindCreated also tries seconds (finder.go).
	unit time.Duration
}

// List pages through tickets (2016 QuestionList, 2021 ListTickets) and returns one page and
// the total. List entries carry no notes, and with 2016 no content.
func (p *Provider) List(ctx context.Context, r ListRequest) ([]providers.Ticket, int64, error) {
	ids := make([]string, 0, len(r.IDs))
	for _, id := range r.IDs {
		n, err := parseID(id)
		if err != nil {
			return nil, 0, fmt.Errorf("aliyun: list tickets: %w", err)
		}
		ids = append(ids, n)
	}
	r.IDs = ids
	var (
		ts    []providers.Ticket
		total int64
		err   error
	)
	if p.v2021 {
		ts, total, err = p.listTickets(ctx, r)
	} else if r.Keyword != "" {
		err = errors.New("QuestionList has no keyword filter")
	} else {
		ts, total, err = p.questionList(ctx, r)
	}
	if err != nil {
		return nil, 0, fmt.Errorf("aliyun: list tickets: %w", err)
	}
	return ts, total, nil
}

// CatalogItem is a product (产品) or a category (2016 常见问题, 2021 分类) to file tickets under.
type CatalogItem struct {
	ID   int64
	Name string
	// Default marks the configured default (product_id, customer_common_question_id,
	// category_id).
	Default bool
}

// Products lists the products tickets can be filed under: 2021 ListProducts. The 2016 product
// list is "待实现" in the V1.3 document, so with 2016 it is the configured product_id, unless
// action_names.products names an action, which is then called with language=cn.
func (p *Provider) Products(ctx context.Context) ([]CatalogItem, error) {
	items, err := p.catalog(ctx, OpProducts, map[string]string{}, p.cfg.ProductID)
	if err != nil {
		return nil, fmt.Errorf("aliyun: list products: %w", err)
	}
	return items, nil
}

// Categories lists the categories of a product: 2021 ListCategories (CategoryId of
// CreateTicket). With 2016 they are the common questions (customerCommonQuestionId of add),
// whose list is "待实现": the configured customer_common_question_id, unless
// action_names.categories names an action, which is then called with language=cn and
// productId.
func (p *Provider) Categories(ctx context.Context, productID int64) ([]CatalogItem, error) {
	params := map[string]string{"ProductId": strconv.FormatInt(productID, 10)}
	def := p.cfg.CategoryID
	if !p.v2021 {
		params = map[string]string{"productId": strconv.FormatInt(productID, 10)}
		def = p.cfg.CustomerCommonQuestionID
	}
	items, err := p.catalog(ctx, OpCategories, params, def)
	if err != nil {
		return nil, fmt.Errorf("aliyun: list categories of product %d: %w", productID, err)
	}
	return items, nil
}

// catalog calls a product or category list, or falls back to the configured default when the
// 2016 API has no such action.
func (p *Provider) catalog(ctx context.Context, op string, params map[string]string, def int64) ([]CatalogItem, error) {
	action := p.actions[op]
	if action == "" {
		if def <= 0 {
			return nil, nil
		}
		return []CatalogItem{{ID: def, Default: true}}, nil
	}
	if !p.v2021 {
		params["language"] = "cn" // the V1.3 document: "目前支持 cn 和 en", required
	}
	var res envelope
	if err := p.c.call(ctx, rpc{action: action, params: params, read: true}, &res); err != nil {
		return nil, err
	}
	items := catalogItems(res.Data)
	for i := range items {
		items[i].Default = items[i].ID == def
	}
	return items, nil
}

// catalogItems collects every object of data carrying an id and a name, depth first: the
// product list is a tree (reference §2.4) whose exact shape is not published, so any nesting
// is accepted (ProductId/CategoryId/Id with ProductName/CategoryName/Name).
func catalogItems(data json.RawMessage) []CatalogItem {
	if emptyJSON(data) {
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	if dec.Decode(&v) != nil {
		return nil
	}
	var out []CatalogItem
	seen := map[int64]bool{}
	var walk func(v any)
	walk = func(v any) {
		switch x := v.(type) {
		case []any:
			for _, e := range x {
				walk(e)
			}
		case map[string]any:
			id, idOK := pick(x, "ProductId", "CategoryId", "Id")
			name, nameOK := pick(x, "ProductName", "CategoryName", "Name")
			if n, err := strconv.ParseInt(id, 10, 64); idOK && nameOK && err == nil && !seen[n] {
				seen[n] = true
				out = append(out, CatalogItem{ID: n, Name: name})
			}
			for _, k := range slices.Sorted(maps.Keys(x)) {
				walk(x[k])
			}
		}
	}
	walk(v)
	return out
}

// pick returns the first of keys present in m (case-insensitively) as text.
func pick(m map[string]any, keys ...string) (string, bool) {
	for _, want := range keys {
		for k, v := range m {
			if !strings.EqualFold(k, want) {
				continue
			}
			switch x := v.(type) {
			case string:
				return x, true
			case json.Number:
				return x.String(), true
			}
		}
	}
	return "", false
}
