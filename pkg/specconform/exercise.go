package specconform

import (
	"context"
	"fmt"
	"time"

	"github.com/tandemsync/tandem/pkg/platform"
)

// Exercise drives c through the operations Tandem's sync engine, webhook
// installer and configuration pages use, in the order a connection does:
// credentials test, every picklist, a ticket created, read, updated (its
// custom fields included), noted, given a file, closed, and a webhook
// registered and removed. base carries what a platform needs on every new
// ticket (the ConnectWise company); hookURL receives webhook deliveries.
func Exercise(ctx context.Context, c platform.Client, kinds []platform.PicklistKind, base platform.Ticket, hookURL string) error {
	if err := c.Test(ctx); err != nil {
		return fmt.Errorf("test credentials: %w", err)
	}
	lists := map[platform.PicklistKind][]platform.Option{}
	for _, k := range kinds {
		opts, err := c.Picklist(ctx, k, "")
		if err != nil {
			return fmt.Errorf("picklist %s: %w", k, err)
		}
		lists[k] = opts
	}
	t := base
	t.Summary, t.Description = "Printer on floor 3 jams", "Every job since this morning."
	if p := first(lists[platform.PickPriorities], false); p != nil {
		t.Priority = p.ID
	}
	created, err := c.CreateTicket(ctx, t)
	if err != nil {
		return fmt.Errorf("create ticket: %w", err)
	}
	if _, err := c.GetTicket(ctx, created.ID); err != nil {
		return fmt.Errorf("get ticket: %w", err)
	}
	summary := "Printer on floor 3 jams (toner)"
	u := platform.TicketUpdate{Summary: &summary}
	if s := first(lists[platform.PickStatuses], false); s != nil {
		u.Status = &s.ID
	}
	if f := firstOfType(lists[platform.PickCustomFields], "text"); f != nil {
		u.Custom = map[string]string{f.ID: "HP LaserJet 4250"}
	}
	if err := c.UpdateTicket(ctx, created.ID, u); err != nil {
		return fmt.Errorf("update ticket: %w", err)
	}
	since := time.Now().Add(-time.Hour)
	note := platform.Note{TicketID: created.ID, Body: "Technician booked for 3pm.", Public: true}
	if a := first(lists[platform.PickActions], false); a != nil {
		note.Kind = a.ID
	}
	if _, err := c.AddNote(ctx, created.ID, note); err != nil {
		return fmt.Errorf("add note: %w", err)
	}
	if _, err := c.ListNotes(ctx, created.ID, since); err != nil {
		return fmt.Errorf("list notes: %w", err)
	}
	added, err := c.AddAttachment(ctx, created.ID, platform.Attachment{TicketID: created.ID, Name: "jam.txt",
		ContentType: "text/plain", Data: []byte("paper path sensor 2 reports a jam"), Public: true})
	if err != nil {
		return fmt.Errorf("add attachment: %w", err)
	}
	if _, err := c.ListAttachments(ctx, created.ID); err != nil {
		return fmt.Errorf("list attachments: %w", err)
	}
	if _, err := c.GetAttachment(ctx, created.ID, added.ID); err != nil {
		return fmt.Errorf("get attachment: %w", err)
	}
	closing := ""
	if s := first(lists[platform.PickStatuses], true); s != nil {
		closing = s.ID
	}
	if err := c.CloseTicket(ctx, created.ID, closing); err != nil {
		return fmt.Errorf("close ticket: %w", err)
	}
	hook, err := c.RegisterWebhook(ctx, platform.WebhookSpec{URL: hookURL, DeactivationURL: hookURL + "/deactivated",
		Secret: "conformance-secret-0123456789abcdef", Name: "Tandem conformance"})
	if err != nil {
		return fmt.Errorf("register webhook: %w", err)
	}
	if err := c.RemoveWebhook(ctx, hook.ID); err != nil {
		return fmt.Errorf("remove webhook: %w", err)
	}
	return nil
}

// first returns the first active option, a closing one when closed is set.
func first(opts []platform.Option, closed bool) *platform.Option {
	for i, o := range opts {
		if o.Active && o.IsClosed == closed {
			return &opts[i]
		}
	}
	return nil
}

func firstOfType(opts []platform.Option, typ string) *platform.Option {
	for i, o := range opts {
		if o.Active && o.Type == typ {
			return &opts[i]
		}
	}
	return nil
}
