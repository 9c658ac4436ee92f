package graph

import (
	"context"
	"net/http"
	"net/url"
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

// AddNote replies to the ticket's first message. It uses createReply and
// send instead of reply because reply answers 202 without an id, and the
// note id is what echo suppression and the sync log refer to.
func (c *Client) AddNote(ctx context.Context, ticketID string, n platform.Note) (platform.Note, error) {
	op := "add note to ticket " + ticketID
	if !n.Public {
		return platform.Note{}, newError(platform.ReasonInvalid, 0, op+": Microsoft 365 mail has no private notes; map private notes to nothing, or to public replies", nil)
	}
	draft, err := c.createReply(ctx, op, ticketID, n.Body)
	if err != nil {
		return platform.Note{}, err
	}
	if err := c.sendDraft(ctx, op, draft.ID); err != nil {
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

func (c *Client) createReply(ctx context.Context, op, messageID, comment string) (message, error) {
	var draft message
	err := c.callJSON(egress.NotIdempotent(ctx), op, http.MethodPost, c.messagePath(messageID, "/createReply"), map[string]string{"comment": comment}, &draft)
	return draft, err
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
		kind := NoteKindMail
		if m.sender() == c.creds.Mailbox {
			kind = NoteKindReply
		}
		notes = append(notes, platform.Note{
			ID: m.ID, TicketID: ticketID, Kind: kind, Title: m.Subject, Body: m.Body.Content,
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
	q := url.Values{
		"$filter": {"conversationId eq '" + strings.ReplaceAll(head.ConversationID, "'", "''") + "'"},
		"$select": {strings.TrimPrefix(messageSelect, "$select=")},
		"$top":    {"50"},
	}
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
