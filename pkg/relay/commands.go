package relay

import (
	"context"
	"errors"
	"fmt"

	"github.com/tandemsync/tandem/pkg/integration"
	"github.com/tandemsync/tandem/pkg/platform"
)

// HandleCommand applies one command to the receiving platform, once.
func (e *Engine) HandleCommand(ctx context.Context, cmd Command) error {
	done, err := e.Store.Done(ctx, cmd.ID)
	if err != nil || done {
		return err
	}
	client, err := e.Platforms.Client(ctx, cmd.ToOrg)
	if err != nil {
		return fmt.Errorf("client for %s: %w", cmd.ToOrg, err)
	}
	what := describe(cmd.Do)
	target, err := e.apply(ctx, client, cmd)
	var pe *platform.Error
	reason, refused := refusedFile(err)
	switch {
	case err == nil:
		e.logEntry(ctx, LogEntry{ConnectionID: cmd.ConnectionID, Outcome: Applied, Org: cmd.ToOrg, Ticket: cmd.LinkKey, TargetTicket: target, What: what})
	case refused:
		// A file too large for the platform, or of a type it blocks.
		e.logEntry(ctx, LogEntry{ConnectionID: cmd.ConnectionID, Outcome: Skipped, Org: cmd.ToOrg, Ticket: cmd.LinkKey, TargetTicket: target, What: what, Reason: reason})
	case errors.Is(err, ErrPermanent), errors.As(err, &pe) && !pe.Temporary():
		// The platform refused for good (say the mapped action is not on the
		// ticket's workflow): record its reason and let later changes flow.
		reason := err.Error()
		if pe != nil {
			reason = pe.Message
		}
		e.logEntry(ctx, LogEntry{ConnectionID: cmd.ConnectionID, Outcome: Failed, Org: cmd.ToOrg, Ticket: cmd.LinkKey, TargetTicket: target, What: what, Reason: reason})
	default:
		return fmt.Errorf("%s on %s: %w", what, cmd.ToOrg, err)
	}
	if err := e.Store.MarkDone(ctx, cmd.ID, e.Clock.Now().Add(e.LedgerTTL)); err != nil {
		return fmt.Errorf("record command %s: %w", cmd.ID, err)
	}
	e.dropFile(ctx, cmd)
	return nil
}

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
	}
	return string(c.Op)
}

// editLink re-reads the link and applies change until the conditional write
// wins. It never repeats a platform write: only bookkeeping is retried.
func (e *Engine) editLink(ctx context.Context, cmd Command, change func(mine *Side) error) (Link, error) {
	for attempt := 0; ; attempt++ {
		link, err := e.Store.LinkByTicket(ctx, cmd.ConnectionID, cmd.FromOrg, cmd.FromTicketID)
		if err != nil {
			return Link{}, fmt.Errorf("link of %s: %w", cmd.LinkKey, err)
		}
		mine, _ := link.SideOf(cmd.ToOrg)
		if err := change(mine); err != nil {
			return Link{}, err
		}
		stored, err := e.Store.PutLink(ctx, link)
		if errors.Is(err, ErrConflict) && attempt < 10 {
			continue
		}
		return stored, err
	}
}

// apply writes one command and returns the receiving ticket's id, for the log.
func (e *Engine) apply(ctx context.Context, client platform.Client, cmd Command) (string, error) {
	link, err := e.Store.LinkByTicket(ctx, cmd.ConnectionID, cmd.FromOrg, cmd.FromTicketID)
	if err != nil {
		return "", fmt.Errorf("link of %s: %w", cmd.LinkKey, err)
	}
	mine, _ := link.SideOf(cmd.ToOrg)
	do := cmd.Do
	if do.Op == integration.OpCreateTicket {
		if mine.TicketID != "" {
			return mine.TicketID, nil // created by an earlier delivery whose ledger entry was lost
		}
		t, err := client.CreateTicket(ctx, *do.Ticket)
		if err != nil {
			return "", err
		}
		_, err = e.editLink(ctx, cmd, func(s *Side) error {
			s.TicketID = t.ID
			s.Snapshot = snapshotOf(t, s.Snapshot)
			s.Seq++
			return nil
		})
		return t.ID, err
	}
	if mine.TicketID == "" {
		// The create has not landed yet; FIFO order makes this rare (a create
		// that failed for good). Retrying lets a later create catch up.
		return "", fmt.Errorf("partner ticket of %s not created yet", cmd.LinkKey)
	}
	ticketID := mine.TicketID
	return ticketID, e.write(ctx, client, cmd, ticketID)
}

// addRecorded adds a note or file with add, which returns the new id. The
// content's fingerprint fp is recorded as pending first, so the echo of the
// write is known even if it arrives before the write returns; then the new id
// joins the side's list (picked by ids) and fp is cleared.
func (e *Engine) addRecorded(ctx context.Context, cmd Command, fp string, ids func(*Snapshot) *[]string, add func() (string, error)) error {
	if _, err := e.editLink(ctx, cmd, func(s *Side) error { s.Snapshot.Pending = addID(s.Snapshot.Pending, fp); return nil }); err != nil {
		return err
	}
	id, err := add()
	if err != nil {
		return err
	}
	_, err = e.editLink(ctx, cmd, func(s *Side) error {
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
func (e *Engine) write(ctx context.Context, client platform.Client, cmd Command, ticketID string) error {
	do := cmd.Do
	switch do.Op {
	case integration.OpUpdateTicket:
		// Record first, write second: the echo of the write must find it.
		if _, err := e.editLink(ctx, cmd, func(s *Side) error { applyUpdate(&s.Snapshot, *do.Update); return nil }); err != nil {
			return err
		}
		return client.UpdateTicket(ctx, ticketID, *do.Update)
	case integration.OpCloseTicket:
		if _, err := e.editLink(ctx, cmd, func(s *Side) error {
			s.Snapshot.Closed = true
			if do.Status != "" {
				s.Snapshot.Status = do.Status
			}
			return nil
		}); err != nil {
			return err
		}
		return client.CloseTicket(ctx, ticketID, do.Status)
	case integration.OpAddNote:
		return e.addRecorded(ctx, cmd, fingerprint(do.Note.Body), notesOf, func() (string, error) {
			n, err := client.AddNote(ctx, ticketID, *do.Note)
			return n.ID, err
		})
	case integration.OpAddAttachment:
		a := *do.Attachment
		data, err := e.content(ctx, cmd)
		if err != nil {
			return err
		}
		a.ID, a.TicketID, a.NoteID, a.Data = "", ticketID, "", data
		return e.addRecorded(ctx, cmd, fileFingerprint(a.Name, int64(len(a.Data))), attachmentsOf, func() (string, error) {
			got, err := client.AddAttachment(ctx, ticketID, a)
			return got.ID, err
		})
	}
	return fmt.Errorf("%w: unknown command %q", ErrPermanent, do.Op)
}
