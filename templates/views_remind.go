package templates

import "github.com/ticketbot/ticketbot/providers"

// ReminderCard is the data of a reminder of a ticket that waits on us (remind.json.tmpl; as
// markdown, remind.md.tmpl, where cards cannot @ someone), or of its one post in an
// escalation chat. The command layer words it; the template only lays it out.
type ReminderCard struct {
	// Title is the header ("⏰ 工单提醒"), Color its colour (orange; red once escalated).
	Title, Color  string
	Ticket        providers.Ticket
	ProviderLabel string
	// Headline says how long the ticket has waited on us ("已等待我方 2小时15分"), Ask what
	// To should do ("请补充信息").
	Headline, Ask string
	// To is the person to @ first: the ticket's owner in the chat, else who opened it or made
	// the chat follow it; nil for nobody known.
	To *Person
	// Escalation calls in the Admins once the ticket has waited too long ("" before that).
	Escalation string
	Admins     []Person
	// AutoClose says when the vendor closes the ticket by itself, where the vendor documents
	// it ("" where it does not).
	AutoClose string
	// Hint says how to answer.
	Hint    string
	Buttons []Button
}
