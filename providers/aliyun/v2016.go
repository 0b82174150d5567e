package aliyun

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/ticketbot/ticketbot/providers"
)

// This file holds the 2016-08-30 operations of Aliyun's 工单系统 OpenAPI V1.3 (seeds/000;
// help.aliyun 143228–143231): add, QuestionReply, QuestionListNote, QuestionList.

// legacyNames spells the 2016-08-30 parameters whose casing the V1.3 document and the SDK
// metadata disagree on (reference §2.2). POP parameter names are case-sensitive.
type legacyNames struct {
	QuestionID, QuestionContent, QuestionSecContent                                string
	IDs, AddStartTime, AddEndTime, ProductIDs, PageSize, PageStart, QuestionStatus string
}

// legacySpellings are the two spellings, by Config.ParamNames. add, getOSSTempAuthor,
// getAttachTempURL and QuestionReply's attachments are spelled alike in both.
var legacySpellings = map[string]legacyNames{
	"doc": {
		QuestionID: "questionId", QuestionContent: "questionContent", QuestionSecContent: "questionSecContent",
		IDs: "ids", AddStartTime: "addStartTime", AddEndTime: "addEndTime", ProductIDs: "productIds",
		PageSize: "pageSize", PageStart: "pageStart", QuestionStatus: "questionStatus",
	},
	"sdk": {
		QuestionID: "QuestionId", QuestionContent: "QuestionContent", QuestionSecContent: "QuestionSecContent",
		IDs: "Ids", AddStartTime: "AddStartTime", AddEndTime: "AddEndTime", ProductIDs: "ProductIds",
		PageSize: "PageSize", PageStart: "PageStart", QuestionStatus: "QuestionStatus",
	},
}

// QuestionList limits (V1.3 document, 获取工单列表).
const (
	maxListIDs        = 200
	maxListProductIDs = 100
	minPageSize2016   = 20
	maxPageSize       = 100
)

// add files a 2016 ticket and returns its id. productId and customerCommonQuestionId come
// from the options when either is set there, else from the configuration; when both are sent
// Aliyun goes by customerCommonQuestionId ("否则以 customerCommonQuestionId 为准").
func (p *Provider) add(ctx context.Context, title, content string, o CreateOptions) (string, error) {
	action, err := p.action(OpCreate)
	if err != nil {
		return "", err
	}
	params := map[string]string{
		"title":   title,
		"content": content,
		"aliUid":  strconv.FormatInt(p.cfg.AliUID, 10),
	}
	productID, questionID := p.cfg.ProductID, p.cfg.CustomerCommonQuestionID
	if o.ProductID > 0 || o.CommonQuestionID > 0 {
		productID, questionID = o.ProductID, o.CommonQuestionID
	}
	if productID > 0 {
		params["productId"] = strconv.FormatInt(productID, 10)
	}
	if questionID > 0 {
		params["customerCommonQuestionId"] = strconv.FormatInt(questionID, 10)
	}
	setIf(params, "phone", p.cfg.Phone)
	setIf(params, "email", p.cfg.Email)
	setIf(params, "smsAlertTime", p.cfg.SMSAlertTime)
	setIf(params, "attachments", attachmentKeys(o.Attachments))
	var sensitive []string
	if s := o.SecretContent.Reveal(); s != "" {
		params["secContent"] = s
		sensitive = append(sensitive, s)
	}
	var res envelope
	if err := p.c.call(ctx, rpc{action: action, params: params, sensitive: sensitive}, &res); err != nil {
		return "", err
	}
	id := flexID(res.Data)
	if id == "" {
		return "", fmt.Errorf("%s answered success without a ticket id (request_id %s)", action, res.RequestID)
	}
	return id, nil
}

// questionReply writes a 2016 reply: content and/or secret (at least one), and attachment keys.
func (p *Provider) questionReply(ctx context.Context, id, content, secret string, atts []Attachment) error {
	action, err := p.action(OpReply)
	if err != nil {
		return err
	}
	params := map[string]string{p.names.QuestionID: id}
	setIf(params, p.names.QuestionContent, content)
	setIf(params, "attachments", attachmentKeys(atts))
	var sensitive []string
	if secret != "" {
		params[p.names.QuestionSecContent] = secret
		sensitive = append(sensitive, secret)
	}
	return notFound(p.c.call(ctx, rpc{action: action, params: params, sensitive: sensitive}, nil))
}

// question reads one 2016 ticket through QuestionList with ids=<id>: the API has no get.
func (p *Provider) question(ctx context.Context, id string) (providers.Ticket, error) {
	ts, _, err := p.questionList(ctx, ListRequest{IDs: []string{id}})
	if err != nil {
		return providers.Ticket{}, err
	}
	for _, t := range ts {
		if strings.EqualFold(t.ID, id) {
			return t, nil
		}
	}
	return providers.Ticket{}, fmt.Errorf("%w (QuestionList returned no ticket %s)", providers.ErrNotFound, id)
}

// questionList runs QuestionList with the request's filters (V1.3: ids ≤ 200, addStartTime and
// addEndTime in ms, productIds ≤ 100, questionStatus, pageSize 20–100, pageStart a row offset).
func (p *Provider) questionList(ctx context.Context, r ListRequest) ([]providers.Ticket, int64, error) {
	action, err := p.action(OpList)
	if err != nil {
		return nil, 0, err
	}
	switch {
	case len(r.IDs) > maxListIDs:
		return nil, 0, fmt.Errorf("%d ids: QuestionList takes at most %d", len(r.IDs), maxListIDs)
	case len(r.ProductIDs) > maxListProductIDs:
		return nil, 0, fmt.Errorf("%d product ids: QuestionList takes at most %d", len(r.ProductIDs), maxListProductIDs)
	case r.PageSize != 0 && (r.PageSize < minPageSize2016 || r.PageSize > maxPageSize):
		return nil, 0, fmt.Errorf("page size %d: QuestionList takes %d–%d", r.PageSize, minPageSize2016, maxPageSize)
	case r.Page < 0:
		return nil, 0, fmt.Errorf("page %d: pages start at 1", r.Page)
	}
	params := map[string]string{}
	n := p.names
	setIf(params, n.IDs, strings.Join(r.IDs, ","))
	stamp := func(t time.Time) string {
		if r.unit == time.Second {
			return strconv.FormatInt(t.Unix(), 10)
		}
		return strconv.FormatInt(t.UnixMilli(), 10)
	}
	if !r.From.IsZero() {
		params[n.AddStartTime] = stamp(r.From)
	}
	if !r.To.IsZero() {
		params[n.AddEndTime] = stamp(r.To)
	}
	var products []string
	for _, id := range r.ProductIDs {
		products = append(products, strconv.FormatInt(id, 10))
	}
	setIf(params, n.ProductIDs, strings.Join(products, ","))
	codes, err := statusCodes(r.Statuses)
	if err != nil {
		return nil, 0, err
	}
	setIf(params, n.QuestionStatus, strings.Join(codes, ","))
	if r.PageSize > 0 {
		params[n.PageSize] = strconv.Itoa(r.PageSize)
	}
	if r.Page > 1 {
		params[n.PageStart] = strconv.Itoa((r.Page - 1) * max(r.PageSize, minPageSize2016))
	}
	var res questionList
	if err := p.c.call(ctx, rpc{action: action, params: params, read: true}, &res); err != nil {
		return nil, 0, err
	}
	qs, total, err := res.questions()
	if err != nil {
		return nil, 0, fmt.Errorf("%s: %w", action, err)
	}
	out := make([]providers.Ticket, 0, len(qs))
	for _, q := range qs {
		out = append(out, q.toTicket())
	}
	return out, total, nil
}

// questionNotes reads a 2016 ticket's notes (QuestionListNote), chat and sec_chat.
func (p *Provider) questionNotes(ctx context.Context, id string) ([]NoteDetail, error) {
	action, err := p.action(OpNotes)
	if err != nil {
		return nil, err
	}
	var res noteList
	if err := p.c.call(ctx, rpc{action: action, params: map[string]string{p.names.QuestionID: id}, read: true}, &res); err != nil {
		return nil, notFound(err)
	}
	return res.details(), nil
}

// statusCodes turns raw statuses in any accepted form into 2016 codes, for questionStatus.
func statusCodes(raw []string) ([]string, error) {
	var out []string
	for _, s := range raw {
		c := statusCode(s)
		if c == "" {
			return nil, fmt.Errorf("unknown Aliyun status %q", s)
		}
		out = append(out, c)
	}
	return out, nil
}

// attachmentKeys joins the attachments' keys with commas, as add, QuestionReply (attachments)
// and ReplyTicket/CreateTicket (FileNameList) take them.
func attachmentKeys(atts []Attachment) string {
	keys := make([]string, 0, len(atts))
	for _, a := range atts {
		keys = append(keys, a.Key)
	}
	return strings.Join(keys, ",")
}

// checkAttachments enforces the limit of three and refuses keys that cannot travel in a
// comma-joined list.
func checkAttachments(atts []Attachment) error {
	if len(atts) > MaxAttachments {
		return fmt.Errorf("%d attachments: Aliyun takes at most %d", len(atts), MaxAttachments)
	}
	for _, a := range atts {
		if strings.TrimSpace(a.Key) == "" || strings.Contains(a.Key, ",") {
			return errors.New("an attachment has no usable key: upload it with Upload first")
		}
	}
	return nil
}

// setIf sets a parameter when the value is not empty: POP treats an empty parameter as given.
func setIf(params map[string]string, key, value string) {
	if value != "" {
		params[key] = value
	}
}
