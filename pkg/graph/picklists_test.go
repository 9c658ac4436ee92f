package graph_test

import (
	"slices"
	"testing"

	"github.com/tandemsync/tandem/pkg/graph"
	"github.com/tandemsync/tandem/pkg/graph/graphsim"
	"github.com/tandemsync/tandem/pkg/platform"
)

func TestPicklists(t *testing.T) {
	sim := graphsim.New(t)
	raw := sim.Credentials(sim.Integration)
	raw[graph.FieldCategories] = "Hardware, Software"
	raw[graph.FieldServiceTypes] = "Incident\nRequest"
	c := clientWith(t, raw)
	tests := []struct {
		kind  platform.PicklistKind
		ids   []string
		check func(t *testing.T, o []platform.Option)
	}{
		{kind: platform.PickStatuses, ids: []string{"New", "In Progress", "Waiting on Customer", "Resolved"}},
		{kind: platform.PickPriorities, ids: []string{"low", "normal", "high"}},
		{kind: platform.PickActions, ids: []string{"reply", "mail"}, check: func(t *testing.T, o []platform.Option) {
			if !o[0].IsEmail || o[1].IsEmail {
				t.Fatal("reply, and only reply, must be marked IsEmail")
			}
		}},
		{kind: platform.PickCustomFields, ids: []string{"to", "from"}, check: func(t *testing.T, o []platform.Option) {
			if o[0].Type != "text" || o[1].Type != "text" {
				t.Fatalf("types = %q, %q", o[0].Type, o[1].Type)
			}
		}},
		{kind: platform.PickCategories, ids: []string{"Hardware", "Software"}},
		{kind: platform.PickTicketTypes, ids: []string{"Incident", "Request"}},
		{kind: platform.PickQueues, ids: []string{graph.InboxQueue}},
	}
	for _, tt := range tests {
		t.Run(string(tt.kind), func(t *testing.T) {
			opts, err := c.Picklist(ctxT(t), tt.kind, "")
			if err != nil {
				t.Fatal(err)
			}
			if opts == nil {
				t.Fatal("nil list: want an empty, non-nil list")
			}
			var ids []string
			for _, o := range opts {
				ids = append(ids, o.ID)
				if !o.Active || o.Name == "" {
					t.Fatalf("option %+v", o)
				}
			}
			if !slices.Equal(ids, tt.ids) {
				t.Fatalf("ids = %v, want %v", ids, tt.ids)
			}
			if tt.check != nil {
				tt.check(t, opts)
			}
		})
	}
	_, err := c.Picklist(ctxT(t), "boards", "")
	platformErr(t, err, platform.ReasonInvalid)
}
