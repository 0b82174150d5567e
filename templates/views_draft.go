package templates

// DraftCard is the data of a guided create's waiting card (draft.json.tmpl, on platforms whose
// cards hold no inputs): what was chosen on the create card, and how to go on, the title and
// the details coming in the person's next message (command/draft.go).
type DraftCard struct {
	// Vendor, Priority and Type are the choices, as people read them ("金山云", "高", "咨询").
	Vendor, Priority, Type string
	// Minutes is how long the choices wait for the message.
	Minutes int
	// Cancel is the command of the button that drops them.
	Cancel string
}
