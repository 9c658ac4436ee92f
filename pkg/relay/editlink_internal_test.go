package relay

import (
	"context"
	"testing"
)

// oneLink is a store of one link with PutLink's version check; every other
// Store method is unused here (nil embedded: a call would panic).
type oneLink struct {
	Store
	link Link
	puts int
}

func (s *oneLink) LinkByTicket(context.Context, string, string, string) (Link, error) {
	return s.link, nil
}

func (s *oneLink) PutLink(_ context.Context, l Link) (Link, error) {
	if l.Version != s.link.Version {
		return Link{}, ErrConflict
	}
	l.Version++
	s.link, s.puts = l, s.puts+1
	return l, nil
}

// A change that leaves a freshly read link as it was is not written; one
// that leaves a link carried from earlier as it was is written all the
// same, because only the write's version check tells whether the link
// moved since: here another writer moved it, and the change lands on the
// link as it now is.
func TestEditLinkWritesACarriedLinkEvenWhenTheChangeFindsItDone(t *testing.T) {
	ctx := context.Background()
	cmd := Command{ConnectionID: "c1", LinkKey: "cust#A1", FromOrg: "cust", FromTicketID: "A1", ToOrg: "msp"}
	stamp := func(s *Side) error { s.Stamp = 7; return nil }
	base := Link{ConnectionID: "c1", Key: "cust#A1", Source: Side{Org: "cust", TicketID: "A1"}, Target: Side{Org: "msp", TicketID: "T1", Stamp: 7}, Version: 1}

	t.Run("read fresh, nothing to change", func(t *testing.T) {
		s := &oneLink{link: base}
		e := NewEngine(Engine{Store: s})
		if _, err := e.editLinkFrom(ctx, cmd, nil, stamp); err != nil {
			t.Fatal(err)
		}
		if s.puts != 0 {
			t.Fatalf("%d writes of a link the change left as read, want 0", s.puts)
		}
	})
	t.Run("carried, moved by another writer since", func(t *testing.T) {
		carried := base
		moved := base
		moved.Target.Stamp, moved.Version = 9, 2
		s := &oneLink{link: moved}
		e := NewEngine(Engine{Store: s})
		got, err := e.editLinkFrom(ctx, cmd, &carried, stamp)
		if err != nil {
			t.Fatal(err)
		}
		if s.link.Target.Stamp != 7 || s.link.Version != 3 || got.Version != 3 {
			t.Fatalf("stored stamp %d at version %d (returned version %d), want the change (7) written over version 2", s.link.Target.Stamp, s.link.Version, got.Version)
		}
	})
}
