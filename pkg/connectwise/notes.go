package connectwise

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"time"

	"github.com/tandemsync/tandem/pkg/egress"
	"github.com/tandemsync/tandem/pkg/platform"
)

// Note kinds: ConnectWise has no note types, but three flags that decide where
// a note shows (Discussion is the customer-visible detail description,
// Internal the internal analysis, Resolution visible too) and
// processNotifications, which lets the board's e-mail notifications fire.
const (
	NoteDiscussion      = "discussion"
	NoteDiscussionEmail = "discussion+email"
	NoteInternal        = "internal"
	NoteResolution      = "resolution"
	NoteResolutionEmail = "resolution+email"
)

var noteKinds = []platform.Option{
	{ID: NoteDiscussion, Name: "Discussion (customer-visible)", Active: true},
	{ID: NoteDiscussionEmail, Name: "Discussion, with e-mail notifications", Active: true, IsEmail: true},
	{ID: NoteInternal, Name: "Internal analysis (private)", Active: true},
	{ID: NoteResolution, Name: "Resolution (customer-visible)", Active: true},
	{ID: NoteResolutionEmail, Name: "Resolution, with e-mail notifications", Active: true, IsEmail: true},
}

// note is ConnectWise's service ticket note.
type note struct {
	ID                    int64  `json:"id,omitempty"`
	TicketID              int64  `json:"ticketId,omitempty"`
	Text                  string `json:"text"`
	DetailDescriptionFlag bool   `json:"detailDescriptionFlag"`
	InternalAnalysisFlag  bool   `json:"internalAnalysisFlag"`
	ResolutionFlag        bool   `json:"resolutionFlag"`
	ProcessNotifications  *bool  `json:"processNotifications,omitempty"`
	Member                *ref   `json:"member,omitempty"`
	DateCreated           string `json:"dateCreated,omitempty"`
	CreatedBy             string `json:"createdBy,omitempty"`
}

// AddNote adds a note; n.Kind picks the flags, and without a kind Public
// chooses between a discussion and an internal note. Notifications stay off
// unless an e-mail kind is chosen, so a synced note never mails a customer by
// surprise. ConnectWise notes have no title, so a title becomes the first line.
func (c *Client) AddNote(ctx context.Context, ticketID string, n platform.Note) (platform.Note, error) {
	tid, err := parseID("ticket", ticketID)
	if err != nil {
		return platform.Note{}, fmt.Errorf("add note to ticket %s: %w", ticketID, err)
	}
	// Visibility is the note's contract (a private note must never reach
	// the customer); the kind only picks the family. So a private note of
	// a customer-visible kind is filed as internal analysis, and a public
	// note of the internal kind as discussion.
	kind := n.Kind
	switch kind {
	case "", NoteInternal, NoteDiscussion, NoteDiscussionEmail, NoteResolution, NoteResolutionEmail:
	default:
		return platform.Note{}, fmt.Errorf("add note to ticket %s: %w", ticketID, c.fail(platform.ReasonInvalid, 0,
			fmt.Sprintf("Unknown ConnectWise note kind %q: use discussion, internal or resolution (optionally +email).", kind), nil))
	}
	switch {
	case !n.Public:
		kind = NoteInternal
	case kind == "" || kind == NoteInternal:
		kind = NoteDiscussion
	}
	notify := false
	in := note{Text: n.Body, ProcessNotifications: &notify}
	switch kind {
	case NoteDiscussion, NoteDiscussionEmail:
		in.DetailDescriptionFlag = true
	case NoteInternal:
		in.InternalAnalysisFlag = true
	case NoteResolution, NoteResolutionEmail:
		in.ResolutionFlag = true
	}
	notify = kind == NoteDiscussionEmail || kind == NoteResolutionEmail
	if n.Title != "" {
		in.Text = n.Title + "\n\n" + n.Body
	}
	var out note
	if _, err := c.call(egress.NotIdempotent(ctx), http.MethodPost, notesPath(tid), nil, in, &out); err != nil {
		return platform.Note{}, fmt.Errorf("add note to ticket %s: %w", ticketID, err)
	}
	res := fromNote(out, tid)
	res.Kind = kind
	return res, nil
}

// ListNotes asks ConnectWise for notes created at or after since and sorts
// them by creation time; the filter is repeated locally so a server that
// ignores conditions cannot return older notes.
func (c *Client) ListNotes(ctx context.Context, ticketID string, since time.Time) ([]platform.Note, error) {
	tid, err := parseID("ticket", ticketID)
	if err != nil {
		return nil, fmt.Errorf("list notes of ticket %s: %w", ticketID, err)
	}
	q := url.Values{"orderBy": {"id asc"}}
	if !since.IsZero() {
		q.Set("conditions", "dateCreated >= ["+formatTime(since)+"]")
	}
	rows, err := getAll[note](ctx, c, notesPath(tid), q)
	if err != nil {
		return nil, fmt.Errorf("list notes of ticket %s: %w", ticketID, err)
	}
	out := make([]platform.Note, 0, len(rows))
	for _, r := range rows {
		n := fromNote(r, tid)
		if !since.IsZero() && n.CreatedAt.Before(since.Truncate(time.Second)) {
			continue
		}
		out = append(out, n)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].CreatedAt.Before(out[j].CreatedAt) })
	return out, nil
}

func notesPath(ticketID int64) string {
	return "/service/tickets/" + strconv.FormatInt(ticketID, 10) + "/notes"
}

func fromNote(n note, ticketID int64) platform.Note {
	out := platform.Note{
		ID:       strconv.FormatInt(n.ID, 10),
		TicketID: strconv.FormatInt(ticketID, 10),
		Body:     n.Text,
		Public:   n.DetailDescriptionFlag || n.ResolutionFlag,
	}
	switch {
	case n.ResolutionFlag:
		out.Kind = NoteResolution
	case n.DetailDescriptionFlag:
		out.Kind = NoteDiscussion
	default:
		out.Kind = NoteInternal
	}
	switch {
	case n.Member != nil && n.Member.Identifier != "":
		out.AuthorID, out.AuthorName = n.Member.Identifier, n.Member.Name
	case n.CreatedBy != "":
		out.AuthorID = n.CreatedBy
	}
	out.CreatedAt, _ = parseTime(n.DateCreated)
	return out
}
