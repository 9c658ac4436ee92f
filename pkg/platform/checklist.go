package platform

import "context"

// CheckItem is one prerequisite a connection test checked, with what an
// administrator does about it when it fails.
type CheckItem struct {
	// Item names the prerequisite as the settings page lists it.
	Item string `json:"item"`
	OK   bool   `json:"ok"`
	// Required items must pass before a connection of the organisation
	// can be activated.
	Required bool `json:"required"`
	// Fix says what to change on the platform; empty when OK.
	Fix string `json:"fix,omitempty"`
}

// Checklister is a Client whose connection test checks the platform's
// prerequisites one by one (ConnectWise's preparation checklist), where
// Test only answers whether one request works. The others do not
// implement it.
type Checklister interface {
	// Checklist checks every prerequisite it can through the platform's
	// API. queue, when set, is the PickQueues option new tickets land on
	// (ConnectWise's service board); without it the queue items pass when
	// any queue qualifies. A prerequisite that fails is an item, not an
	// error: the error is for a platform that could not be asked at all
	// (an unreachable site, an unknown company), as Test returns it.
	Checklist(ctx context.Context, queue string) ([]CheckItem, error)
}

// Items about the queue new tickets land on, named alike by every
// platform that checks them, so a configuration check can read them.
const (
	ItemDefaultTeam = "Default team"
	ItemStatuses    = "Statuses"
)

// FailedRequired returns the required items that failed.
func FailedRequired(items []CheckItem) []CheckItem {
	var out []CheckItem
	for _, it := range items {
		if it.Required && !it.OK {
			out = append(out, it)
		}
	}
	return out
}
