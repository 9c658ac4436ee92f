package halo

import (
	"context"
	"fmt"
	"net/http"
)

// AgentID returns the id of the agent the API application acts as. Its own
// changes carry this id as the ActorID of webhook events, which is how the
// sync recognises and drops its echoes.
func (c *Client) AgentID(ctx context.Context) (string, error) {
	var me struct {
		ID haloID `json:"id"`
	}
	if err := c.call(ctx, http.MethodGet, "/Agent/me", nil, nil, &me, "read the API application's agent"); err != nil {
		return "", fmt.Errorf("agent id: %w", err)
	}
	if !me.ID.positive() {
		return "", fmt.Errorf("agent id: %w", unreadable("read the API application's agent", nil))
	}
	return string(me.ID), nil
}

// ActorID is AgentID, asked once per client: the sync compares it with the
// actor of every event, and an echo should cost no API call.
func (c *Client) ActorID(ctx context.Context) (string, error) {
	c.mu.Lock()
	id := c.agentID
	c.mu.Unlock()
	if id != "" {
		return id, nil
	}
	id, err := c.AgentID(ctx)
	if err != nil {
		return "", err
	}
	c.mu.Lock()
	c.agentID = id
	c.mu.Unlock()
	return id, nil
}

// NotesHaveOwnEvents: every action fires "Action Added", so a "Ticket
// Updated" delivery needs no action listing.
func (c *Client) NotesHaveOwnEvents() bool { return true }

// FieldsChangeOnlyInTicketEvents is false: a Halo action can move the
// ticket's status ("Status after action"), so an action event re-reads it.
func (c *Client) FieldsChangeOnlyInTicketEvents() bool { return false }
