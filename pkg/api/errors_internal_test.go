package api

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/tandemsync/tandem/pkg/connection"
	"github.com/tandemsync/tandem/pkg/platform"
	"github.com/tandemsync/tandem/pkg/webhook"
)

// A platform refusing to register a webhook is the platform's answer, shown
// with its reason, not an internal error.
func TestWebhookNotRegisteredIsBadGateway(t *testing.T) {
	refusal := &platform.Error{Platform: platform.Graph, Reason: platform.ReasonInvalid, Status: 400,
		Message: "Subscription validation request failed. Notification endpoint must respond with 200 OK to validation request."}
	e := toError(fmt.Errorf("register graph webhook: %w: %w", webhook.ErrNotRegistered, refusal))
	if e.Status != http.StatusBadGateway || e.Code != "webhook_not_registered" || !strings.HasSuffix(e.Message, refusal.Message) {
		t.Fatalf("answer %+v", e)
	}
}

// A refused activation names the caller's own failing items and their
// fixes, and says nothing of the partner's but that there are some.
func TestNotReadyAnswers(t *testing.T) {
	fix := `Default team: Board "Help Desk" (1) has no default team.`
	cases := []struct {
		name     string
		err      error
		code     string
		has      string
		lacks    string
		wantCode int
	}{
		{"own platform", &connection.NotReadyError{Problems: []string{fix}}, "platform_not_ready", fix, "", http.StatusConflict},
		{"partner's platform", &connection.NotReadyError{Partner: true, Problems: []string{fix}}, "partner_not_ready", "ask your partner", "Help Desk", http.StatusConflict},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := toError(fmt.Errorf("accept connection conn_x: %w", c.err))
			if e.Status != c.wantCode || e.Code != c.code || !strings.Contains(e.Message, c.has) || c.lacks != "" && strings.Contains(e.Message, c.lacks) {
				t.Fatalf("answer %+v", e)
			}
		})
	}
}
