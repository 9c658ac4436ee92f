package graph_test

import (
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tandemsync/tandem/pkg/graph"
	"github.com/tandemsync/tandem/pkg/graph/graphsim"
	"github.com/tandemsync/tandem/pkg/platform"
)

// receiver plays Tandem's webhook function: it answers the validation
// handshake, verifies and parses deliveries, and records the events.
type receiver struct {
	*httptest.Server
	secret string
	mu     sync.Mutex
	events []platform.Event
}

func newReceiver(t *testing.T, secret string) *receiver {
	rc := &receiver{secret: secret}
	rc.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		req := platform.WebhookRequest{Header: r.Header, Query: r.URL.Query(), Body: body}
		if tok, ok := graph.ValidationToken(req); ok {
			w.Header().Set("Content-Type", "text/plain")
			_, _ = io.WriteString(w, tok)
			return
		}
		if err := graph.VerifyWebhook(req, rc.secret); err != nil {
			http.Error(w, "unauthorised", http.StatusUnauthorized)
			return
		}
		evs, err := graph.ParseWebhook(body)
		if err != nil {
			http.Error(w, "bad payload", http.StatusBadRequest)
			return
		}
		rc.mu.Lock()
		rc.events = append(rc.events, evs...)
		rc.mu.Unlock()
		w.WriteHeader(http.StatusAccepted)
	}))
	t.Cleanup(rc.Close)
	return rc
}

func (rc *receiver) received() []platform.Event {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]platform.Event(nil), rc.events...)
}

func TestWebhookSubscriptionEndToEnd(t *testing.T) {
	sim := graphsim.New(t)
	support := clientFor(t, sim, sim.Integration)
	agent := clientFor(t, sim, sim.Agent)
	ctx := ctxT(t)
	const secret = "c1ientState-8f3a9d2e"
	rc := newReceiver(t, secret)

	wh, err := support.RegisterWebhook(ctx, platform.WebhookSpec{URL: rc.URL + "/notify", DeactivationURL: rc.URL + "/lifecycle", Secret: secret})
	if err != nil {
		t.Fatal(err)
	}
	if left := time.Until(wh.ExpiresAt); left < 4100*time.Minute || left > graphsim.MaxLifetime {
		t.Fatalf("expires in %v", left)
	}
	subs := sim.Subscriptions()
	if len(subs) != 1 || subs[0].ClientState != secret || subs[0].ChangeType != "created" || !strings.Contains(subs[0].Resource, "mailFolders('inbox')") {
		t.Fatalf("subscriptions = %+v", subs)
	}

	// A person mails the support mailbox: one mail.received notification.
	if _, err := agent.CreateTicket(ctx, platform.Ticket{Summary: "Need a new badge", Description: "Lost mine", Custom: map[string]string{"to": sim.Integration.Mailbox}}); err != nil {
		t.Fatal(err)
	}
	sim.Flush()
	evs := rc.received()
	if len(evs) != 1 || sim.Deliveries() != 1 {
		t.Fatalf("events %+v, deliveries %d", evs, sim.Deliveries())
	}
	inbound := lastInbox(t, sim, sim.Integration.Mailbox)
	ev := evs[0]
	if ev.Type != platform.EventMailReceived || ev.TicketID != inbound || ev.Platform != platform.Graph || ev.DeliveryID == "" || ev.ActorID != "" {
		t.Fatalf("event = %+v, want mail.received for %s", ev, inbound)
	}
	tk, err := support.GetTicket(ctx, ev.TicketID)
	if err != nil || tk.Summary != "Need a new badge" {
		t.Fatalf("ticket from event: %+v %v", tk, err)
	}
	origin, err := support.ResolveMessage(ctx, ev.TicketID)
	if err != nil || origin.TicketID != inbound || origin.Sender != sim.Agent.Mailbox || origin.Own {
		t.Fatalf("origin = %+v, %v", origin, err)
	}

	// Tandem's own reply goes to Sent Items: no notification comes back.
	if _, err := support.AddNote(ctx, inbound, platform.Note{Body: "On it", Public: true}); err != nil {
		t.Fatal(err)
	}
	sim.Flush()
	if n := len(rc.received()); n != 1 {
		t.Fatalf("own reply echoed: %d events", n)
	}

	if err := sim.EmitLifecycle(wh.ID, "reauthorizationRequired"); err != nil {
		t.Fatal(err)
	}
	sim.Flush()
	if evs := rc.received(); evs[len(evs)-1].Type != platform.EventSubscriptionRenew {
		t.Fatalf("lifecycle event = %+v", evs[len(evs)-1])
	}

	renewed, err := support.RenewWebhook(ctx, wh.ID)
	if err != nil || renewed.ID != wh.ID || renewed.ExpiresAt.Before(wh.ExpiresAt) {
		t.Fatalf("renew: %+v %v", renewed, err)
	}
	if err := support.RemoveWebhook(ctx, wh.ID); err != nil {
		t.Fatal(err)
	}
	if len(sim.Subscriptions()) != 0 {
		t.Fatal("subscription still present")
	}
	if err := support.RemoveWebhook(ctx, wh.ID); err != nil {
		t.Fatalf("removing a removed subscription: %v", err)
	}
	_, err = support.RenewWebhook(ctx, wh.ID)
	platformErr(t, err, platform.ReasonNotFound)
	if sim.FailedDeliveries() != 0 {
		t.Fatalf("%d failed deliveries", sim.FailedDeliveries())
	}
}

func TestRegisterWebhookRefused(t *testing.T) {
	sim := graphsim.New(t)
	c := clientFor(t, sim, sim.Integration)
	silent := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusOK) // does not echo the validation token
	}))
	t.Cleanup(silent.Close)
	tests := []struct {
		name string
		spec platform.WebhookSpec
		sent bool
	}{
		{"endpoint fails the handshake", platform.WebhookSpec{URL: silent.URL, Secret: "s"}, true},
		{"no secret", platform.WebhookSpec{URL: silent.URL}, false},
		{"secret too long", platform.WebhookSpec{URL: silent.URL, Secret: strings.Repeat("x", 129)}, false},
		{"not a URL", platform.WebhookSpec{URL: "::", Secret: "s"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := c.Requests()
			_, err := c.RegisterWebhook(ctxT(t), tt.spec)
			platformErr(t, err, platform.ReasonInvalid)
			if sent := c.Requests() != before; sent != tt.sent {
				t.Fatalf("sent = %v, want %v", sent, tt.sent)
			}
		})
	}
	if len(sim.Subscriptions()) != 0 {
		t.Fatal("a refused subscription was created")
	}
}

const sampleDelivery = `{"value":[{"subscriptionId":"7f105c7d-2dc5-4530-97cd-4e7ae6534c07","subscriptionExpirationDateTime":"2026-11-28T18:23:45.9356913+00:00","changeType":"created","resource":"Users/ba4f8b4a-0b1c-4f3e-9a56-1d2c3b4a5e6f/Messages/AAkALgAAAAAAHYQDEapmEc2byACqAC-EWg0AoNJ2w9bCdUGjSAWZ6xAsnAAAAvNF_AAA=","resourceData":{"@odata.type":"#Microsoft.Graph.Message","@odata.id":"Users/ba4f8b4a-0b1c-4f3e-9a56-1d2c3b4a5e6f/Messages/AAkALgAAAAAAHYQDEapmEc2byACqAC-EWg0AoNJ2w9bCdUGjSAWZ6xAsnAAAAvNF_AAA=","@odata.etag":"W/\"CQAAABYAAACQ2fKdhq8oSKEDSVrdi3lRAAB+pH5x\"","id":"AAkALgAAAAAAHYQDEapmEc2byACqAC-EWg0AoNJ2w9bCdUGjSAWZ6xAsnAAAAvNF_AAA="},"clientState":"secretClientValue","tenantId":"84bd8158-6d4d-4958-8b9f-9d6445542f95"}]}`

func deliveryReq(body string) platform.WebhookRequest {
	return platform.WebhookRequest{Header: http.Header{"Content-Type": {"application/json"}}, Query: url.Values{}, Body: []byte(body)}
}

func TestVerifyWebhook(t *testing.T) {
	tests := []struct {
		name   string
		body   string
		secret string
		ok     bool
	}{
		{"correct clientState", sampleDelivery, "secretClientValue", true},
		{"tampered clientState", strings.Replace(sampleDelivery, "secretClientValue", "secretClientValuf", 1), "secretClientValue", false},
		{"tampered body breaks JSON", sampleDelivery[:len(sampleDelivery)-3], "secretClientValue", false},
		{"wrong secret", sampleDelivery, "anotherSecret", false},
		{"missing clientState", strings.Replace(sampleDelivery, `"clientState":"secretClientValue",`, "", 1), "secretClientValue", false},
		{"one of two notifications unauthenticated", `{"value":[{"clientState":"secretClientValue"},{"clientState":"x"}]}`, "secretClientValue", false},
		{"no notifications", `{"value":[]}`, "secretClientValue", false},
		{"empty body", ``, "secretClientValue", false},
		{"no secret configured", sampleDelivery, "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := graph.VerifyWebhook(deliveryReq(tt.body), tt.secret)
			if tt.ok != (err == nil) {
				t.Fatalf("err = %v, want ok=%v", err, tt.ok)
			}
			if err != nil && !errors.Is(err, graph.ErrBadSignature) {
				t.Fatalf("err = %v does not wrap ErrBadSignature", err)
			}
			if err != nil && tt.secret != "" && strings.Contains(err.Error(), tt.secret) {
				t.Fatal("error shows the secret")
			}
		})
	}
}

func TestValidationToken(t *testing.T) {
	q, _ := url.ParseQuery("validationToken=Validation%3A+Testing+client+application+reachability+for+subscription+Request-Id%3A+b1e6f0a3")
	tok, ok := graph.ValidationToken(platform.WebhookRequest{Query: q})
	if !ok || tok != "Validation: Testing client application reachability for subscription Request-Id: b1e6f0a3" {
		t.Fatalf("token %q ok %v", tok, ok)
	}
	if _, ok := graph.ValidationToken(deliveryReq(sampleDelivery)); ok {
		t.Fatal("a delivery is not a validation request")
	}
}

func TestParseWebhook(t *testing.T) {
	lifecycle := func(ev string) string {
		return `{"value":[{"subscriptionId":"sub-1","subscriptionExpirationDateTime":"2026-11-28T18:23:45+00:00","tenantId":"t","clientState":"s","lifecycleEvent":"` + ev + `"}]}`
	}
	tests := []struct {
		name    string
		body    string
		types   []platform.EventType
		ticket  string
		wantErr error // nil, ErrUnknownEvent, or errAny
	}{
		{"created", sampleDelivery, []platform.EventType{platform.EventMailReceived}, "AAkALgAAAAAAHYQDEapmEc2byACqAC-EWg0AoNJ2w9bCdUGjSAWZ6xAsnAAAAvNF_AAA=", nil},
		{"updated", strings.Replace(sampleDelivery, `"created"`, `"updated"`, 1), []platform.EventType{platform.EventTicketUpdated}, "AAkALgAAAAAAHYQDEapmEc2byACqAC-EWg0AoNJ2w9bCdUGjSAWZ6xAsnAAAAvNF_AAA=", nil},
		{"deleted", strings.Replace(sampleDelivery, `"created"`, `"deleted"`, 1), []platform.EventType{platform.EventTicketDeleted}, "AAkALgAAAAAAHYQDEapmEc2byACqAC-EWg0AoNJ2w9bCdUGjSAWZ6xAsnAAAAvNF_AAA=", nil},
		{"reauthorizationRequired", lifecycle("reauthorizationRequired"), []platform.EventType{platform.EventSubscriptionRenew}, "", nil},
		{"subscriptionRemoved", lifecycle("subscriptionRemoved"), []platform.EventType{platform.EventSubscriptionRemoved}, "", nil},
		{"missed", lifecycle("missed"), []platform.EventType{platform.EventSubscriptionMissed}, "", nil},
		{"odd casing, resource only", `{"Value":[{"SubscriptionId":"s","ChangeType":"Created","Resource":"Users('u')/Messages('AAkALgX1')"}]}`, []platform.EventType{platform.EventMailReceived}, "AAkALgX1", nil},
		{"unknown change type", strings.Replace(sampleDelivery, `"created"`, `"moved"`, 1), nil, "", graph.ErrUnknownEvent},
		{"unknown lifecycle event", lifecycle("somethingNew"), nil, "", graph.ErrUnknownEvent},
		{"known and unknown mixed", `{"value":[{"subscriptionId":"s","changeType":"created","resourceData":{"id":"m1"}},{"subscriptionId":"s","changeType":"archived","resourceData":{"id":"m2"}}]}`, []platform.EventType{platform.EventMailReceived}, "m1", graph.ErrUnknownEvent},
		{"no subscription id", `{"value":[{"changeType":"created","resourceData":{"id":"m1"}}]}`, nil, "", errAny},
		{"no message id", `{"value":[{"subscriptionId":"s","changeType":"created","resource":"Users/u"}]}`, nil, "", errAny},
		{"empty", `{"value":[]}`, nil, "", errAny},
		{"not JSON", `<xml/>`, nil, "", errAny},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			evs, err := graph.ParseWebhook([]byte(tt.body))
			switch {
			case tt.wantErr == nil && err != nil:
				t.Fatalf("err = %v", err)
			case tt.wantErr == errAny && err == nil, tt.wantErr == graph.ErrUnknownEvent && !errors.Is(err, graph.ErrUnknownEvent):
				t.Fatalf("err = %v, want %v", err, tt.wantErr)
			}
			if len(evs) != len(tt.types) {
				t.Fatalf("events = %+v, want types %v", evs, tt.types)
			}
			for i, ev := range evs {
				if ev.Type != tt.types[i] || ev.Platform != platform.Graph || ev.DeliveryID == "" || ev.Fields["subscriptionId"] == "" {
					t.Fatalf("event %d = %+v", i, ev)
				}
			}
			if tt.ticket != "" && evs[0].TicketID != tt.ticket {
				t.Fatalf("ticket = %q, want %q", evs[0].TicketID, tt.ticket)
			}
		})
	}
}

var errAny = errors.New("any error")

func TestDeliveryIDStable(t *testing.T) {
	id := func(body string) string {
		evs, err := graph.ParseWebhook([]byte(body))
		if err != nil {
			t.Fatal(err)
		}
		return evs[0].DeliveryID
	}
	reformatted := strings.ReplaceAll(sampleDelivery, `":`, `": `)
	first, again := id(sampleDelivery), id(sampleDelivery)
	if first != again || first != id(reformatted) {
		t.Fatal("the same notification must keep its delivery id")
	}
	otherEtag := strings.Replace(sampleDelivery, "pH5x", "pH5y", 1)
	otherType := strings.Replace(sampleDelivery, `"created"`, `"updated"`, 1)
	if id(otherEtag) == id(sampleDelivery) || id(otherType) == id(sampleDelivery) {
		t.Fatal("different changes must get different delivery ids")
	}
}
