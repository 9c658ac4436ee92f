package connectwise

import (
	"fmt"
	"strings"
	"testing"

	"github.com/tandemsync/tandem/pkg/connectwise/connectwisesim"
	"github.com/tandemsync/tandem/pkg/platform"
)

func TestPicklists(t *testing.T) {
	s := connectwisesim.New(t)
	cl := clientFor(t, s, s.Integration, Options{PageSize: 3})
	ctx := testCtx(t)
	show := func(opts []platform.Option) string {
		var b strings.Builder
		for _, o := range opts {
			fmt.Fprintf(&b, "%s:%s", o.ID, o.Name)
			if !o.Active {
				b.WriteString(":inactive")
			}
			if o.IsClosed {
				b.WriteString(":closed")
			}
			if o.IsEmail {
				b.WriteString(":email")
			}
			if o.Type != "" {
				b.WriteString(":" + o.Type)
			}
			if o.Parent != "" {
				b.WriteString("@" + o.Parent)
			}
			b.WriteString(" ")
		}
		return strings.TrimSpace(b.String())
	}
	cases := []struct {
		kind   platform.PicklistKind
		parent string
		want   string
	}{
		{platform.PickQueues, "", "1:Help Desk 2:Professional Services 3:Legacy Support:inactive"},
		{platform.PickPriorities, "", "1:Priority 1 - Emergency Response 2:Priority 2 - Quick Response 3:Priority 3 - Normal Response 4:Priority 4 - Schedule Maintenance 5:Do Not Respond"},
		{platform.PickStatuses, "2", "7:New@2 8:Scheduled@2 9:Completed:closed@2 10:Old Hold:inactive@2"},
		{platform.PickStatuses, "", "1:New@1 2:In Progress@1 3:Waiting Customer@1 4:Customer Updated@1 5:>Closed:closed@1 6:Cancelled:closed@1 7:New@2 8:Scheduled@2 9:Completed:closed@2 10:Old Hold:inactive@2"},
		{platform.PickTicketTypes, "1", "20:Incident@1 21:Service Request@1 22:Problem@1"},
		{platform.PickCategories, "1", "30:Email@1 31:Hardware@1 32:Network@1 33:Printing:inactive@1"},
		{platform.PickActions, "", "discussion:Discussion (customer-visible) discussion+email:Discussion, with e-mail notifications:email internal:Internal analysis (private) resolution:Resolution (customer-visible) resolution+email:Resolution, with e-mail notifications:email"},
		{platform.PickCustomFields, "", "1:Customer Reference:text@10 2:Impact Score:number@10 3:Warranty:boolean@10 4:Go-Live:date@10 5:Region:picklist@10"},
	}
	for _, c := range cases {
		t.Run(string(c.kind)+"@"+c.parent, func(t *testing.T) {
			got, err := cl.Picklist(ctx, c.kind, c.parent)
			if err != nil {
				t.Fatalf("Picklist: %v", err)
			}
			if show(got) != c.want {
				t.Fatalf("got  %s\nwant %s", show(got), c.want)
			}
		})
	}
	_, err := cl.Picklist(ctx, platform.PickStatuses, "77")
	platformErr(t, err, platform.ReasonNotFound)
	_, err = cl.Picklist(ctx, "sla", "")
	platformErr(t, err, platform.ReasonInvalid)
}
