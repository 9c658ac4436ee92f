package connection_test

import (
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/tandemsync/tandem/pkg/connection"
)

// readiness is a settable connection.Readiness: problems by organisation.
type readiness struct {
	problems map[string][]string
	err      error
	asked    []string
}

func (r *readiness) Unready(_ context.Context, org string) ([]string, error) {
	r.asked = append(r.asked, org)
	return r.problems[org], r.err
}

func TestAcceptWaitsForReadyPlatforms(t *testing.T) {
	boom := errors.New("secret store down")
	cases := []struct {
		name     string
		problems map[string][]string
		err      error
		// want: nil = activated; otherwise the error it matches
		want    error
		partner bool
	}{
		{name: "both ready"},
		{name: "acceptor's board has no default team", want: connection.ErrNotReady,
			problems: map[string][]string{orgB.OrgID: {"Default team: Board \"Help Desk\" (1) has no default team."}}},
		{name: "creator's role cannot create tickets", want: connection.ErrNotReady, partner: true,
			problems: map[string][]string{orgA.OrgID: {"Create tickets and notes: set Add Level."}}},
		{name: "readiness cannot be read", err: boom, want: boom},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := newFixture()
			r := &readiness{problems: c.problems, err: c.err}
			f.svc.Ready = r
			created := f.create(t, orgA)
			_, err := f.svc.Accept(f.ctx, orgB, created.VerificationCode)
			if c.want == nil {
				if err != nil {
					t.Fatalf("Accept: %v", err)
				}
				if f.status(t, created.ID) != connection.Active {
					t.Fatal("not activated")
				}
				if !slices.Equal(r.asked, []string{orgB.OrgID, orgA.OrgID}) {
					t.Fatalf("asked %v, want both organisations, acceptor first", r.asked)
				}
				return
			}
			if !errors.Is(err, c.want) {
				t.Fatalf("Accept: %v, want %v", err, c.want)
			}
			if f.status(t, created.ID) != connection.Pending {
				t.Fatal("activated although a side is not ready")
			}
			if f.failures(t, orgB) != 0 {
				t.Fatal("a platform that is not ready counted as an invalid code")
			}
			var nr *connection.NotReadyError
			if errors.As(err, &nr) {
				if nr.Partner != c.partner {
					t.Fatalf("Partner = %v, want %v", nr.Partner, c.partner)
				}
				if !c.partner && !slices.Equal(nr.Problems, c.problems[orgB.OrgID]) {
					t.Fatalf("problems %v, want %v", nr.Problems, c.problems[orgB.OrgID])
				}
			}
			// Fixed, the same code activates the connection.
			r.problems, r.err = nil, nil
			if _, err := f.svc.Accept(f.ctx, orgB, created.VerificationCode); err != nil {
				t.Fatalf("accept after the fix: %v", err)
			}
			if f.status(t, created.ID) != connection.Active {
				t.Fatal("not activated after the fix")
			}
		})
	}
}

func TestReadinessNotAskedForAnInvalidCode(t *testing.T) {
	f := newFixture()
	r := &readiness{}
	f.svc.Ready = r
	if _, err := f.svc.Accept(f.ctx, orgB, wrongCode); !errors.Is(err, connection.ErrInvalidCode) {
		t.Fatalf("Accept: %v", err)
	}
	if len(r.asked) != 0 {
		t.Fatalf("asked %v about a code that matches nothing", r.asked)
	}
}
