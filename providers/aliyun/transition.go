package aliyun

import (
	"context"
	"fmt"
	"strings"

	"github.com/ticketbot/ticketbot/providers"
)

// This file holds Aliyun's transitions beyond close: reopen (2021-06-10 ReopenTicket) is the
// one its API has; Unsupported says why the others, and 2016-08-30's close and reopen, are
// missing.

var (
	_ providers.Reopener  = (*Provider)(nil)
	_ providers.Explainer = (*Provider)(nil)
)

// Reopen reopens a closed 2021 ticket (ReopenTicket: TicketId*, Content; reference §2.4). It
// reads the ticket first (GetTicket): one that is not closed gives providers.ErrWrongState and
// no ReopenTicket is sent. The remark, if any, is the reopen's Content under the person's name.
// 2016-08-30 has no reopen: the reason, and nothing sent.
func (p *Provider) Reopen(ctx context.Context, id string, r providers.ReopenRequest) error {
	wrap := func(err error) error { return fmt.Errorf("aliyun: reopen ticket %s: %w", id, err) }
	if !p.v2021 {
		return wrap(p.Unsupported(providers.OpReopen))
	}
	n, err := parseID(id)
	if err != nil {
		return wrap(err)
	}
	t, err := p.getTicket(ctx, n)
	if err != nil {
		return wrap(err)
	}
	if !t.Status.Terminal() {
		return wrap(fmt.Errorf("%w: the ticket is %s, not closed", providers.ErrWrongState, t.RawLabel))
	}
	action, err := p.action(OpReopen)
	if err != nil {
		return wrap(err)
	}
	params := map[string]string{"TicketId": n}
	if remark := strings.TrimSpace(r.Remark); remark != "" {
		params["Content"] = attributed(remark, r.Actor)
	}
	if err := notFound(p.c.call(ctx, rpc{action: action, params: params}, nil)); err != nil {
		return wrap(err)
	}
	return nil
}

// Unsupported says why Aliyun cannot do op with the configured API version, and what to do
// instead (providers.Explainer): 2016-08-30 has no close and no reopen; neither version can
// reject or transfer a ticket.
func (p *Provider) Unsupported(op string) *providers.UnsupportedError {
	switch {
	case op == providers.OpClose && !p.v2021:
		return &providers.UnsupportedError{Op: op,
			Reason:   `阿里云工单 API 2016-08-30 没有关闭工单的接口。请在阿里云控制台关闭，或让管理员在配置中设置 api_version = "2021-06-10"。`,
			ReasonEN: `Aliyun's ticket API 2016-08-30 has no way to close a ticket. Close it in the Aliyun console, or have an admin set api_version = "2021-06-10" in the config.`}
	case op == providers.OpReopen && !p.v2021:
		return &providers.UnsupportedError{Op: op,
			Reason:   `阿里云工单 API 2016-08-30 没有重新打开工单的接口。请在阿里云控制台重新打开，或让管理员在配置中设置 api_version = "2021-06-10"。`,
			ReasonEN: `Aliyun's ticket API 2016-08-30 has no way to reopen a ticket. Reopen it in the Aliyun console, or have an admin set api_version = "2021-06-10" in the config.`}
	case op == providers.OpReject:
		return &providers.UnsupportedError{Op: op,
			Reason:   "阿里云工单没有驳回：工单由阿里云的工程师处理。如有误，请回复说明，或关闭后重新建单。",
			ReasonEN: "Aliyun tickets cannot be rejected: Aliyun's engineers handle them. Reply to say what is wrong, or close it and file a new one."}
	case op == providers.OpSearch && !p.v2021:
		return &providers.UnsupportedError{Op: op,
			Reason:   `阿里云工单 API 2016-08-30 的列表不能按关键字搜索。请在阿里云控制台搜索，或让管理员在配置中设置 api_version = "2021-06-10"。`,
			ReasonEN: `Aliyun's ticket API 2016-08-30 cannot search its list by a keyword. Search in the Aliyun console, or have an admin set api_version = "2021-06-10" in the config.`}
	case op == providers.OpTransfer:
		return &providers.UnsupportedError{Op: op,
			Reason:   "阿里云工单 API 没有转交处理人的接口：处理人由阿里云指派。",
			ReasonEN: "Aliyun's ticket API has no way to hand a ticket to another handler: Aliyun assigns it."}
	}
	return nil
}
