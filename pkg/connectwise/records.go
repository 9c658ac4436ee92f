package connectwise

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/tandemsync/tandem/pkg/platform"
)

// ref is ConnectWise's reference to another record: {"id":1,"name":"..."}.
type ref struct {
	ID         int64  `json:"id,omitempty"`
	Name       string `json:"name,omitempty"`
	Identifier string `json:"identifier,omitempty"`
}

// idString renders a ref id the way the neutral model carries picklist ids.
func (r *ref) idString() string {
	if r == nil || r.ID == 0 {
		return ""
	}
	return strconv.FormatInt(r.ID, 10)
}

// parseID accepts a neutral-model id for a ConnectWise numeric id.
func parseID(what, s string) (int64, error) {
	n, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
	if err != nil || n <= 0 {
		return 0, &platform.Error{Platform: platform.ConnectWise, Reason: platform.ReasonInvalid,
			Message: fmt.Sprintf("%s %q is not a ConnectWise id (a positive number).", what, s)}
	}
	return n, nil
}

// info is the _info block most ConnectWise records carry.
type info struct {
	LastUpdated string `json:"lastUpdated,omitempty"`
	UpdatedBy   string `json:"updatedBy,omitempty"`
}
