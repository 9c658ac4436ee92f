package integration

import "github.com/tandemsync/tandem/pkg/platform"

// Role is a side's role in a connection.
type Role string

const (
	// Source is where tickets originate (typically the customer); it decides
	// which tickets escalate to the partner.
	Source Role = "source"
	// Target receives new tickets (typically the provider), so only it
	// configures how tickets are created.
	Target Role = "target"
)

// Side says whose configuration is being validated.
type Side struct {
	Role     Role          `json:"role"`
	Platform platform.Kind `json:"platform"`
	Partner  platform.Kind `json:"partner"`
}

// Catalog is the live picklists of one platform, as read through
// platform.Client.Picklist. Custom fields carry their type in Option.Type;
// ConnectWise statuses carry their board in Option.Parent.
type Catalog struct {
	Picklists map[platform.PicklistKind][]platform.Option `json:"picklists"`
	// Boards holds the ConnectWise service board facts that platform.Option
	// has no room for, keyed by board id (the PickQueues option id).
	Boards map[string]Board `json:"boards,omitempty"`
}

// Board is what the integration needs to know about a ConnectWise board
// before creating tickets on it.
type Board struct {
	HasStatuses    bool `json:"hasStatuses"`
	HasDefaultTeam bool `json:"hasDefaultTeam"`
}

// displayName is how messages name a platform to an administrator.
func displayName(k platform.Kind) string {
	switch k {
	case platform.Autotask:
		return "Autotask"
	case platform.ConnectWise:
		return "ConnectWise"
	case platform.Halo:
		return "Halo"
	case platform.Graph:
		return "Microsoft 365 mail"
	}
	return string(k)
}
