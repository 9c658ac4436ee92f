package preview_test

import (
	"context"
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tandemsync/tandem/pkg/clock"
	"github.com/tandemsync/tandem/pkg/configuration"
	"github.com/tandemsync/tandem/pkg/connection"
	"github.com/tandemsync/tandem/pkg/connection/connectiontest"
	"github.com/tandemsync/tandem/pkg/integration"
	"github.com/tandemsync/tandem/pkg/platform"
	"github.com/tandemsync/tandem/pkg/preview"
	"github.com/tandemsync/tandem/pkg/relay"
	"github.com/tandemsync/tandem/pkg/relay/relaytest"
	"github.com/tandemsync/tandem/pkg/settings"
)

// partner is the source's platform: every method of platform.Client, the
// writes counted, so the test sees any write a preview would make through
// the client it was given.
type partner struct {
	tickets map[string]platform.Ticket
	writes  atomic.Int32
}

func (p *partner) write() error { p.writes.Add(1); return nil }

func (p *partner) Test(context.Context) error { return nil }
func (p *partner) GetTicket(_ context.Context, id string) (platform.Ticket, error) {
	t, ok := p.tickets[id]
	if !ok {
		return platform.Ticket{}, &platform.Error{Platform: platform.Autotask, Reason: platform.ReasonNotFound, Status: 404, Message: "not found"}
	}
	return t, nil
}
func (p *partner) CreateTicket(context.Context, platform.Ticket) (platform.Ticket, error) {
	return platform.Ticket{}, p.write()
}
func (p *partner) UpdateTicket(context.Context, string, platform.TicketUpdate) error {
	return p.write()
}
func (p *partner) CloseTicket(context.Context, string, string) error { return p.write() }
func (p *partner) AddNote(context.Context, string, platform.Note) (platform.Note, error) {
	return platform.Note{}, p.write()
}
func (p *partner) ListNotes(context.Context, string, time.Time) ([]platform.Note, error) {
	return nil, nil
}
func (p *partner) ListAttachments(context.Context, string) ([]platform.Attachment, error) {
	return nil, nil
}
func (p *partner) GetAttachment(context.Context, string, string) (platform.Attachment, error) {
	return platform.Attachment{}, nil
}
func (p *partner) AddAttachment(context.Context, string, platform.Attachment) (platform.Attachment, error) {
	return platform.Attachment{}, p.write()
}
func (p *partner) Picklist(_ context.Context, kind platform.PicklistKind, _ string) ([]platform.Option, error) {
	if kind == platform.PickPriorities {
		return []platform.Option{{ID: "1", Name: "High", Active: true}, {ID: "2", Name: "Medium", Active: true}}, nil
	}
	return nil, nil
}
func (p *partner) RegisterWebhook(context.Context, platform.WebhookSpec) (platform.Webhook, error) {
	return platform.Webhook{}, p.write()
}
func (p *partner) RemoveWebhook(context.Context, string) error { return p.write() }
func (p *partner) Requests() int64                             { return 0 }

var _ platform.Client = (*partner)(nil)

// countingStore is the relay store and the configuration store, writes
// counted.
type countingStore struct {
	*relaytest.MemStore
	configs map[string]integration.Config
	writes  atomic.Int32
}

func (s *countingStore) PutLink(ctx context.Context, l relay.Link) (relay.Link, error) {
	s.writes.Add(1)
	return s.MemStore.PutLink(ctx, l)
}
func (s *countingStore) PutSide(ctx context.Context, l relay.Link, org string) (relay.Link, error) {
	s.writes.Add(1)
	return s.MemStore.PutSide(ctx, l, org)
}
func (s *countingStore) MarkDone(ctx context.Context, id string, exp time.Time) error {
	s.writes.Add(1)
	return s.MemStore.MarkDone(ctx, id, exp)
}
func (s *countingStore) AppendLog(ctx context.Context, e relay.LogEntry) error {
	s.writes.Add(1)
	return s.MemStore.AppendLog(ctx, e)
}
func (s *countingStore) GetConfig(_ context.Context, connID, org string) (integration.Config, error) {
	return s.configs[org], nil
}
func (s *countingStore) PutConfig(context.Context, string, string, integration.Config, int64) error {
	s.writes.Add(1)
	return nil
}

var _ configuration.Store = (*countingStore)(nil)

type accounts map[string]platform.Kind

func (a accounts) Credentials(_ context.Context, org string) (platform.Kind, platform.Credentials, error) {
	k, ok := a[org]
	if !ok {
		return "", nil, settings.ErrNotConfigured
	}
	return k, platform.Credentials{"secret": "s3cret-of-" + org}, nil
}

type world struct {
	svc     *preview.Service
	src     *partner
	store   *countingStore
	connID  string
	acme    connection.Caller // source, Autotask
	msp     connection.Caller // target, Halo
	outside connection.Caller
}

func newWorld(t *testing.T) *world {
	t.Helper()
	ctx := context.Background()
	conns := connection.NewService(connectiontest.NewMemStore(), clock.NewManual(time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)), nil)
	w := &world{
		acme: connection.Caller{OrgID: "acme", OrgName: "Acme"}, msp: connection.Caller{OrgID: "msp", OrgName: "MSP"},
		outside: connection.Caller{OrgID: "outside", OrgName: "Outside"},
		src: &partner{tickets: map[string]platform.Ticket{
			"9001": {ID: "9001", Number: "T20261125.0042", Summary: "VPN drops", Description: "Since Monday.", Status: "1", Priority: "1",
				Type: "2", Queue: "29682969", Contact: "Jane Doe", AccountName: "Acme Ltd", Custom: map[string]string{"Contract": "C-118"}},
			"9002": {ID: "9002", Summary: "Payroll question", Status: "1", Queue: "5"}, // a queue acme does not escalate
		}},
	}
	created, err := conns.Create(ctx, w.acme, connection.Source, "Support")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := conns.Accept(ctx, w.msp, created.VerificationCode); err != nil {
		t.Fatal(err)
	}
	w.connID = created.ID
	w.store = &countingStore{MemStore: relaytest.NewMemStore(), configs: map[string]integration.Config{
		"acme": {Escalation: integration.EscalationRule{Queues: []string{"29682969"}}},
		"msp": {
			StatusMappings: []integration.Mapping{{Partner: "1", Mine: "1"}}, DefaultStatus: "1",
			PriorityMappings: []integration.Mapping{{Partner: "1", Mine: "2"}}, DefaultTicketType: "28",
			DescriptionParts: []string{"link", "contact", "account", "priority", "description", "custom:Contract"},
		},
	}}
	w.svc = &preview.Service{
		Conns: conns, Configs: w.store, Links: w.store, Accounts: accounts{"acme": platform.Autotask, "msp": platform.Halo},
		Readers: func(context.Context, platform.Kind, platform.Credentials) (preview.Reader, error) { return w.src, nil },
	}
	return w
}

func TestPreviewBuildsTheDescriptionAndWritesNothing(t *testing.T) {
	w := newWorld(t)
	got, err := w.svc.Preview(context.Background(), w.msp, w.connID, "9001")
	if err != nil {
		t.Fatal(err)
	}
	want := "Source ticket: Autotask T20261125.0042 (id 9001)\nContact: Jane Doe\nAccount: Acme Ltd\nPriority: High\n\nSince Monday.\n\nContract: C-118"
	if got.Ticket.Description != want {
		t.Errorf("description\n%s\nwant\n%s", got.Ticket.Description, want)
	}
	if got.Ticket.Summary != "VPN drops" || got.Ticket.Status != "1" || got.Ticket.Priority != "2" || got.Ticket.Type != "28" {
		t.Errorf("ticket %+v", got.Ticket)
	}
	if len(got.Skipped) != 1 || got.Skipped[0].What != "field custom:Contract" {
		t.Errorf("skipped %+v", got.Skipped)
	}
	if n := w.src.writes.Load(); n != 0 {
		t.Errorf("%d writes to the source's platform", n)
	}
	if n := w.store.writes.Load(); n != 0 {
		t.Errorf("%d writes to the store", n)
	}
	if links := w.store.Links(); len(links) != 0 {
		t.Errorf("links %+v", links)
	}
}

func TestPreviewRefusals(t *testing.T) {
	w := newWorld(t)
	linked := newWorld(t)
	if _, err := linked.store.MemStore.PutLink(context.Background(), relay.Link{ConnectionID: linked.connID, Key: "acme#9002",
		Source: relay.Side{Org: "acme", TicketID: "9002"}, Target: relay.Side{Org: "msp"}}); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name   string
		w      *world
		caller connection.Caller
		ticket string
		want   error
	}{
		{"the source side", w, w.acme, "9001", preview.ErrNotTarget},
		{"another organisation", w, w.outside, "9001", connection.ErrNotFound},
		{"a ticket that does not exist", w, w.msp, "404", preview.ErrNotShared},
		{"a ticket the source does not escalate", w, w.msp, "9002", preview.ErrNotShared},
		{"no ticket id", w, w.msp, "", connection.ErrInvalidInput},
		{"a long ticket id", w, w.msp, strings.Repeat("9", 65), connection.ErrInvalidInput},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := tc.w.svc.Preview(context.Background(), tc.caller, tc.w.connID, tc.ticket)
			if !errors.Is(err, tc.want) {
				t.Fatalf("got %v, want %v", err, tc.want)
			}
		})
	}
	t.Run("a linked ticket outside the rule is shared", func(t *testing.T) {
		if _, err := linked.svc.Preview(context.Background(), linked.msp, linked.connID, "9002"); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("the source without credentials", func(t *testing.T) {
		w := newWorld(t)
		w.svc.Accounts = accounts{"msp": platform.Halo}
		if _, err := w.svc.Preview(context.Background(), w.msp, w.connID, "9001"); !errors.Is(err, configuration.ErrPartnerNotConfigured) {
			t.Fatalf("got %v", err)
		}
	})
}
