package relay

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"

	"github.com/tandemsync/tandem/pkg/integration"
	"github.com/tandemsync/tandem/pkg/platform"
)

// HandleCommand applies one command to the receiving platform, once.
func (e *Engine) HandleCommand(ctx context.Context, cmd Command) error {
	var pre *LinkRead
	if ll, ok := e.Store.(LinkLedger); ok {
		done, link, linkErr, err := ll.DoneWithLink(ctx, cmd.ID, cmd.ConnectionID, cmd.LinkKey)
		if err != nil || done {
			return err
		}
		pre = &LinkRead{Link: link, Err: linkErr}
	} else if done, err := e.Store.Done(ctx, cmd.ID); err != nil || done {
		return err
	}
	client, err := e.Platforms.Client(ctx, cmd.ToOrg)
	if err != nil {
		return fmt.Errorf("client for %s: %w", cmd.ToOrg, err)
	}
	what := describe(cmd.Do)
	target, err := e.apply(ctx, client, cmd, pre)
	var pe *platform.Error
	reason, refused := refusedFile(err)
	var skip *skipped
	var wait *held
	// The outcome's log entry is written with the ledger mark, below.
	var entry LogEntry
	switch {
	case errors.As(err, &wait):
		if err := e.Failures.Hold(ctx, cmd.ConnectionID, wait.failure, cmd); err != nil {
			return fmt.Errorf("hold %s: %w", what, err)
		}
		e.logEntry(ctx, LogEntry{ConnectionID: cmd.ConnectionID, Outcome: Held, Org: cmd.ToOrg, Ticket: cmd.LinkKey, What: what, Reason: "waits behind an earlier failure of this ticket"})
		return nil
	case err == nil:
		entry = LogEntry{ConnectionID: cmd.ConnectionID, Outcome: Applied, Org: cmd.ToOrg, Ticket: cmd.LinkKey, TargetTicket: target, What: what}
	case refused:
		// A file too large for the platform, or of a type it blocks.
		entry = LogEntry{ConnectionID: cmd.ConnectionID, Outcome: Skipped, Org: cmd.ToOrg, Ticket: cmd.LinkKey, TargetTicket: target, What: what, Reason: reason}
	case errors.As(err, &skip):
		entry = LogEntry{ConnectionID: cmd.ConnectionID, Outcome: Skipped, Org: cmd.ToOrg, Ticket: cmd.LinkKey, What: what, Reason: skip.reason}
	case errors.Is(err, ErrPermanent), errors.As(err, &pe) && !pe.Temporary():
		// The platform refused for good (say the mapped action is not on the
		// ticket's workflow, or a required field is missing): record its
		// reason, once. With failure records, the ticket's later changes to
		// this side wait behind it; without, they flow.
		reason := err.Error()
		if pe != nil {
			reason = pe.Message
		}
		if pe != nil && transition(cmd.Do) && target != "" {
			followUp, err := e.onRefused(ctx, client, cmd, target, reason)
			if err != nil {
				return fmt.Errorf("%s on %s: %w", what, cmd.ToOrg, err)
			}
			if followUp != "" {
				break // the follow-up took the change
			}
		}
		if e.Failures != nil {
			return e.fail(ctx, cmd, target, reason)
		}
		entry = LogEntry{ConnectionID: cmd.ConnectionID, Outcome: Failed, Org: cmd.ToOrg, Ticket: cmd.LinkKey, TargetTicket: target, What: what, Reason: reason}
		if cmd.Do.Op == integration.OpCreateTicket && target == "" {
			if _, err := e.editLink(ctx, cmd, func(s *Side) error { s.Refused, s.Creating = reason, ""; return nil }); err != nil {
				return fmt.Errorf("record refused create of %s: %w", cmd.LinkKey, err)
			}
		}
	case e.Failures != nil && e.MaxReceives > 0 && receives(ctx) >= e.MaxReceives:
		// The last try before the dead-letter queue: a failure record
		// instead, which holds the ticket and can be retried.
		return e.fail(ctx, cmd, target, fmt.Sprintf("gave up after %d attempts: %v", receives(ctx), err))
	default:
		return fmt.Errorf("%s on %s: %w", what, cmd.ToOrg, err)
	}
	if err := e.markDone(ctx, cmd.ID, entry); err != nil {
		return fmt.Errorf("record command %s: %w", cmd.ID, err)
	}
	e.dropFile(ctx, cmd)
	return nil
}

// markDone records a command as applied with its log entry: one request
// where the store can (DoneLogger), else the entry and then the mark.
func (e *Engine) markDone(ctx context.Context, id string, entry LogEntry) error {
	expires := e.Clock.Now().Add(e.LedgerTTL)
	dl, ok := e.Store.(DoneLogger)
	if !ok {
		e.logEntry(ctx, entry)
		return e.Store.MarkDone(ctx, id, expires)
	}
	entry.At = e.Clock.Now()
	if err := dl.MarkDoneWithLog(ctx, id, expires, entry); err != nil {
		return err
	}
	e.logLine(ctx, entry)
	return nil
}

// skipped is a command that has nothing to do, with the reason.
type skipped struct{ reason string }

func (s *skipped) Error() string { return "skipped: " + s.reason }

func describe(c integration.Command) string {
	switch c.Op {
	case integration.OpCreateTicket:
		return "create ticket"
	case integration.OpUpdateTicket:
		return "update ticket"
	case integration.OpCloseTicket:
		return "close ticket"
	case integration.OpAddNote:
		return "add note"
	case integration.OpAddAttachment:
		if c.Attachment != nil {
			return fmt.Sprintf("add attachment %q", c.Attachment.Name)
		}
	case integration.OpAddTimeEntry:
		return "add time entry"
	}
	return string(c.Op)
}

// editLink re-reads the link and applies change until the conditional write
// wins. It never repeats a platform write: only bookkeeping is retried.
func (e *Engine) editLink(ctx context.Context, cmd Command, change func(mine *Side) error) (Link, error) {
	return e.editLinkFrom(ctx, cmd, nil, change)
}

// editLinkFrom is editLink starting from a link the command has just read
// or written (nil: read it), which saves a read when nothing moved it in
// between; a conflict re-reads as editLink does.
func (e *Engine) editLinkFrom(ctx context.Context, cmd Command, from *Link, change func(mine *Side) error) (Link, error) {
	for attempt := 0; ; attempt++ {
		var link Link
		var err error
		if attempt == 0 && from != nil {
			link = *from
			link.Source.Snapshot, link.Target.Snapshot = link.Source.Snapshot.clone(), link.Target.Snapshot.clone()
		} else if link, err = e.commandLink(ctx, cmd); err != nil {
			return Link{}, fmt.Errorf("link of %s: %w", cmd.LinkKey, err)
		}
		mine, _ := link.SideOf(cmd.ToOrg)
		was := *mine
		was.Snapshot = mine.Snapshot.clone()
		if err := change(mine); err != nil {
			return Link{}, err
		}
		if (attempt > 0 || from == nil) && reflect.DeepEqual(was, *mine) {
			// The link as just read has it already (the echo of the write
			// recorded it first): a write would only move the version. A
			// link carried from earlier is written, so that the version
			// check says it is still current.
			return link, nil
		}
		stored, err := e.putSide(ctx, link, cmd.ToOrg)
		if errors.Is(err, ErrConflict) && attempt < 10 {
			continue
		}
		return stored, err
	}
}

// putSide writes org's side of l, alone where the store can (SideWriter),
// else with the whole link.
func (e *Engine) putSide(ctx context.Context, l Link, org string) (Link, error) {
	if sw, ok := e.Store.(SideWriter); ok {
		return sw.PutSide(ctx, l, org)
	}
	return e.Store.PutLink(ctx, l)
}

// commandLink reads the link cmd writes to: by its key where the store can
// (one request whichever side's ticket the command came from), else by the
// sending side's ticket.
func (e *Engine) commandLink(ctx context.Context, cmd Command) (Link, error) {
	if ll, ok := e.Store.(LinkLedger); ok {
		return ll.LinkByKey(ctx, cmd.ConnectionID, cmd.LinkKey)
	}
	return e.Store.LinkByTicket(ctx, cmd.ConnectionID, cmd.FromOrg, cmd.FromTicketID)
}

// LinkRead is a link as read together with something else (a command's
// ledger entry, an event's connection stamps); Err is what reading it alone
// would have answered (ErrNoLink when there is none).
type LinkRead struct {
	Link Link
	Err  error
}

// apply writes one command and returns the receiving ticket's id, for the
// log. pre is the link read with the ledger entry (nil: read it here).
func (e *Engine) apply(ctx context.Context, client platform.Client, cmd Command, pre *LinkRead) (string, error) {
	var link Link
	var err error
	if pre != nil {
		link, err = pre.Link, pre.Err
	} else {
		link, err = e.commandLink(ctx, cmd)
	}
	if err != nil {
		return "", fmt.Errorf("link of %s: %w", cmd.LinkKey, err)
	}
	mine, _ := link.SideOf(cmd.ToOrg)
	if mine.Blocked != "" && !releasing(ctx, mine.Blocked) {
		return mine.TicketID, &held{failure: mine.Blocked}
	}
	do := cmd.Do
	if do.Op == integration.OpCreateTicket {
		if mine.TicketID != "" {
			return mine.TicketID, nil // created by an earlier delivery whose ledger entry was lost
		}
		return e.create(ctx, client, cmd, link)
	}
	if mine.TicketID == "" {
		if mine.Refused != "" {
			// The platform refused the create for good (logged as failed
			// once); what would follow it has nowhere to go.
			return "", &skipped{reason: "the partner ticket was not created: " + mine.Refused}
		}
		// The create has not landed yet; FIFO order makes this rare.
		// Retrying lets the create catch up.
		return "", fmt.Errorf("partner ticket of %s not created yet", cmd.LinkKey)
	}
	ticketID := mine.TicketID
	return ticketID, e.write(ctx, client, cmd, ticketID, link)
}

// create writes the partner ticket of a link that has none, so that it
// exists once however often the command runs. The create carries a marker
// (platform.Ticket.Ref) the platform stores. An attempt that may follow
// one that created the ticket (the answer was lost, or the store failed
// before the id was recorded) looks the marker up and adopts what it
// finds; so does a create whose answer was a failure that can follow an
// applied write (a 5xx, a timeout, a dropped connection).
//
// Such an attempt is told apart by the message: a redelivery, a failure's
// retry, or a resend (Resent); a first delivery of the first send is the
// first attempt, since the send that linked the ticket sent it once (the
// queue drops a repeat of that send), and every later send is a resend.
// Where the queue does not say how often it delivered a message, or the
// platform cannot be searched, the marker is recorded on the link first
// (Creating), and a command that finds it set looks it up. The normal path
// makes no look-up and no store write before the create.
func (e *Engine) create(ctx context.Context, client platform.Client, cmd Command, link Link) (string, error) {
	ref := createRef(cmd.ConnectionID, cmd.LinkKey)
	mine, _ := link.SideOf(cmd.ToOrg)
	_, finder := client.(TicketFinder)
	counted := finder && receives(ctx) > 0
	repeat := counted && (redelivered(ctx) || cmd.Resent || ctx.Value(releasingKey{}) != nil)
	if mine.Creating == ref || cmd.Match || repeat {
		t, found, err := findCreated(ctx, client, ref)
		if err != nil {
			return "", fmt.Errorf("look up ticket %s: %w", ref, err)
		}
		if !found && cmd.MatchNumber != "" {
			// The target's match rule: its tickets from before the
			// connection hold the source ticket's number in the field
			// the marker look-up searches.
			if t, found, err = findCreated(ctx, client, cmd.MatchNumber); err != nil {
				return "", fmt.Errorf("look up ticket by number %s: %w", cmd.MatchNumber, err)
			}
		}
		if found {
			if cmd.Match {
				e.count(ctx, cmd.ConnectionID, cmd.SyncRun, ProgressMatched)
			}
			return e.adopt(ctx, cmd, t)
		}
	}
	stored := &link
	if mine.Creating != ref && !counted {
		mine.Creating = ref
		l, err := e.putSide(ctx, link, cmd.ToOrg)
		if errors.Is(err, ErrConflict) {
			l, err = e.editLink(ctx, cmd, func(s *Side) error { s.Creating = ref; return nil })
		}
		if err != nil {
			return "", err
		}
		stored = &l
	}
	want := *cmd.Do.Ticket
	want.Ref = ref
	t, err := client.CreateTicket(ctx, want)
	if err != nil && t.ID == "" {
		if !platform.IsTemporary(err) {
			return "", err
		}
		// The platform may have applied the create before failing.
		found, ok, ferr := findCreated(ctx, client, ref)
		if ferr != nil || !ok {
			return "", err
		}
		t, err = found, nil
	}
	id, aerr := e.adoptFrom(ctx, cmd, stored, t)
	if err == nil {
		err = aerr
	}
	if err == nil && cmd.Match {
		e.count(ctx, cmd.ConnectionID, cmd.SyncRun, ProgressCreated)
	}
	return id, err
}

// adopt records t as the partner ticket of cmd's link.
func (e *Engine) adopt(ctx context.Context, cmd Command, t platform.Ticket) (string, error) {
	return e.adoptFrom(ctx, cmd, nil, t)
}

// adoptFrom is adopt starting from the link as the command last stored it
// (nil: read it).
func (e *Engine) adoptFrom(ctx context.Context, cmd Command, from *Link, t platform.Ticket) (string, error) {
	_, err := e.editLinkFrom(ctx, cmd, from, func(s *Side) error {
		s.TicketID = t.ID
		s.Snapshot = snapshotOf(t, s.Snapshot)
		s.Seq++
		s.Creating = ""
		// Platforms that keep the description as the ticket's first note
		// (ConnectWise) would send it back as a new note: the side's first
		// note listing takes it as Tandem's own write (see newNotes).
		if cmd.Do.Ticket != nil && strings.TrimSpace(cmd.Do.Ticket.Description) != "" {
			s.Snapshot.Pending = addID(s.Snapshot.Pending, descriptionMark+fingerprint(cmd.Do.Ticket.Description))
		}
		return nil
	})
	return t.ID, err
}

// descriptionMark prefixes the pending fingerprint of a created ticket's
// description; the first listing of the ticket's notes drops it.
const descriptionMark = "desc:"

// TicketFinder is implemented by clients whose platform stores the marker
// a created ticket carries (platform.Ticket.Ref) and can be searched by it.
type TicketFinder interface {
	FindTicket(ctx context.Context, ref string) (platform.Ticket, bool, error)
}

func findCreated(ctx context.Context, client platform.Client, ref string) (platform.Ticket, bool, error) {
	f, ok := client.(TicketFinder)
	if !ok {
		return platform.Ticket{}, false, nil
	}
	return f.FindTicket(ctx, ref)
}

// createRef is the marker of the partner ticket of one link: fixed per
// connection and source ticket, 31 characters (Autotask's externalID holds
// 50).
func createRef(connID, linkKey string) string {
	h := sha256.Sum256([]byte(connID + "\x00" + linkKey))
	return "tandem-" + hex.EncodeToString(h[:12])
}

type deliveryKey struct{}

// WithReceiveCount tells the engine how often the queue has delivered the
// message being handled (SQS ApproximateReceiveCount).
func WithReceiveCount(ctx context.Context, n int) context.Context {
	return context.WithValue(ctx, deliveryKey{}, n)
}

// redelivered reports whether the message was delivered before: an earlier
// attempt may have written what this one is about to write.
func redelivered(ctx context.Context) bool { return receives(ctx) > 1 }

// receives is how often the queue has delivered the message (0: unknown).
func receives(ctx context.Context) int {
	n, _ := ctx.Value(deliveryKey{}).(int)
	return n
}

// addRecorded adds a note or file with add, which returns the new id. The
// content's fingerprint fp is recorded as pending first, so the echo of the
// write is known even if it arrives before the write returns; then the new id
// joins the side's list (picked by ids) and fp is cleared.
//
// Adding is not idempotent, so it is never repeated blindly: when fp was
// already pending (an earlier attempt got as far as the write), when the
// message is a redelivery, or when the add failed in a way that can follow
// an applied write, find looks for the content on the ticket first (by
// fingerprint, among the ids known before) and the one found is recorded
// instead. find takes content the side did not know before; only on a
// redelivery that finds fp no longer pending may it take known content,
// since the earlier attempt's write can then already have been recorded
// (by that attempt, or by the platform's echo of it).
func (e *Engine) addRecorded(ctx context.Context, cmd Command, link Link, fp string, ids func(*Snapshot) *[]string,
	add func() (string, error), find func(known []string, takeKnown bool) (string, bool, error)) error {
	var tried bool
	var known []string
	stored, err := e.editLinkFrom(ctx, cmd, &link, func(s *Side) error {
		tried = contains(s.Snapshot.Pending, fp)
		known = slices.Clone(*ids(&s.Snapshot))
		s.Snapshot.Pending = addID(s.Snapshot.Pending, fp)
		return nil
	})
	if err != nil {
		return err
	}
	var id string
	var found bool
	if tried || redelivered(ctx) || cmd.Match {
		var err error
		if id, found, err = find(known, !tried); err != nil {
			return err
		}
	}
	if !found {
		var err error
		if id, err = add(); err != nil {
			if !platform.IsTemporary(err) {
				return err
			}
			got, ok, ferr := find(known, false)
			if ferr != nil || !ok {
				return err
			}
			id = got
		}
	}
	// The echo of the add may have moved the link since: then the
	// conditional write fails and the link is read again.
	_, err = e.editLinkFrom(ctx, cmd, &stored, func(s *Side) error {
		if list := ids(&s.Snapshot); !contains(*list, id) {
			*list = addID(*list, id)
			s.Snapshot.Pending = removeID(s.Snapshot.Pending, fp)
		}
		return nil
	})
	return err
}

func notesOf(s *Snapshot) *[]string       { return &s.Notes }
func attachmentsOf(s *Snapshot) *[]string { return &s.Attachments }

// write applies an update, close, note or attachment to an existing ticket.
// link is the link as apply read it: the first bookkeeping write starts
// from it.
func (e *Engine) write(ctx context.Context, client platform.Client, cmd Command, ticketID string, link Link) error {
	do := cmd.Do
	switch do.Op {
	case integration.OpUpdateTicket:
		// Record first, write second: the echo of the write must find it.
		var refused string
		if _, err := e.editLinkFrom(ctx, cmd, &link, func(s *Side) error {
			applyUpdate(&s.Snapshot, *do.Update)
			refused = s.RefusedTransition
			return nil
		}); err != nil {
			return err
		}
		if err := client.UpdateTicket(ctx, ticketID, *do.Update); err != nil {
			return err
		}
		if refused != "" && transition(do) {
			return e.clearRefused(ctx, cmd)
		}
		return nil
	case integration.OpCloseTicket:
		var refused string
		if _, err := e.editLinkFrom(ctx, cmd, &link, func(s *Side) error {
			s.Snapshot.Closed = true
			if do.Status != "" {
				s.Snapshot.Status = do.Status
			}
			refused = s.RefusedTransition
			return nil
		}); err != nil {
			return err
		}
		if err := client.CloseTicket(ctx, ticketID, do.Status); err != nil {
			return err
		}
		if refused != "" {
			return e.clearRefused(ctx, cmd)
		}
		return nil
	case integration.OpAddNote:
		if w, ok := client.(NoteWithholder); ok {
			if reason := w.Withholds(*do.Note); reason != "" {
				return &skipped{reason: reason}
			}
		}
		fp := fingerprint(do.Note.Body)
		return e.addRecorded(ctx, cmd, link, fp, notesOf, func() (string, error) {
			n, err := client.AddNote(ctx, ticketID, *do.Note)
			return n.ID, err
		}, func(known []string, takeKnown bool) (string, bool, error) {
			notes, err := client.ListNotes(ctx, ticketID, timeZero)
			if err != nil {
				return "", false, fmt.Errorf("list notes of %s: %w", ticketID, err)
			}
			// The same text, or (second choice) a note that holds it: some
			// platforms store a note with its title in the text
			// (ConnectWise) or a reply with the quoted mail (Microsoft 365).
			var same, holding []string
			body := strings.TrimSpace(do.Note.Body)
			for _, n := range notes {
				switch {
				case fingerprint(n.Body) == fp:
					same = append(same, n.ID)
				case body != "" && strings.Contains(n.Body, body):
					holding = append(holding, n.ID)
				}
			}
			if id, ok := newest(same, known, takeKnown); ok {
				return id, true, nil
			}
			id, ok := newest(holding, known, false)
			return id, ok, nil
		})
	case integration.OpAddAttachment:
		a := *do.Attachment
		data, err := e.content(ctx, cmd)
		if err != nil {
			return err
		}
		a.ID, a.TicketID, a.NoteID, a.Data = "", ticketID, "", data
		return e.addRecorded(ctx, cmd, link, fileFingerprint(a.Name, int64(len(a.Data))), attachmentsOf, func() (string, error) {
			got, err := client.AddAttachment(ctx, ticketID, a)
			return got.ID, err
		}, func(known []string, takeKnown bool) (string, bool, error) {
			files, err := client.ListAttachments(ctx, ticketID)
			if err != nil {
				return "", false, fmt.Errorf("list attachments of %s: %w", ticketID, err)
			}
			var ids []string
			for _, f := range files {
				if f.Name == a.Name && f.Size == int64(len(a.Data)) {
					ids = append(ids, f.ID)
				}
			}
			id, ok := newest(ids, known, takeKnown)
			return id, ok, nil
		})
	case integration.OpAddTimeEntry:
		return e.addTime(ctx, client, cmd, ticketID, link)
	}
	return fmt.Errorf("%w: unknown command %q", ErrPermanent, do.Op)
}

// NoteWithholder is implemented by clients that must not write some notes
// at all (a private note to a support mailbox would be mailed to the
// requester): the reason is logged and the note stays on the partner's side.
type NoteWithholder interface {
	Withholds(n platform.Note) string
}

// newest picks the last of the matching ids (listings are oldest first)
// that the side did not know before, so an identical note written earlier
// is not taken for this one; with takeKnown, the last match of all when
// every match was known.
func newest(ids, known []string, takeKnown bool) (string, bool) {
	for i := len(ids) - 1; i >= 0; i-- {
		if !contains(known, ids[i]) {
			return ids[i], true
		}
	}
	if takeKnown && len(ids) > 0 {
		return ids[len(ids)-1], true
	}
	return "", false
}
