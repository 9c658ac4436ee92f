package autotask

import (
	"testing"
	"time"

	"github.com/tandemsync/tandem/pkg/platform"
)

func TestPicklists(t *testing.T) {
	_, c := newSim(t)
	ctx := ctxTimeout(t, 10*time.Second)
	tests := []struct {
		kind  platform.PicklistKind
		check func(t *testing.T, byID map[string]platform.Option)
	}{
		{platform.PickStatuses, func(t *testing.T, o map[string]platform.Option) {
			if !o["5"].IsClosed || o["1"].IsClosed || o["1"].Name != "New" || !o["1"].Active {
				t.Errorf("statuses = %v", o)
			}
			if o["19"].Active {
				t.Error("inactive status reported active")
			}
		}},
		{platform.PickPriorities, func(t *testing.T, o map[string]platform.Option) {
			if len(o) != 4 || o["4"].Name != "Critical" {
				t.Errorf("priorities = %v", o)
			}
		}},
		{platform.PickQueues, func(t *testing.T, o map[string]platform.Option) {
			if o["29682833"].Name != "Level I Support" || o["29683359"].Active {
				t.Errorf("queues = %v", o)
			}
		}},
		{platform.PickTicketTypes, func(t *testing.T, o map[string]platform.Option) {
			if o["2"].Name != "Incident" {
				t.Errorf("ticket types = %v", o)
			}
		}},
		{platform.PickCategories, func(t *testing.T, o map[string]platform.Option) {
			if o["2"].Name != "Standard" {
				t.Errorf("categories = %v", o)
			}
		}},
		{platform.PickActions, func(t *testing.T, o map[string]platform.Option) {
			if !o["101"].IsEmail || o["3"].IsEmail || o["3"].Name != "Task Notes" {
				t.Errorf("note types = %v", o)
			}
		}},
		{platform.PickCustomFields, func(t *testing.T, o map[string]platform.Option) {
			want := map[string]string{"Partner Reference": "text", "Billable Hours": "number", "Go-Live Date": "date", "Needs Onsite": "boolean", "Site": "picklist"}
			for id, typ := range want {
				if o[id].Type != typ {
					t.Errorf("custom field %q type = %q, want %q", id, o[id].Type, typ)
				}
			}
		}},
	}
	for _, tt := range tests {
		t.Run(string(tt.kind), func(t *testing.T) {
			opts, err := c.Picklist(ctx, tt.kind, "")
			if err != nil {
				t.Fatalf("Picklist: %v", err)
			}
			byID := map[string]platform.Option{}
			for _, o := range opts {
				byID[o.ID] = o
			}
			tt.check(t, byID)
		})
	}
	_, err := c.Picklist(ctx, "boards", "")
	wantReason(t, err, platform.ReasonInvalid)
}
