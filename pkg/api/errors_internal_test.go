package api

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

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
