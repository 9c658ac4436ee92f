package graph

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/tandemsync/tandem/pkg/egress"
	"github.com/tandemsync/tandem/pkg/platform"
)

// NoteKindReply marks a message the mailbox sent; NoteKindMail one it received.
const (
	NoteKindReply = "reply"
	NoteKindMail  = "mail"
)

// AddNote replies in the ticket's conversation, from the support mailbox,
// to the requester and everyone they copied (see replyRecipients). It uses
// createReply and send instead of reply because reply answers 202 without
// an id, and the note id is what echo suppression and the sync log refer to.
func (c *Client) AddNote(ctx context.Context, ticketID string, n platform.Note) (platform.Note, error) {
	op := "add note to ticket " + ticketID
	if reason := c.Withholds(n); reason != "" {
		return platform.Note{}, newError(platform.ReasonInvalid, 0, op+": "+reason, nil)
	}
	draft, err := c.reply(ctx, op, ticketID, n.Body, "")
	if err != nil {
		return platform.Note{}, err
	}
	created := draft.LastModifiedDateTime
	if created.IsZero() {
		created = time.Now().UTC()
	}
	return platform.Note{
		ID: draft.ID, TicketID: ticketID, Kind: NoteKindReply, Body: n.Body,
		Public: true, AuthorID: c.creds.Mailbox, CreatedAt: created,
	}, nil
}

// Withholds says why a note must not be written to the mailbox: a private
// note would be mailed to the requester, since every mail reply is public.
func (c *Client) Withholds(n platform.Note) string {
	if !n.Public {
		return "a private note is not mailed: every reply from the support mailbox reaches the requester"
	}
	return ""
}

// reply creates and sends a reply to the ticket's first message; ref, when
// set, marks it (refProperty) so a repeat can find it.
func (c *Client) reply(ctx context.Context, op, ticketID, comment, ref string) (message, error) {
	draft, err := c.replyDraft(ctx, op, ticketID, comment, ref)
	if err != nil {
		return message{}, err
	}
	if err := c.sendDraft(ctx, op, draft.ID); err != nil {
		return message{}, err
	}
	return draft, nil
}

// replyDraft creates the draft of a reply to the ticket's first message.
func (c *Client) replyDraft(ctx context.Context, op, ticketID, comment, ref string) (message, error) {
	var head message
	if err := c.getJSON(ctx, op, c.messagePath(ticketID, "?$select=id,from,toRecipients,ccRecipients"), &head); err != nil {
		return message{}, err
	}
	to, cc := c.replyRecipients(head)
	if len(to) == 0 {
		// A ticket Tandem created from a partner's, mailed to the mailbox
		// itself: there is no requester, and the note is for the agents
		// reading the mailbox (its copy is screened out as the mailbox's
		// own mail).
		to = []recipient{{EmailAddress: emailAddress{Address: c.creds.Mailbox}}}
	}
	msg := map[string]any{"toRecipients": to, "ccRecipients": cc}
	if ref != "" {
		msg["singleValueExtendedProperties"] = []extendedProperty{{ID: refProperty, Value: ref}}
	}
	var draft message
	if err := c.callJSON(egress.NotIdempotent(ctx), op, http.MethodPost, c.messagePath(ticketID, "/createReply"),
		map[string]any{"comment": comment, "message": msg}, &draft); err != nil {
		return message{}, err
	}
	return draft, nil
}

// replyRecipients answers the requester (the first mail's sender, or its
// recipients when the mailbox itself sent it) and copies everyone else the
// first mail went to. The support mailbox is never one of them: its copy
// would come back as new mail.
func (c *Client) replyRecipients(head message) (to, cc []recipient) {
	seen := map[string]bool{c.creds.Mailbox: true, "": true}
	add := func(list *[]recipient, r recipient) {
		a := strings.ToLower(strings.TrimSpace(r.EmailAddress.Address))
		if seen[a] {
			return
		}
		seen[a] = true
		*list = append(*list, recipient{EmailAddress: emailAddress{Address: a, Name: r.EmailAddress.Name}})
	}
	if head.From != nil && head.sender() != c.creds.Mailbox {
		add(&to, *head.From)
	} else {
		for _, r := range head.ToRecipients {
			add(&to, r)
		}
	}
	for _, r := range append(append([]recipient{}, head.ToRecipients...), head.CcRecipients...) {
		add(&cc, r)
	}
	return to, cc
}

// sendClosingReply sends the organisation's closing reply, once: the reply
// carries a marker, looked up before sending, so a repeated close (a
// retried command) finds the reply it already sent.
func (c *Client) sendClosingReply(ctx context.Context, op, ticketID string) error {
	text := c.creds.Desk.ClosingReply
	if text == "" {
		return nil
	}
	sum := sha256.Sum256([]byte("close\x00" + ticketID))
	ref := "tandem-close-" + hex.EncodeToString(sum[:12])
	if _, found, err := c.findMarked(ctx, op, ref); err != nil || found {
		return err
	}
	_, err := c.reply(ctx, op, ticketID, text, ref)
	return err
}

func (c *Client) sendDraft(ctx context.Context, op, draftID string) error {
	// Sending twice sends two mails (or fails on the sent copy): once the
	// send may have reached Graph, it is not repeated.
	return c.callJSON(egress.NotIdempotent(ctx), op, http.MethodPost, c.messagePath(draftID, "/send"), nil, nil)
}

// ListNotes returns the conversation's other sent or received messages at or
// after since, oldest first.
func (c *Client) ListNotes(ctx context.Context, ticketID string, since time.Time) ([]platform.Note, error) {
	head, msgs, err := c.conversation(ctx, "list notes of ticket "+ticketID, ticketID)
	if err != nil {
		return nil, err
	}
	var notes []platform.Note
	for _, m := range msgs {
		if m.ID == ticketID || sameMail(m, head) || m.ReceivedDateTime.Before(since) {
			continue
		}
		// Noise never becomes a note, whichever event lists it first.
		if slices.Contains(m.Categories, SkippedCategory) || m.sender() != c.creds.Mailbox && c.noise(m) != "" {
			continue
		}
		kind := NoteKindMail
		if m.sender() == c.creds.Mailbox {
			kind = NoteKindReply
		}
		notes = append(notes, platform.Note{
			ID: m.ID, TicketID: ticketID, Kind: kind, Title: m.Subject, Body: m.text(),
			Public: true, AuthorID: m.sender(), CreatedAt: m.ReceivedDateTime,
		})
	}
	return notes, nil
}

// sameMail reports whether a and b are copies of one sent mail.
func sameMail(a, b message) bool {
	return a.InternetMessageID != "" && a.InternetMessageID == b.InternetMessageID
}

// conversation returns the message id and the non-draft messages sharing
// its conversationId, oldest first. Ordering is done here because Graph
// rejects $orderby combined with this $filter as an inefficient query.
func (c *Client) conversation(ctx context.Context, op, id string) (message, []message, error) {
	var head message
	if err := c.getJSON(ctx, op, c.messagePath(id, "?$select=id,conversationId,internetMessageId,from"), &head); err != nil {
		return message{}, nil, err
	}
	q, _ := url.ParseQuery(screenQuery)
	q.Set("$filter", "conversationId eq '"+strings.ReplaceAll(head.ConversationID, "'", "''")+"'")
	q.Set("$top", "50")
	msgs, err := listAll[message](ctx, c, op, c.userPath("/messages?"+q.Encode()))
	if err != nil {
		return message{}, nil, err
	}
	sort.SliceStable(msgs, func(i, j int) bool {
		if !msgs[i].ReceivedDateTime.Equal(msgs[j].ReceivedDateTime) {
			return msgs[i].ReceivedDateTime.Before(msgs[j].ReceivedDateTime)
		}
		return msgs[i].ID < msgs[j].ID
	})
	// A mail the mailbox sent to itself exists twice (Sent Items and
	// Inbox) with one internetMessageId; the older copy stands for both.
	seen := map[string]bool{}
	out := msgs[:0]
	for _, m := range msgs {
		if m.IsDraft || (m.InternetMessageID != "" && seen[m.InternetMessageID]) {
			continue
		}
		seen[m.InternetMessageID] = true
		out = append(out, m)
	}
	return head, out, nil
}

// MessageOrigin says which ticket a notified message belongs to and who
// sent it. Change notifications carry neither, so the sync function asks.
type MessageOrigin struct {
	TicketID string // the conversation's first message
	Sender   string // lower-case address
	Own      bool   // sent by the support mailbox itself: Tandem's write or an agent's reply from it
}

// ResolveMessage maps a message id from a notification to its ticket and
// sender, for linking and echo suppression.
func (c *Client) ResolveMessage(ctx context.Context, messageID string) (MessageOrigin, error) {
	m, msgs, err := c.conversation(ctx, "resolve message "+messageID, messageID)
	if err != nil {
		return MessageOrigin{}, err
	}
	o := MessageOrigin{TicketID: messageID, Sender: m.sender(), Own: m.sender() == c.creds.Mailbox}
	if len(msgs) > 0 {
		o.TicketID = msgs[0].ID
	}
	return o, nil
}

// TicketOf names the ticket a notification's message belongs to: a reply is
// a note on the conversation's first message, which is the ticket.
func (c *Client) TicketOf(ctx context.Context, messageID string) (string, error) {
	o, err := c.ResolveMessage(ctx, messageID)
	if err != nil {
		return "", err
	}
	return o.TicketID, nil
}
