package integration

import (
	"slices"
	"strings"

	"github.com/tandemsync/tandem/pkg/platform"
)

// Platforms whose clients read time logged on a ticket (timeSenders) and
// write it (timeReceivers). Zendesk and Microsoft 365 mail have no time
// entries; Halo's time arrives on actions, which Tandem reads but does not
// yet write as time.
var (
	timeSenders   = []platform.Kind{platform.Autotask, platform.ConnectWise, platform.Halo}
	timeReceivers = []platform.Kind{platform.Autotask, platform.ConnectWise}
)

// timeEntries checks the time entry settings: allowed only on a source side
// whose platform records time, fed by a partner whose platform logs it,
// with a default member to credit.
func (c *checker) timeEntries(te TimeEntries) {
	const path = "timeEntries"
	if !te.Enabled {
		if len(te.MemberMappings) > 0 || len(te.WorkTypeMappings) > 0 || te.DefaultMember != "" || te.DefaultWorkType != "" || te.Role != "" {
			c.errs.Add(path+".enabled", "must be true for the time entry settings to apply; remove them or enable time entries")
		}
		return
	}
	ok := true
	if c.side.Role != Source {
		c.errs.Add(path+".enabled", "applies only to the source side: time logged by the target's agents crosses to the source's ticket")
		ok = false
	}
	if !slices.Contains(timeReceivers, c.side.Platform) {
		c.errs.Add(path+".enabled", "%s cannot receive time entries from Tandem", displayName(c.side.Platform))
		ok = false
	}
	if !slices.Contains(timeSenders, c.side.Partner) {
		c.errs.Add(path+".enabled", "the partner's platform (%s) has no time entries to send", displayName(c.side.Partner))
		ok = false
	}
	if !ok {
		return
	}
	if strings.TrimSpace(te.DefaultMember) == "" {
		c.errs.Add(path+".defaultMember", "is required: the member or resource credited with time whose author has no mapping")
	}
	seen := make(map[string]int, len(te.MemberMappings))
	for i, r := range te.MemberMappings {
		p := row(path+".memberMappings", i)
		k := strings.ToLower(strings.TrimSpace(r.Partner))
		switch {
		case k == "":
			c.errs.Add(p, "partner is required: the partner worker's id or e-mail address")
			continue
		case strings.TrimSpace(r.Mine) == "":
			c.errs.Add(p, "mine is required: your member or resource id credited with their time")
		}
		if j, dup := seen[k]; dup {
			c.errs.Add(p, "partner worker %q is already mapped in %s; one partner worker maps to one of yours", r.Partner, row(path+".memberMappings", j))
			continue
		}
		seen[k] = i
	}
	if len(te.WorkTypeMappings) > 0 && c.partner[platform.PickWorkTypes] == nil {
		c.errs.Add(path+".workTypeMappings", "%s time carries no work type; use defaultWorkType", displayName(c.side.Partner))
	} else {
		c.picklistMappings(path+".workTypeMappings", te.WorkTypeMappings, platform.PickWorkTypes)
	}
	switch {
	case te.DefaultWorkType != "":
		c.mineHas(path+".defaultWorkType", platform.PickWorkTypes, te.DefaultWorkType)
	case c.side.Platform == platform.Autotask:
		// Autotask bills every ticket time entry at a billing code.
		c.errs.Add(path+".defaultWorkType", "is required on Autotask: the billing code of time whose work type has no mapping")
	}
	if te.Role != "" && c.side.Platform != platform.Autotask {
		c.errs.Add(path+".role", "applies only to Autotask, whose time entries are worked in a role")
	}
}
