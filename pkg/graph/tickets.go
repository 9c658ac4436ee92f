package graph

import (
	"cmp"
	"context"
	"fmt"
	"net/http"
	"net/mail"
	"net/url"
	"slices"
	"strings"

	"github.com/tandemsync/tandem/pkg/egress"
	"github.com/tandemsync/tandem/pkg/platform"
)

// CustomTo is the custom field naming the recipient of a ticket Tandem
// creates; without it the mail goes to the support mailbox itself.
const CustomTo = "to"

// CustomFrom is the custom field holding the sender of a received mail,
// "Name <address>": the requester, for the partner to map to its contact.
const CustomFrom = "from"

// InboxQueue is the one queue of a support mailbox: mail received in it.
// Escalating this queue sends every new conversation to the partner.
const InboxQueue = "inbox"

// GetTicket reads the conversation's first message.
func (c *Client) GetTicket(ctx context.Context, id string) (platform.Ticket, error) {
	var m message
	if err := c.getJSON(ctx, "get ticket "+id, c.messagePath(id, "?"+messageSelect), &m); err != nil {
		return platform.Ticket{}, err
	}
	return c.ticketFromMessage(m), nil
}

// ticketFromMessage reads a ticket off its first message. The message's
// Outlook categories hold its category and service type (the names the
// organisation defined) and its status (any other category); a received
// mail not sorted yet is sorted by the rules.
func (c *Client) ticketFromMessage(m message) platform.Ticket {
	t := platform.Ticket{
		ID:          m.ID,
		Summary:     m.Subject,
		Description: m.text(),
		Priority:    strings.ToLower(m.Importance),
		Closed:      strings.EqualFold(m.Flag.FlagStatus, "complete"),
		UpdatedAt:   m.LastModifiedDateTime,
	}
	desk := c.creds.Desk
	for _, cat := range m.Categories {
		switch {
		case slices.Contains(desk.Categories, cat):
			t.Category = cmp.Or(t.Category, cat)
		case slices.Contains(desk.ServiceTypes, cat):
			t.Type = cmp.Or(t.Type, cat)
		case cat == SkippedCategory:
		default:
			t.Status = cmp.Or(t.Status, cat)
		}
	}
	if from := m.sender(); from != "" && from != c.creds.Mailbox {
		t.Queue = InboxQueue
		name := m.From.EmailAddress.Name
		if strings.EqualFold(name, from) {
			name = ""
		}
		t.Custom = map[string]string{CustomFrom: (&mail.Address{Name: name, Address: from}).String()}
		if t.Category == "" || t.Type == "" {
			cat, typ := desk.Classify(from, m.recipients(), m.Subject)
			t.Category, t.Type = cmp.Or(t.Category, cat), cmp.Or(t.Type, typ)
		}
	}
	return t
}

// sortCategories is a message's categories with the status, category and
// service type of t in place of the ones it had; other categories stay.
func (c *Client) sortCategories(have []string, status, category, serviceType *string) []string {
	desk := c.creds.Desk
	out := []string{}
	for _, cat := range have {
		isCategory, isType := slices.Contains(desk.Categories, cat), slices.Contains(desk.ServiceTypes, cat)
		isStatus := !isCategory && !isType && cat != SkippedCategory
		if (isCategory && category != nil) || (isType && serviceType != nil) || (isStatus && status != nil) {
			continue
		}
		out = append(out, cat)
	}
	for _, v := range []*string{status, category, serviceType} {
		if v != nil && *v != "" && !slices.Contains(out, *v) {
			out = append(out, *v)
		}
	}
	return out
}

// CreateTicket creates a draft and sends it. A draft rather than sendMail,
// because sendMail answers 202 with no id, while a draft's immutable id
// stays valid for the sent copy (Graph "immutable IDs with sending mail").
func (c *Client) CreateTicket(ctx context.Context, t platform.Ticket) (platform.Ticket, error) {
	op := "create ticket"
	if err := c.refuseUnmapped(op, t.Type, t.Category, t.Queue, t.StartDate != nil, t.TargetDate != nil); err != nil {
		return platform.Ticket{}, err
	}
	to := c.creds.Mailbox
	if v := strings.TrimSpace(t.Custom[CustomTo]); v != "" {
		a, err := mail.ParseAddress(v)
		if err != nil {
			return platform.Ticket{}, newError(platform.ReasonInvalid, 0, op+`: the "to" field is not an e-mail address`, err)
		}
		to = a.Address
	}
	draft := map[string]any{
		"subject":      t.Summary,
		"body":         itemBody{ContentType: "text", Content: t.Description},
		"toRecipients": []recipient{{EmailAddress: emailAddress{Address: to}}},
	}
	if cats := c.sortCategories(nil, &t.Status, &t.Category, &t.Type); len(cats) > 0 {
		draft["categories"] = cats
	}
	if t.Priority != "" {
		imp, ok := normaliseImportance(t.Priority)
		if !ok {
			return platform.Ticket{}, badImportance(op, t.Priority)
		}
		draft["importance"] = imp
	}
	if t.Ref != "" {
		draft["singleValueExtendedProperties"] = []extendedProperty{{ID: refProperty, Value: t.Ref}}
	}
	var m message
	if err := c.callJSON(egress.NotIdempotent(ctx), op, http.MethodPost, c.userPath("/messages"), draft, &m); err != nil {
		return platform.Ticket{}, err
	}
	if err := c.sendDraft(ctx, op, m.ID); err != nil {
		return platform.Ticket{}, fmt.Errorf("send draft %s: %w", m.ID, err)
	}
	out := c.ticketFromMessage(m)
	out.Description = t.Description
	out.Ref = t.Ref
	return out, nil
}

// refProperty carries Tandem's marker on a mail it creates: a named string
// property in the PS_INTERNET_HEADERS property set
// (00020386-0000-0000-C000-000000000046, [MS-OXPROPS]), so it also travels
// as the X-Tandem-Ref header of the sent mail. Graph creates it with the
// draft and selects messages by it with $filter
// (singlevaluelegacyextendedproperty-post-singlevalueextendedproperties.md,
// singlevaluelegacyextendedproperty-get.md).
const refProperty = "String {00020386-0000-0000-C000-000000000046} Name X-Tandem-Ref"

type extendedProperty struct {
	ID    string `json:"id"`
	Value string `json:"value"`
}

// FindTicket finds the mail a create marked with ref: sent (Sent Items) or,
// when the send never happened, still a draft, which it sends now so the
// ticket exists as a create would have left it.
func (c *Client) FindTicket(ctx context.Context, ref string) (platform.Ticket, bool, error) {
	m, found, err := c.findMarked(ctx, "find ticket "+ref, ref)
	if err != nil || !found {
		return platform.Ticket{}, false, err
	}
	t := c.ticketFromMessage(m)
	t.Ref = ref
	return t, true, nil
}

// findMarked finds the mail Tandem marked with ref, in Sent Items or still
// in Drafts; a draft is sent now, so the mail exists as the interrupted
// write would have left it.
func (c *Client) findMarked(ctx context.Context, op, ref string) (message, bool, error) {
	filter := "singleValueExtendedProperties/Any(ep: ep/id eq '" + refProperty + "' and ep/value eq '" + strings.ReplaceAll(ref, "'", "''") + "')"
	q := url.Values{"$filter": {filter}, "$select": {strings.TrimPrefix(messageSelect, "$select=")}, "$top": {"1"}}
	for _, folder := range []string{"sentitems", "drafts"} {
		var p page[message]
		if err := c.getJSON(ctx, op, c.userPath("/mailFolders/"+folder+"/messages?"+q.Encode()), &p); err != nil {
			return message{}, false, err
		}
		if len(p.Value) == 0 {
			continue
		}
		m := p.Value[0]
		if m.IsDraft {
			if err := c.sendDraft(ctx, op, m.ID); err != nil {
				return message{}, false, fmt.Errorf("send draft %s: %w", m.ID, err)
			}
		}
		return m, true, nil
	}
	return message{}, false, nil
}

// UpdateTicket changes status, category and service type (Outlook
// categories) and priority (importance). Other
// fields have no mail equivalent (a received message's subject is read-only)
// and are refused rather than dropped, so a mapping mistake shows up.
func (c *Client) UpdateTicket(ctx context.Context, id string, u platform.TicketUpdate) error {
	op := "update ticket " + id
	if u.Summary != nil {
		return newError(platform.ReasonInvalid, 0, op+": the subject of a sent or received mail cannot be changed", nil)
	}
	if err := c.refuseUnmapped(op, deref(u.Type), deref(u.Category), "", u.StartDate != nil, u.TargetDate != nil); err != nil {
		return err
	}
	if len(u.Custom) > 0 {
		return newError(platform.ReasonInvalid, 0, op+": Microsoft 365 mail has no custom fields to update", nil)
	}
	patch := map[string]any{}
	if u.Status != nil || u.Category != nil || u.Type != nil {
		var m message
		if err := c.getJSON(ctx, op, c.messagePath(id, "?$select=categories"), &m); err != nil {
			return err
		}
		patch["categories"] = c.sortCategories(m.Categories, u.Status, u.Category, u.Type)
	}
	if u.Priority != nil {
		imp, ok := normaliseImportance(*u.Priority)
		if !ok {
			return badImportance(op, *u.Priority)
		}
		patch["importance"] = imp
	}
	if len(patch) == 0 {
		return nil
	}
	return c.callJSON(ctx, op, http.MethodPatch, c.messagePath(id, ""), patch, nil)
}

// CloseTicket completes the follow-up flag, Outlook's "done" marker, sets
// the closing status category when one is given, and sends the closing
// reply when the organisation has one.
func (c *Client) CloseTicket(ctx context.Context, id, status string) error {
	op := "close ticket " + id
	patch := map[string]any{"flag": flag{FlagStatus: "complete"}}
	if status != "" {
		var m message
		if err := c.getJSON(ctx, op, c.messagePath(id, "?$select=categories"), &m); err != nil {
			return err
		}
		patch["categories"] = c.sortCategories(m.Categories, &status, nil, nil)
	}
	if err := c.callJSON(ctx, op, http.MethodPatch, c.messagePath(id, ""), patch, nil); err != nil {
		return err
	}
	return c.sendClosingReply(ctx, op, id)
}

// refuseUnmapped refuses values mail cannot hold: a category or service
// type the organisation has not defined, a queue other than the inbox,
// dates.
func (c *Client) refuseUnmapped(op, typ, category, queue string, start, target bool) error {
	desk := c.creds.Desk
	var names []string
	for _, f := range []struct {
		set  bool
		name string
	}{
		{typ != "" && !slices.Contains(desk.ServiceTypes, typ), fmt.Sprintf("service type %q", typ)},
		{category != "" && !slices.Contains(desk.Categories, category), fmt.Sprintf("category %q", category)},
		{queue != "" && queue != InboxQueue, "queue"}, {start, "start date"}, {target, "target date"},
	} {
		if f.set {
			names = append(names, f.name)
		}
	}
	if len(names) == 0 {
		return nil
	}
	return newError(platform.ReasonInvalid, 0, fmt.Sprintf("%s: Microsoft 365 mail has no %s; remove it from the mapping", op, strings.Join(names, ", ")), nil)
}

func badImportance(op, v string) error {
	return newError(platform.ReasonInvalid, 0, fmt.Sprintf("%s: priority %q is not a mail importance; use low, normal or high", op, v), nil)
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
