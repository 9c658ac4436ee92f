package zendesk

import (
	"context"
	"fmt"
	"net/http"

	"github.com/tandemsync/tandem/pkg/platform"
)

// User is the signed-in Zendesk user.
type User struct {
	ID    string
	Name  string
	Email string
	Role  string
}

// Me reads the signed-in user (GET /api/v2/users/me). Zendesk answers an
// unauthenticated request with an anonymous user whose id is null, so a
// missing id is a failed sign-in.
func (c *Client) Me(ctx context.Context) (User, error) {
	var out struct {
		User struct {
			ID    zid    `json:"id"`
			Name  string `json:"name"`
			Email string `json:"email"`
			Role  string `json:"role"`
		} `json:"user"`
	}
	if err := c.call(ctx, http.MethodGet, "/api/v2/users/me", nil, nil, &out, "read the signed-in user"); err != nil {
		return User{}, err
	}
	if !out.User.ID.positive() {
		return User{}, &platform.Error{Platform: Kind, Reason: platform.ReasonAuthFailed,
			Message: "Authentication failed: Zendesk treated Tandem as an anonymous user. Check the email and API token, or press Generate token again."}
	}
	return User{ID: string(out.User.ID), Name: out.User.Name, Email: out.User.Email, Role: out.User.Role}, nil
}

// ActorID is the integration user's id, asked once per client: webhook
// events name the user who acted as detail.actor_id, and the sync drops
// the ones that are Tandem's own writes.
func (c *Client) ActorID(ctx context.Context) (string, error) {
	c.mu.Lock()
	id := c.userID
	c.mu.Unlock()
	if id != "" {
		return id, nil
	}
	u, err := c.Me(ctx)
	if err != nil {
		return "", fmt.Errorf("integration user: %w", err)
	}
	c.mu.Lock()
	c.userID = u.ID
	c.mu.Unlock()
	return u.ID, nil
}

// NotesHaveOwnEvents: a comment fires ticket.comment_added, so a ticket
// event needs no comment listing.
func (c *Client) NotesHaveOwnEvents() bool { return true }

// FieldsChangeOnlyInTicketEvents is false: one Zendesk update can add a
// comment and change the status together, and the events of one update may
// arrive in any order.
func (c *Client) FieldsChangeOnlyInTicketEvents() bool { return false }
