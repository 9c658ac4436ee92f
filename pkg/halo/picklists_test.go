package halo_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/tandemsync/tandem/pkg/halo/halosim"
	"github.com/tandemsync/tandem/pkg/platform"
)

func TestPicklists(t *testing.T) {
	s := halosim.New(t, halosim.Options{})
	c := newClient(t, s, halosim.Integration)
	cases := []struct {
		kind   platform.PicklistKind
		parent string
		count  int
		check  func(map[string]platform.Option) error
	}{
		{platform.PickStatuses, "", 6, func(o map[string]platform.Option) error {
			if !o["9"].IsClosed || o["2"].IsClosed || o["9"].Name != "Closed" {
				return fmt.Errorf("closed flags wrong: %+v", o)
			}
			return nil
		}},
		// One row per SLA and priority in Halo, merged by priorityid.
		{platform.PickPriorities, "", 5, func(o map[string]platform.Option) error {
			if o["1"].Name != "Critical" || o["4"].Name != "Low" || !o["4"].Active || o["5"].Active {
				return fmt.Errorf("priorities: %+v", o)
			}
			return nil
		}},
		{platform.PickTicketTypes, "", 5, func(o map[string]platform.Option) error {
			if !o["21"].Active || o["30"].Active {
				return fmt.Errorf("active flags: %+v", o)
			}
			return nil
		}},
		{platform.PickQueues, "", 3, func(o map[string]platform.Option) error {
			if o["2"].Name != "2nd Line Support" {
				return fmt.Errorf("teams: %+v", o)
			}
			return nil
		}},
		{platform.PickCategories, "", 4, func(o map[string]platform.Option) error {
			if o["Hardware>Laptop"].Name != "Hardware>Laptop" {
				return fmt.Errorf("categories: %+v", o)
			}
			return nil
		}},
		{platform.PickCategories, "2", 2, func(o map[string]platform.Option) error {
			if _, ok := o["Major"]; !ok {
				return fmt.Errorf("category field 2: %+v", o)
			}
			return nil
		}},
		{platform.PickActions, "", 6, func(o map[string]platform.Option) error {
			if !o["2"].IsEmail || o["1"].IsEmail || o["1"].Name != "Private Note" || o["6"].Active || !o["1"].Active {
				return fmt.Errorf("actions: %+v", o)
			}
			return nil
		}},
		{platform.PickCustomFields, "", 5, func(o map[string]platform.Option) error {
			want := map[string]string{"CFPartnerReference": "text", "CFImpactedUsers": "number", "CFEnvironment": "picklist", "CFDueBy": "date", "CFEscalated": "boolean"}
			for id, typ := range want {
				if o[id].Type != typ {
					return fmt.Errorf("%s type %q, want %q", id, o[id].Type, typ)
				}
			}
			if o["CFDueBy"].Name != "Due By" {
				return fmt.Errorf("label not used as name: %+v", o["CFDueBy"])
			}
			return nil
		}},
	}
	for _, tc := range cases {
		t.Run(string(tc.kind)+tc.parent, func(t *testing.T) {
			opts, err := c.Picklist(context.Background(), tc.kind, tc.parent)
			if err != nil {
				t.Fatalf("Picklist: %v", err)
			}
			byID := map[string]platform.Option{}
			for _, o := range opts {
				byID[o.ID] = o
			}
			if len(opts) != tc.count || len(byID) != tc.count {
				t.Fatalf("%d options (%d distinct), want %d: %+v", len(opts), len(byID), tc.count, opts)
			}
			if err := tc.check(byID); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestPicklistUnknown(t *testing.T) {
	s := halosim.New(t, halosim.Options{})
	c := newClient(t, s, halosim.Integration)
	for _, tc := range []struct {
		kind   platform.PicklistKind
		parent string
	}{{"boards", ""}, {platform.PickCategories, "7"}} {
		_, err := c.Picklist(context.Background(), tc.kind, tc.parent)
		platformError(t, err, platform.ReasonInvalid)
	}
	if s.Requests() != 0 {
		t.Fatalf("%d requests for invalid picklists", s.Requests())
	}
}
