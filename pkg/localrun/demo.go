package localrun

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"

	"github.com/tandemsync/tandem/pkg/halo"
	"github.com/tandemsync/tandem/pkg/integration"
	"github.com/tandemsync/tandem/pkg/platform"
)

// Demo organisations: a customer on Autotask escalating to its MSP on Halo.
const (
	DemoCustomer = "acme"
	DemoMSP      = "northwind"
	// DemoEscalationQueue is the simulated Autotask queue ("Level II
	// Support") whose tickets go to the MSP.
	DemoEscalationQueue = "29682969"
)

// DemoConfigs are both sides' configurations in the simulators' ids: how
// the MSP's Halo receives the customer's Autotask changes, and the reverse.
func DemoConfigs() (customer, msp integration.Config) {
	msp = integration.Config{
		StatusMappings:     []integration.Mapping{{Partner: "1", Mine: "1"}, {Partner: "8", Mine: "2"}, {Partner: "7", Mine: "4"}, {Partner: "5", Mine: "9"}},
		DefaultStatus:      "1",
		PriorityMappings:   []integration.Mapping{{Partner: "4", Mine: "1"}, {Partner: "1", Mine: "2"}, {Partner: "2", Mine: "3"}, {Partner: "3", Mine: "4"}},
		TicketTypeMappings: []integration.Mapping{{Partner: "2", Mine: "1"}, {Partner: "1", Mine: "21"}},
		DefaultTicketType:  "1",
		FieldMappings:      []integration.Mapping{{Partner: integration.FieldSummary, Mine: integration.FieldSummary}},
		// Autotask "Task Notes" (3) land as Halo "Public Note" (3), visibility kept.
		ActionMappings: []integration.ActionMapping{{Partner: "3", Mine: "3"}},
		DefaultAction:  "1",
		// Halo "Partner Update" (5) goes back to the customer.
		Outbound: integration.Outbound{Attachments: true, Actions: []string{"5"}},
	}
	customer = integration.Config{
		StatusMappings:   []integration.Mapping{{Partner: "1", Mine: "1"}, {Partner: "2", Mine: "8"}, {Partner: "4", Mine: "7"}, {Partner: "9", Mine: "5"}},
		PriorityMappings: []integration.Mapping{{Partner: "1", Mine: "4"}, {Partner: "2", Mine: "1"}, {Partner: "3", Mine: "2"}, {Partner: "4", Mine: "3"}},
		ActionMappings:   []integration.ActionMapping{{Partner: "5", Mine: "2"}},
		DefaultAction:    "2",
		Outbound:         integration.Outbound{Attachments: true, Actions: []string{"3"}},
		Escalation:       integration.EscalationRule{Queues: []string{DemoEscalationQueue}},
	}
	return customer, msp
}

// DemoMailbox is the third demo organisation: its service desk is a
// Microsoft 365 support mailbox, connected to the same MSP.
const DemoMailbox = "contoso"

// Demo is the state SetUpDemo leaves behind.
type Demo struct {
	ConnectionID string
	// MailboxConnectionID connects DemoMailbox (source) with DemoMSP.
	MailboxConnectionID string
}

// SetUpDemo does, through Tandem's own API, what the two administrators
// would: save and test credentials, connect, configure and install webhooks.
func (r *Runner) SetUpDemo(ctx context.Context) (Demo, error) {
	if r.Sims == nil {
		return Demo{}, fmt.Errorf("demo: the simulators are not running")
	}
	sides := []struct {
		org  string
		kind platform.Kind
	}{{DemoCustomer, platform.Autotask}, {DemoMSP, platform.Halo}}
	for _, s := range sides {
		creds, _ := r.Sims.IntegrationCredentials(s.kind)
		if _, err := r.call(ctx, s.org, "PUT", "/v1/settings/platform", map[string]any{"platform": s.kind, "credentials": creds}, 200); err != nil {
			return Demo{}, err
		}
	}
	created, err := r.call(ctx, DemoCustomer, "POST", "/v1/connections", map[string]string{"role": "source", "contractName": "Acme managed service"}, 201)
	if err != nil {
		return Demo{}, err
	}
	id, _ := created["id"].(string)
	code, _ := created["verificationCode"].(string)
	if _, err := r.call(ctx, DemoMSP, "POST", "/v1/connections/accept", map[string]string{"verificationCode": code}, 200); err != nil {
		return Demo{}, err
	}
	customer, msp := DemoConfigs()
	for org, cfg := range map[string]integration.Config{DemoCustomer: customer, DemoMSP: msp} {
		if _, err := r.call(ctx, org, "PUT", "/v1/connections/"+id+"/config", cfg, 200); err != nil {
			return Demo{}, err
		}
	}
	for _, s := range sides {
		hook, err := r.call(ctx, s.org, "POST", "/v1/settings/platform/webhooks", nil, 201)
		if err != nil {
			return Demo{}, err
		}
		if hook["registered"] != true {
			// What a Halo administrator does with the URL and secret shown.
			url, _ := hook["url"].(string)
			secret, _ := hook["secret"].(string)
			r.Sims.Halo.AddWebhook(url, halo.WebhookUsername, secret)
		}
	}
	mailbox, err := r.setUpMailboxDemo(ctx)
	if err != nil {
		return Demo{}, err
	}
	return Demo{ConnectionID: id, MailboxConnectionID: mailbox}, nil
}

// setUpMailboxDemo connects DemoMailbox's support mailbox to DemoMSP's
// Halo: mail credentials with categories, service types, a rule and a
// closing reply, both sides configured, the mailbox subscribed.
func (r *Runner) setUpMailboxDemo(ctx context.Context) (string, error) {
	creds, _ := r.Sims.IntegrationCredentials(platform.Graph)
	MailboxDesk(creds)
	if _, err := r.call(ctx, DemoMailbox, "PUT", "/v1/settings/platform", map[string]any{"platform": platform.Graph, "credentials": creds}, 200); err != nil {
		return "", err
	}
	created, err := r.call(ctx, DemoMailbox, "POST", "/v1/connections", map[string]string{"role": "source", "contractName": "Contoso support mailbox"}, 201)
	if err != nil {
		return "", err
	}
	id, _ := created["id"].(string)
	code, _ := created["verificationCode"].(string)
	if _, err := r.call(ctx, DemoMSP, "POST", "/v1/connections/accept", map[string]string{"verificationCode": code}, 200); err != nil {
		return "", err
	}
	mailbox, msp := MailboxConfigs(platform.Halo)
	for org, cfg := range map[string]integration.Config{DemoMailbox: mailbox, DemoMSP: msp} {
		if _, err := r.call(ctx, org, "PUT", "/v1/connections/"+id+"/config", cfg, 200); err != nil {
			return "", err
		}
	}
	if _, err := r.call(ctx, DemoMailbox, "POST", "/v1/settings/platform/webhooks", nil, 201); err != nil {
		return "", err
	}
	return id, nil
}

func (r *Runner) call(ctx context.Context, org, method, path string, body any, want int) (map[string]any, error) {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return nil, err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, r.URL+path, rd)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer dev:"+org)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, fmt.Errorf("demo: %s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != want {
		return nil, fmt.Errorf("demo: %s %s as %s: %d %s", method, path, org, resp.StatusCode, raw)
	}
	var out map[string]any
	_ = json.Unmarshal(raw, &out)
	return out, nil
}
