package sweep_test

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"slices"
	"testing"
	"time"

	"github.com/tandemsync/tandem/pkg/clock"
	"github.com/tandemsync/tandem/pkg/connection"
	"github.com/tandemsync/tandem/pkg/platform"
	"github.com/tandemsync/tandem/pkg/queue"
	"github.com/tandemsync/tandem/pkg/relay"
	"github.com/tandemsync/tandem/pkg/sweep"
)

// mailbox lists inbox changes by delta link, as graph.Client does: each
// link names the messages changed since it, and the next link.
type mailbox struct {
	platform.Client // nothing else is called
	changes         map[string][]string
	next            map[string]string
	asked           []string
}

func (m *mailbox) InboxChanges(_ context.Context, link string) ([]string, string, error) {
	m.asked = append(m.asked, link)
	return m.changes[link], m.next[link], nil
}

type one struct {
	c      connection.Connection
	client platform.Client
}

func (o one) Get(context.Context, string) (connection.Connection, error) { return o.c, nil }
func (o one) Kind(context.Context, string) (platform.Kind, error)        { return platform.Graph, nil }
func (o one) Client(context.Context, string) (platform.Client, error)    { return o.client, nil }

type marks map[string]sweep.Mark

func (m marks) Mark(_ context.Context, connID, org string) (sweep.Mark, error) {
	return m[connID+"/"+org], nil
}

func (m marks) PutMark(_ context.Context, connID, org string, mk sweep.Mark) error {
	m[connID+"/"+org] = mk
	return nil
}

type outbox struct {
	fail error
	sent []queue.Message
}

func (o *outbox) Send(_ context.Context, _ string, msgs ...queue.Message) error {
	if o.fail != nil {
		return o.fail
	}
	o.sent = append(o.sent, msgs...)
	return nil
}

type baseline string

func (b baseline) DeltaLink(context.Context, string) (string, error) {
	if b == "" {
		return "", errors.New("no endpoint")
	}
	return string(b), nil
}

// A mailbox side is swept from its own delta link: the first sweep from
// the subscription's link, or, without one, from now (nothing queued, the
// link kept); each message named becomes a mail.received event; the new
// link is kept only once the events are queued.
func TestMailboxSideSweepsByDeltaLink(t *testing.T) {
	ctx := context.Background()
	c := connection.Connection{ID: "conn-1", Status: connection.Active, CreatorOrg: "desk", CreatorRole: connection.Source, AcceptorOrg: "msp"}
	for _, tc := range []struct {
		name      string
		stored    string   // the side's link from an earlier sweep
		base      baseline // the subscription's link
		fail      error
		wantAsked string
		wantIDs   []string
		wantLink  string
	}{
		{"first sweep from the subscription's link", "", "sub", nil, "sub", []string{"m1", "m2"}, "d1"},
		{"first sweep without a subscription link starts from now", "", "", nil, "", nil, "d0"},
		{"later sweep from its own link", "d1", "sub", nil, "d1", []string{"m3"}, "d2"},
		{"events not queued: the link stays", "d1", "sub", errors.New("queue down"), "d1", nil, "d1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			mb := &mailbox{
				changes: map[string][]string{"": {"old"}, "sub": {"m1", "m2"}, "d1": {"m3"}},
				next:    map[string]string{"": "d0", "sub": "d1", "d1": "d2"},
			}
			m := marks{"conn-1/desk": {DeltaLink: tc.stored}}
			out := &outbox{fail: tc.fail}
			s := &sweep.Sweeper{Conns: one{c: c}, Platforms: one{client: mb}, Marks: m, Baselines: tc.base, Out: out,
				Clock: clock.NewManual(time.Date(2026, 11, 29, 12, 0, 0, 0, time.UTC)), Log: slog.New(slog.DiscardHandler)}
			err := s.Run(ctx, "desk", relay.Sweep{ConnectionID: "conn-1", At: time.Date(2026, 11, 29, 12, 0, 0, 0, time.UTC)})
			if (err != nil) != (tc.fail != nil) {
				t.Fatalf("Run: %v", err)
			}
			if !slices.Equal(mb.asked, []string{tc.wantAsked}) {
				t.Fatalf("asked with links %q, want one query from %q", mb.asked, tc.wantAsked)
			}
			var ids []string
			for _, msg := range out.sent {
				var env relay.Envelope
				if err := json.Unmarshal(msg.Body, &env); err != nil || env.Event == nil || env.Org != "desk" || env.Event.Type != platform.EventMailReceived {
					t.Fatalf("queued %s, want a mail.received event of the desk", msg.Body)
				}
				ids = append(ids, env.Event.TicketID)
			}
			if !slices.Equal(ids, tc.wantIDs) {
				t.Fatalf("queued events for %v, want %v", ids, tc.wantIDs)
			}
			if got := m["conn-1/desk"].DeltaLink; got != tc.wantLink {
				t.Fatalf("kept link %q, want %q", got, tc.wantLink)
			}
		})
	}
}
