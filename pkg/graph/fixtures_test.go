package graph_test

// The decoders and the notification parser against Microsoft's published
// bodies kept in testdata (each with a .src note saying where it came from).
// The client is pointed at an httptest server that answers the identity
// platform's token endpoint and Graph's paths with the fixtures.

import (
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/tandemsync/tandem/pkg/egress"
	"github.com/tandemsync/tandem/pkg/graph"
	"github.com/tandemsync/tandem/pkg/platform"
	"github.com/tandemsync/tandem/pkg/vendorfixture"
)

const (
	fixtureTenant  = "84bd8158-6d4d-4958-8b9f-9d6445542f95"
	fixtureMailbox = "support@contoso.example"
)

type fixtureAnswer struct {
	status int
	header http.Header
	body   []byte
}

// newFixtureGraph starts a server for the routes and returns a client that
// makes one attempt per request, so an answer is seen exactly as sent.
func newFixtureGraph(t *testing.T, routes map[string]fixtureAnswer) *graph.Client {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		if r.Method == http.MethodPost && r.URL.Path == "/"+fixtureTenant+"/oauth2/v2.0/token" {
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write([]byte(`{"token_type":"Bearer","expires_in":3599,"ext_expires_in":3599,"access_token":"fixture-token"}`))
			return
		}
		key := r.Method + " " + r.URL.Path
		a, ok := routes[key]
		if !ok {
			t.Errorf("unexpected request %s", key)
			http.NotFound(w, r)
			return
		}
		if r.Header.Get("Authorization") != "Bearer fixture-token" {
			t.Errorf("%s sent without the bearer token", key)
		}
		for k, vs := range a.header {
			w.Header()[k] = vs
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(a.status)
		_, _ = w.Write(a.body)
	}))
	t.Cleanup(srv.Close)
	creds, err := graph.ParseCredentials(platform.Credentials{
		"tenantId": fixtureTenant, "clientId": "24d3b144-21ae-4080-943f-7067b395b913",
		"clientSecret": "Fx8Q~fixture.secret.value-0123456789abcdefgh", "mailbox": fixtureMailbox,
		"loginUrl": srv.URL, "graphUrl": srv.URL + "/v1.0",
	}, true)
	if err != nil {
		t.Fatalf("ParseCredentials: %v", err)
	}
	once := egress.New(egress.Options{AllowPrivate: true, MaxAttempts: 1})
	return graph.New(creds, graph.Options{AllowPrivate: true, HTTP: once})
}

func fixture(t *testing.T, name string) []byte {
	t.Helper()
	return vendorfixture.Read(t, "testdata/"+name)
}

func TestFixtureGetMessageAsTicket(t *testing.T) {
	c := newFixtureGraph(t, map[string]fixtureAnswer{
		"GET /v1.0/users/" + fixtureMailbox + "/messages/AAMkADhMGAAA=": {200, nil, fixture(t, "message-get.json")},
	})
	got, err := c.GetTicket(ctxT(t), "AAMkADhMGAAA=")
	if err != nil {
		t.Fatalf("GetTicket: %v", err)
	}
	// The HTML body becomes its text; the sender, from outside the
	// mailbox, is the requester, and the mail is in the inbox queue.
	want := platform.Ticket{
		ID: "AAMkADhMGAAA=", Summary: "9/9/2018: concert",
		Description: "The group represents Nevada.", Queue: graph.InboxQueue,
		Custom:   map[string]string{graph.CustomFrom: `"Adele Vance" <adelev@contoso.onmicrosoft.com>`},
		Priority: "normal", UpdatedAt: time.Date(2018, 9, 9, 3, 15, 8, 0, time.UTC),
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("GetTicket =\n %+v\nwant\n %+v", got, want)
	}
}

func TestFixtureSubscriptionCreated(t *testing.T) {
	c := newFixtureGraph(t, map[string]fixtureAnswer{
		"POST /v1.0/subscriptions": {201, nil, fixture(t, "subscription-created.json")},
	})
	hook, err := c.RegisterWebhook(ctxT(t), platform.WebhookSpec{URL: "http://127.0.0.1:1/webhooks/graph/ep1", Secret: "secretClientValue"})
	if err != nil {
		t.Fatalf("RegisterWebhook: %v", err)
	}
	want := platform.Webhook{ID: "7f105c7d-2dc5-4530-97cd-4e7ae6534c07", ExpiresAt: time.Date(2016, 11, 20, 18, 23, 45, 935691300, time.UTC)}
	if hook.ID != want.ID || !hook.ExpiresAt.Equal(want.ExpiresAt) {
		t.Errorf("webhook = %+v, want %+v", hook, want)
	}
}

// Graph's throttling sample: 429, a TooManyRequests body and a fractional
// Retry-After, which must reach the error rather than be dropped.
func TestFixtureThrottled(t *testing.T) {
	c := newFixtureGraph(t, map[string]fixtureAnswer{
		"GET /v1.0/users/" + fixtureMailbox + "/messages/AAMkADhMGAAA=": {
			http.StatusTooManyRequests, http.Header{"Retry-After": {"2.128"}}, fixture(t, "error-429-throttled.json"),
		},
	})
	_, err := c.GetTicket(ctxT(t), "AAMkADhMGAAA=")
	pe := platformErr(t, err, platform.ReasonRateLimited)
	if pe.RetryAfter != 2128*time.Millisecond {
		t.Errorf("RetryAfter = %v, want Graph's 2.128s", pe.RetryAfter)
	}
	if !strings.Contains(pe.Message, "TooManyRequests: Please retry again later.") {
		t.Errorf("message %q does not carry Graph's code and text", pe.Message)
	}
}

func TestFixtureChangeNotification(t *testing.T) {
	body := fixture(t, "change-notification-message-created.json")
	req := platform.WebhookRequest{Body: body}
	if err := graph.VerifyWebhook(req, "secretClientValue"); err != nil {
		t.Errorf("VerifyWebhook with the subscription's clientState: %v", err)
	}
	if err := graph.VerifyWebhook(req, "another-client-state"); !errors.Is(err, graph.ErrBadSignature) {
		t.Errorf("VerifyWebhook with another clientState = %v, want ErrBadSignature", err)
	}
	evs, err := graph.ParseWebhook(body)
	if err != nil || len(evs) != 1 {
		t.Fatalf("ParseWebhook = %+v, %v", evs, err)
	}
	got := evs[0]
	if !strings.HasPrefix(got.DeliveryID, "graph-") {
		t.Errorf("delivery id %q", got.DeliveryID)
	}
	got.DeliveryID = ""
	want := platform.Event{
		Platform: platform.Graph, Type: platform.EventMailReceived, TicketID: "{long_id_string}",
		Fields: map[string]string{
			"subscriptionId": "{subscription_guid}", "tenantId": fixtureTenant, "changeType": "created",
			"subscriptionExpirationDateTime": "2016-03-19T22:11:09.952Z",
		},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("event =\n %+v\nwant\n %+v", got, want)
	}
}

func TestFixtureLifecycleNotifications(t *testing.T) {
	tests := []struct {
		file, state, sub, tenant, expires, event string
		want                                     platform.EventType
	}{
		{"lifecycle-reauthorization-required.json", "{secret client state}", "e3898f08-5cd0-4a6a-80fc-6addbfb73b7b",
			fixtureTenant, "2019-09-18T00:52:45.9696658+00:00", "reauthorizationRequired", platform.EventSubscriptionRenew},
		{"lifecycle-subscription-removed.json", "<secretClientState>", "<subscription_guid>", "<tenant_guid>",
			"2019-03-20T11:00:00.0000000Z", "subscriptionRemoved", platform.EventSubscriptionRemoved},
		{"lifecycle-missed.json", "<secretClientState>", "<subscription_guid>", "<tenant_guid>",
			"2019-03-20T11:00:00.0000000Z", "missed", platform.EventSubscriptionMissed},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			body := fixture(t, tt.file)
			if err := graph.VerifyWebhook(platform.WebhookRequest{Body: body}, tt.state); err != nil {
				t.Errorf("VerifyWebhook: %v", err)
			}
			evs, err := graph.ParseWebhook(body)
			if err != nil || len(evs) != 1 {
				t.Fatalf("ParseWebhook = %+v, %v", evs, err)
			}
			got := evs[0]
			if got.DeliveryID == "" {
				t.Error("no delivery id")
			}
			got.DeliveryID = ""
			want := platform.Event{Platform: platform.Graph, Type: tt.want, Fields: map[string]string{
				"subscriptionId": tt.sub, "tenantId": tt.tenant, "subscriptionExpirationDateTime": tt.expires, "lifecycleEvent": tt.event,
			}}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("event =\n %+v\nwant\n %+v", got, want)
			}
		})
	}
}
