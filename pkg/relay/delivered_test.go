package relay_test

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/tandemsync/tandem/pkg/integration"
	"github.com/tandemsync/tandem/pkg/platform"
	"github.com/tandemsync/tandem/pkg/relay"
)

// commandsSent drains the queued commands and returns their operations
// with the status an update carries.
func (f *fixture) commandsSent(t *testing.T) []string {
	t.Helper()
	var ops []string
	for q, msgs := range f.sent {
		delete(f.sent, q)
		for _, m := range msgs {
			var env relay.Envelope
			if err := json.Unmarshal(m.Body, &env); err != nil {
				t.Fatal(err)
			}
			op := string(env.Command.Do.Op)
			if u := env.Command.Do.Update; u != nil && u.Status != nil {
				op += ":" + *u.Status
			}
			if tk := env.Command.Do.Ticket; tk != nil {
				op += ":" + tk.Summary
			}
			if n := env.Command.Do.Note; n != nil {
				op += ":" + n.Body
			}
			ops = append(ops, op)
		}
	}
	return ops
}

// A delivery carrying the whole ticket is the read while deliveries come in
// order; a late one (its sequence at or below the last taken) re-reads, so
// it cannot take the partner back to an older state.
func TestDeliveredTicketIsTheReadOnlyWhenInOrder(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	state := func(status string) *platform.Ticket {
		return &platform.Ticket{ID: "A1", Summary: "Printer", Status: status, Queue: "L2"}
	}
	// The platform's truth, read only when the engine re-reads.
	f.src.tickets["A1"] = *state("2")
	steps := []struct {
		name      string
		ev        platform.Event
		wantReads int
		wantOps   []string
	}{
		{"create, delivered whole: escalated without a read",
			platform.Event{Type: platform.EventTicketCreated, TicketID: "A1", Sequence: 10, DeliveryID: "d10", Ticket: state("1")},
			0, []string{"ticket.create:Printer"}},
		{"next update in order: its copy is the read",
			platform.Event{Type: platform.EventTicketUpdated, TicketID: "A1", Sequence: 12, DeliveryID: "d12", Ticket: state("2")},
			0, []string{"ticket.update:waiting"}},
		{"a late delivery of an older state: re-read, nothing to send",
			platform.Event{Type: platform.EventTicketUpdated, TicketID: "A1", Sequence: 11, DeliveryID: "d11", Ticket: state("1")},
			1, nil},
		{"the same delivery again: re-read, nothing to send",
			platform.Event{Type: platform.EventTicketUpdated, TicketID: "A1", Sequence: 12, DeliveryID: "d12", Ticket: state("2")},
			1, nil},
		{"a delivery without a sequence cannot be ordered: re-read",
			platform.Event{Type: platform.EventTicketUpdated, TicketID: "A1", DeliveryID: "d-none", Ticket: state("1")},
			1, nil},
		{"a notice without the ticket: re-read",
			platform.Event{Type: platform.EventTicketUpdated, TicketID: "A1", Sequence: 13, DeliveryID: "d13"},
			1, nil},
	}
	for _, s := range steps {
		before := f.src.gets
		if err := f.engine.HandleEvent(ctx, "cust", s.ev); err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
		if got := f.src.gets - before; got != s.wantReads {
			t.Errorf("%s: %d reads of the source ticket, want %d", s.name, got, s.wantReads)
		}
		if s.name == steps[0].name {
			// Let the create land, so later changes have a ticket to go to.
			if n := f.deliver(t); n != 1 {
				t.Fatalf("%d commands for the escalation, want the create", n)
			}
			continue
		}
		ops := f.commandsSent(t)
		if len(ops) != len(s.wantOps) || (len(ops) > 0 && ops[0] != s.wantOps[0]) {
			t.Errorf("%s: sent %v, want %v", s.name, ops, s.wantOps)
		}
	}
	link := f.store.Links()[0]
	if link.Source.Stamp != 12 {
		t.Errorf("source stamp %d, want 12 (the newest delivery taken)", link.Source.Stamp)
	}
}

// A platform whose deliveries carry no custom fields (Autotask) is re-read
// when the connection reads one: here the escalation rule's flag.
func TestDeliveredTicketWithoutCustomFieldsIsReadWhenTheyMatter(t *testing.T) {
	for _, tc := range []struct {
		name      string
		flag      integration.Flag
		wantReads int
	}{
		{"no custom field read", integration.Flag{}, 0},
		{"escalation flag on a custom field", integration.Flag{Field: "Escalate", Value: "yes"}, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t)
			cfgs := f.engine.Configs.(configs)
			cust := cfgs["cust"]
			cust.Escalation.Flag = tc.flag
			cfgs["cust"] = cust
			f.src.tickets["A1"] = platform.Ticket{ID: "A1", Summary: "Printer", Status: "1", Queue: "L2", Custom: map[string]string{"Escalate": "yes"}}
			ev := platform.Event{Type: platform.EventTicketCreated, TicketID: "A1", Sequence: 1, DeliveryID: "d1", NoCustom: true,
				Ticket: &platform.Ticket{ID: "A1", Summary: "Printer", Status: "1", Queue: "L2"}}
			if err := f.engine.HandleEvent(context.Background(), "cust", ev); err != nil {
				t.Fatal(err)
			}
			if f.src.gets != tc.wantReads {
				t.Errorf("%d reads of the ticket, want %d", f.src.gets, tc.wantReads)
			}
			if ops := f.commandsSent(t); len(ops) != 1 {
				t.Errorf("sent %v, want the create", ops)
			}
		})
	}
}

// A note event carrying its note sends it without listing the notes; one
// that names the note only lists them.
func TestDeliveredNoteIsTheRead(t *testing.T) {
	f := newFixture(t)
	f.escalate(t)
	ctx := context.Background()
	f.src.notes["A1"] = []platform.Note{{ID: "n1", TicketID: "A1", Kind: "note", Body: "hello", Public: true}}
	before := f.src.calls - f.src.gets
	ev := platform.Event{Type: platform.EventNoteCreated, TicketID: "A1", NoteID: "n1", DeliveryID: "dn1",
		Note: &platform.Note{ID: "n1", TicketID: "A1", Kind: "note", Body: "hello", Public: true}}
	if err := f.engine.HandleEvent(ctx, "cust", ev); err != nil {
		t.Fatal(err)
	}
	if got := f.src.calls - f.src.gets - before; got != 0 {
		t.Errorf("%d note listings for a delivered note, want none", got)
	}
	if ops := f.commandsSent(t); len(ops) != 1 || ops[0] != "note.add:hello" {
		t.Errorf("sent %v, want the note", ops)
	}
	f.src.notes["A1"] = append(f.src.notes["A1"], platform.Note{ID: "n2", TicketID: "A1", Kind: "note", Body: "again", Public: true})
	before = f.src.calls - f.src.gets
	if err := f.engine.HandleEvent(ctx, "cust", platform.Event{Type: platform.EventNoteCreated, TicketID: "A1", NoteID: "n2", DeliveryID: "dn2"}); err != nil {
		t.Fatal(err)
	}
	if got := f.src.calls - f.src.gets - before; got != 1 {
		t.Errorf("%d note listings for a note named only, want 1", got)
	}
	if ops := f.commandsSent(t); len(ops) != 1 || ops[0] != "note.add:again" {
		t.Errorf("sent %v, want the second note once", ops)
	}
}
