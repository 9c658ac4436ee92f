package zendesk

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/tandemsync/tandem/pkg/egress"
	"github.com/tandemsync/tandem/pkg/platform"
)

// Zendesk has one kind of note, the ticket comment (public or internal);
// Tandem tells its own apart by author, as Halo's "Partner Update" action
// would: NoteKind is a comment a person wrote, PartnerNoteKind one the
// integration user wrote (what Tandem copies in from the partner). Notes
// received from the partner map to PartnerNoteKind and only NoteKind is
// sent out, so a copied note is never sent back.
const (
	NoteKind        = "comment"
	PartnerNoteKind = "partner"
)

// comment is a ticket comment (Ticket Comments API).
type comment struct {
	ID          zid          `json:"id"`
	AuthorID    zid          `json:"author_id"`
	Body        string       `json:"body"`
	PlainBody   string       `json:"plain_body"`
	Public      bool         `json:"public"`
	CreatedAt   string       `json:"created_at"`
	Attachments []attachment `json:"attachments"`
}

func (cm comment) note(ticketID, self string) platform.Note {
	body := cm.Body
	if body == "" {
		body = cm.PlainBody
	}
	kind := NoteKind
	if string(cm.AuthorID) == self {
		kind = PartnerNoteKind
	}
	return platform.Note{ID: string(cm.ID), TicketID: ticketID, Kind: kind, Body: body, Public: cm.Public,
		AuthorID: string(cm.AuthorID), CreatedAt: parseTime(cm.CreatedAt)}
}

// AddNote adds a comment through a ticket update, with public always set:
// Zendesk's default for a comment is public, and an internal note must
// never reach the requester by omission.
func (c *Client) AddNote(ctx context.Context, ticketID string, n platform.Note) (platform.Note, error) {
	var out updateAnswer
	body := map[string]any{"comment": map[string]any{"body": n.Body, "public": n.Public}}
	if err := c.putTicket(egress.NotIdempotent(ctx), ticketID, body, "add a comment to ticket "+ticketID, &out); err != nil {
		return platform.Note{}, err
	}
	id := out.commentID()
	if id == "" {
		return platform.Note{}, fmt.Errorf("add a comment to ticket %s: %w", ticketID, unreadable("add a comment", nil))
	}
	return platform.Note{ID: id, TicketID: ticketID, Kind: PartnerNoteKind, Body: n.Body, Public: n.Public, CreatedAt: c.now().UTC()}, nil
}

// updateAnswer is the answer to a ticket update: the audit's Comment event
// carries the new comment's id.
type updateAnswer struct {
	Audit struct {
		Events []struct {
			ID   zid    `json:"id"`
			Type string `json:"type"`
		} `json:"events"`
	} `json:"audit"`
}

func (u updateAnswer) commentID() string {
	for _, e := range u.Audit.Events {
		if e.Type == "Comment" && e.ID.positive() {
			return string(e.ID)
		}
	}
	return ""
}

// comments lists every comment of a ticket, oldest first, following the
// cursor.
func (c *Client) comments(ctx context.Context, ticketID string) ([]comment, error) {
	n, err := recordID("ticket", ticketID)
	if err != nil {
		return nil, err
	}
	path := "/api/v2/tickets/" + strconv.FormatInt(n, 10) + "/comments"
	q := url.Values{"page[size]": {pageSize}, "sort": {"created_at"}}
	var all []comment
	for {
		var page struct {
			Comments []comment `json:"comments"`
			cursorMeta
		}
		if err := c.call(ctx, http.MethodGet, path, q, nil, &page, "read the comments of ticket "+ticketID); err != nil {
			return nil, err
		}
		all = append(all, page.Comments...)
		if !page.Meta.HasMore || page.Meta.AfterCursor == "" {
			return all, nil
		}
		q.Set("page[after]", page.Meta.AfterCursor)
	}
}

// carriesFile reports a comment written through AddAttachment only to
// carry a file (Zendesk keeps files on comments): the file is synced as a
// file, and the generated text is no note of anyone's.
func carriesFile(cm comment) bool {
	return len(cm.Attachments) == 1 && cm.Body == AttachmentComment(cm.Attachments[0].FileName)
}

// ListNotes returns the ticket's comments created at or after since,
// oldest first. The first comment is the ticket's description, which
// travels with the ticket, not as a note.
func (c *Client) ListNotes(ctx context.Context, ticketID string, since time.Time) ([]platform.Note, error) {
	all, err := c.comments(ctx, ticketID)
	if err != nil {
		return nil, fmt.Errorf("list notes of ticket %s: %w", ticketID, err)
	}
	self, err := c.ActorID(ctx)
	if err != nil {
		return nil, fmt.Errorf("list notes of ticket %s: %w", ticketID, err)
	}
	var out []platform.Note
	for i, cm := range all {
		if i == 0 || carriesFile(cm) {
			continue
		}
		n := cm.note(ticketID, self)
		if !since.IsZero() && n.CreatedAt.Before(since) {
			continue
		}
		out = append(out, n)
	}
	return out, nil
}
