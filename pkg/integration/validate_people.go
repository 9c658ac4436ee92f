package integration

import (
	"strings"

	"github.com/tandemsync/tandem/pkg/platform"
)

// personMappings checks the rows are complete and map each partner person
// once. The people themselves are not in any picklist the platforms list,
// so a wrong id shows when a note is written (the platform refuses it and
// the sync log says why).
func (c *checker) personMappings(rows []Mapping) {
	if len(rows) > 0 && c.side.Platform != platform.Halo {
		// Only Halo's action API takes the person an action is done by
		// (actionby_agent_id); elsewhere the note would lose its author's
		// name for nothing.
		c.errs.Add("personMappings", "%s notes cannot be attributed to another person by Tandem; without mappings the author's name heads each synced note", displayName(c.side.Platform))
		return
	}
	seen := make(map[string]int, len(rows))
	for i, r := range rows {
		path := row("personMappings", i)
		k := strings.ToLower(strings.TrimSpace(r.Partner))
		switch {
		case k == "":
			c.errs.Add(path, "partner is required: the partner author's e-mail address or id")
		case strings.TrimSpace(r.Mine) == "":
			c.errs.Add(path, "mine is required: the person on your platform who becomes the author")
		}
		if k == "" {
			continue
		}
		if j, dup := seen[k]; dup {
			c.errs.Add(path, "partner person %q is already mapped in %s; one partner person maps to one of yours", r.Partner, row("personMappings", j))
			continue
		}
		seen[k] = i
	}
}
