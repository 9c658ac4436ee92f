package graph

import (
	"context"
	"fmt"
	"net/http"
	"net/mail"
	"net/url"
	"strings"

	"github.com/tandemsync/tandem/pkg/egress"
	"github.com/tandemsync/tandem/pkg/platform"
)

// CustomTo is the custom field naming the recipient of a ticket Tandem
// creates; without it the mail goes to the support mailbox itself.
const CustomTo = "to"

// GetTicket reads the conversation's first message.
func (c *Client) GetTicket(ctx context.Context, id string) (platform.Ticket, error) {
	var m message
	if err := c.getJSON(ctx, "get ticket "+id, c.messagePath(id, "?"+messageSelect), &m); err != nil {
		return platform.Ticket{}, err
	}
	return ticketFromMessage(m), nil
}

func ticketFromMessage(m message) platform.Ticket {
	t := platform.Ticket{
		ID:          m.ID,
		Summary:     m.Subject,
		Description: m.Body.Content,
		Priority:    strings.ToLower(m.Importance),
		Closed:      strings.EqualFold(m.Flag.FlagStatus, "complete"),
		UpdatedAt:   m.LastModifiedDateTime,
	}
	if len(m.Categories) > 0 {
		t.Status = m.Categories[0]
	}
	return t
}

// CreateTicket creates a draft and sends it. A draft rather than sendMail,
// because sendMail answers 202 with no id, while a draft's immutable id
// stays valid for the sent copy (Graph "immutable IDs with sending mail").
func (c *Client) CreateTicket(ctx context.Context, t platform.Ticket) (platform.Ticket, error) {
	op := "create ticket"
	if err := refuseUnmapped(op, t.Type, t.Category, t.Queue, t.StartDate != nil, t.TargetDate != nil); err != nil {
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
	if t.Status != "" {
		draft["categories"] = []string{t.Status}
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
	out := ticketFromMessage(m)
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
	op := "find ticket " + ref
	filter := "singleValueExtendedProperties/Any(ep: ep/id eq '" + refProperty + "' and ep/value eq '" + strings.ReplaceAll(ref, "'", "''") + "')"
	q := url.Values{"$filter": {filter}, "$select": {strings.TrimPrefix(messageSelect, "$select=")}, "$top": {"1"}}
	for _, folder := range []string{"sentitems", "drafts"} {
		var p page[message]
		if err := c.getJSON(ctx, op, c.userPath("/mailFolders/"+folder+"/messages?"+q.Encode()), &p); err != nil {
			return platform.Ticket{}, false, err
		}
		if len(p.Value) == 0 {
			continue
		}
		m := p.Value[0]
		if m.IsDraft {
			if err := c.sendDraft(ctx, op, m.ID); err != nil {
				return platform.Ticket{}, false, fmt.Errorf("send draft %s: %w", m.ID, err)
			}
		}
		t := ticketFromMessage(m)
		t.Ref = ref
		return t, true, nil
	}
	return platform.Ticket{}, false, nil
}

// UpdateTicket changes status (category) and priority (importance). Other
// fields have no mail equivalent (a received message's subject is read-only)
// and are refused rather than dropped, so a mapping mistake shows up.
func (c *Client) UpdateTicket(ctx context.Context, id string, u platform.TicketUpdate) error {
	op := "update ticket " + id
	if u.Summary != nil {
		return newError(platform.ReasonInvalid, 0, op+": the subject of a sent or received mail cannot be changed", nil)
	}
	if err := refuseUnmapped(op, deref(u.Type), deref(u.Category), "", u.StartDate != nil, u.TargetDate != nil); err != nil {
		return err
	}
	if len(u.Custom) > 0 {
		return newError(platform.ReasonInvalid, 0, op+": Microsoft 365 mail has no custom fields to update", nil)
	}
	patch := map[string]any{}
	if u.Status != nil {
		patch["categories"] = statusCategories(*u.Status)
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

// CloseTicket completes the follow-up flag, Outlook's "done" marker, and
// sets the closing status category when one is given.
func (c *Client) CloseTicket(ctx context.Context, id, status string) error {
	patch := map[string]any{"flag": flag{FlagStatus: "complete"}}
	if status != "" {
		patch["categories"] = statusCategories(status)
	}
	return c.callJSON(ctx, "close ticket "+id, http.MethodPatch, c.messagePath(id, ""), patch, nil)
}

// statusCategories replaces the message's categories: a ticket has one status.
func statusCategories(s string) []string {
	if s == "" {
		return []string{}
	}
	return []string{s}
}

func refuseUnmapped(op, typ, category, queue string, start, target bool) error {
	var names []string
	for _, f := range []struct {
		set  bool
		name string
	}{{typ != "", "ticket type"}, {category != "", "category"}, {queue != "", "queue"}, {start, "start date"}, {target, "target date"}} {
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
