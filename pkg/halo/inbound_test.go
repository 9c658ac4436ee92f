package halo_test

import (
	"encoding/base64"
	"errors"
	"net/http"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/tandemsync/tandem/pkg/halo"
	"github.com/tandemsync/tandem/pkg/platform"
)

func basic(user, password string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(user+":"+password))
}

func TestVerifyWebhook(t *testing.T) {
	const secret = "endpoint-secret"
	body, err := os.ReadFile("testdata/action-added.json")
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name   string
		header http.Header
		secret string
		ok     bool
	}{
		{"correct", http.Header{"Authorization": {basic("tandem", secret)}}, secret, true},
		{"other user name, right password", http.Header{"Authorization": {basic("halo", secret)}}, secret, true},
		{"lower-case header key from API Gateway", http.Header{"authorization": {basic("tandem", secret)}}, secret, true},
		{"lower-case scheme", http.Header{"Authorization": {"basic " + base64.StdEncoding.EncodeToString([]byte("tandem:"+secret))}}, secret, true},
		{"wrong secret", http.Header{"Authorization": {basic("tandem", "guess")}}, secret, false},
		{"secret as prefix", http.Header{"Authorization": {basic("tandem", secret+"x")}}, secret, false},
		{"missing header", http.Header{}, secret, false},
		{"bearer instead of basic", http.Header{"Authorization": {"Bearer " + secret}}, secret, false},
		{"not base64", http.Header{"Authorization": {"Basic !!!"}}, secret, false},
		{"no colon", http.Header{"Authorization": {"Basic " + base64.StdEncoding.EncodeToString([]byte(secret))}}, secret, false},
		{"endpoint without a secret", http.Header{"Authorization": {basic("tandem", "")}}, "", false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := halo.VerifyWebhook(platform.WebhookRequest{Header: tc.header, Body: body}, tc.secret)
			if tc.ok && err != nil {
				t.Fatalf("refused: %v", err)
			}
			if !tc.ok && !errors.Is(err, halo.ErrBadSignature) {
				t.Fatalf("error %v does not wrap ErrBadSignature", err)
			}
			if err != nil && tc.secret != "" && strings.Contains(err.Error(), tc.secret) {
				t.Fatalf("error reveals the secret: %v", err)
			}
		})
	}
}

// Halo's standard webhooks carry Basic credentials, not a signature over
// the body (Halo documents none), so a changed body with the right password
// passes verification. This pins that limit down: TLS protects the body in
// transit, and since the sync functions take a full-object payload as their
// read, the endpoint secret guards the ticket's content as well as its ids.
func TestVerifyWebhookBasicDoesNotCoverTheBody(t *testing.T) {
	h := http.Header{"Authorization": {basic("tandem", "s")}}
	tampered := []byte(`{"id":"x","event":"Ticket Updated","object_id":1,"ticket":{"id":1,"summary":"changed in transit"}}`)
	if err := halo.VerifyWebhook(platform.WebhookRequest{Header: h, Body: tampered}, "s"); err != nil {
		t.Fatalf("Basic verification depends on the body: %v", err)
	}
	// A tampered body without the secret is refused like any other.
	err := halo.VerifyWebhook(platform.WebhookRequest{Header: http.Header{}, Body: tampered}, "s")
	if !errors.Is(err, halo.ErrBadSignature) {
		t.Fatalf("unauthenticated tampered body: %v", err)
	}
}

func TestParseWebhook(t *testing.T) {
	full, err := os.ReadFile("testdata/action-added.json")
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		body string
		want []platform.Event
	}{
		{"full object, action added", string(full), []platform.Event{{
			Platform: platform.Halo, Type: platform.EventNoteCreated, TicketID: "1042", NoteID: "4", ActorID: "5",
			Sequence: 918273, OccurredAt: time.Date(2026, 11, 25, 20, 14, 3, 512000000, time.UTC),
			DeliveryID: "halo-3f2c9a57-1d4e-4b8a-9c61-0e7d5b2a8f14",
			// The full object is the read: the ticket as GET /Tickets/1042
			// would give it, and the action as the action listing would.
			Ticket: &platform.Ticket{ID: "1042", Number: "1042", Summary: "Outlook keeps asking for a password",
				Description: "Since this morning Outlook prompts for credentials every few minutes.",
				Status:      "2", Priority: "3", Type: "1", Queue: "1", Category: "Software",
				Custom:    map[string]string{"CFPartnerReference": "T20261125.0042"},
				UpdatedAt: time.Date(2026, 11, 25, 20, 14, 3, 497000000, time.UTC)},
			Note: &platform.Note{ID: "4", TicketID: "1042", Kind: "3", Title: "Public Note",
				Body: "Reset the cached credentials; please try again.", Public: true, AuthorID: "5", AuthorName: "Alex Agent",
				CreatedAt: time.Date(2026, 11, 25, 20, 14, 3, 497000000, time.UTC)},
		}}},
		{"lower-case event, string ids, offset-less time", `{"id":"g1","event":"ticket status changed","object_id":"77","agent_id":"9","timestamp":"2026-11-25T10:00:00"}`,
			// agent_id is undocumented (it may be the assigned agent): never the actor.
			[]platform.Event{{Platform: platform.Halo, Type: platform.EventTicketUpdated, TicketID: "77",
				OccurredAt: time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC), DeliveryID: "halo-g1"}}},
		{"actor from the action, not agent_id", `{"id":"g4","event":"Action Added","object_id":7,"agent_id":27,"action":{"id":3,"who_agentid":5,"actionby_agent_id":27}}`,
			[]platform.Event{{Platform: platform.Halo, Type: platform.EventNoteCreated, TicketID: "7", NoteID: "3", ActorID: "5", DeliveryID: "halo-g4",
				Note: &platform.Note{ID: "3", TicketID: "7", AuthorID: "5", Public: true}}}},
		{"event information only, new ticket", `{"id":"g2","event":"New  Ticket Logged","object_id":5,"timestamp":1764064800}`,
			[]platform.Event{{Platform: platform.Halo, Type: platform.EventTicketCreated, TicketID: "5",
				OccurredAt: time.Unix(1764064800, 0).UTC(), DeliveryID: "halo-g2"}}},
		{"ticket id only inside the ticket", `{"id":"g3","event":"Ticket Updated","ticket":{"id":12,"status_id":9}}`,
			[]platform.Event{{Platform: platform.Halo, Type: platform.EventTicketUpdated, TicketID: "12", DeliveryID: "halo-g3"}}},
		{"batched", `[{"id":"a","event":"Ticket Updated","object_id":1},{"id":"b","event":"Action Added","object_id":1,"action":{"id":2,"who_agentid":27}}]`,
			[]platform.Event{
				{Platform: platform.Halo, Type: platform.EventTicketUpdated, TicketID: "1", DeliveryID: "halo-a"},
				{Platform: platform.Halo, Type: platform.EventNoteCreated, TicketID: "1", NoteID: "2", ActorID: "27", DeliveryID: "halo-b",
					Note: &platform.Note{ID: "2", TicketID: "1", AuthorID: "27", Public: true}},
			}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := halo.ParseWebhook([]byte(tc.body))
			if err != nil {
				t.Fatalf("ParseWebhook: %v", err)
			}
			if len(got) != len(tc.want) {
				t.Fatalf("got %d events, want %d", len(got), len(tc.want))
			}
			for i := range got {
				g, w := got[i], tc.want[i]
				if g.Fields["event"] == "" {
					t.Errorf("event %d has no event field", i)
				}
				g.Fields = nil
				if !g.OccurredAt.Equal(w.OccurredAt) {
					t.Errorf("event %d OccurredAt %v, want %v", i, g.OccurredAt, w.OccurredAt)
				}
				g.OccurredAt, w.OccurredAt = time.Time{}, time.Time{}
				if !reflect.DeepEqual(g, w) {
					t.Errorf("event %d:\n got %+v\nwant %+v", i, g, w)
				}
			}
		})
	}
}

func TestParseWebhookStableIDWithoutGUID(t *testing.T) {
	body := []byte(`{"event":"Ticket Updated","object_id":3,"escmsg_id":44}`)
	a, err := halo.ParseWebhook(body)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := halo.ParseWebhook(body)
	c, _ := halo.ParseWebhook([]byte(`{"event":"Ticket Updated","object_id":3,"escmsg_id":45}`))
	if a[0].DeliveryID != b[0].DeliveryID || a[0].DeliveryID == c[0].DeliveryID || !strings.HasPrefix(a[0].DeliveryID, "halo-") {
		t.Fatalf("ids %q %q %q", a[0].DeliveryID, b[0].DeliveryID, c[0].DeliveryID)
	}
}

func TestParseWebhookRefuses(t *testing.T) {
	cases := []struct {
		name    string
		body    string
		unknown bool
	}{
		{"unknown event", `{"id":"x","event":"Invoice Paid","object_id":1}`, true},
		{"no event", `{"id":"x","object_id":1}`, true},
		{"unknown event in a batch", `[{"id":"a","event":"Ticket Updated","object_id":1},{"id":"b","event":"Asset Created","object_id":2}]`, true},
		{"no ticket", `{"id":"x","event":"Ticket Updated"}`, false},
		{"not JSON", `<html>`, false},
		{"empty", ``, false},
		{"empty batch", `[]`, false},
		{"id of the wrong type", `{"id":{"a":1},"event":"Ticket Updated","object_id":1}`, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			evs, err := halo.ParseWebhook([]byte(tc.body))
			if err == nil {
				t.Fatalf("accepted: %+v", evs)
			}
			if errors.Is(err, halo.ErrUnknownEvent) != tc.unknown {
				t.Fatalf("errors.Is(ErrUnknownEvent) = %v for %v", !tc.unknown, err)
			}
		})
	}
}

// In a batch, an event Tandem does not handle is reported but does not
// cost the others: the receiver acknowledges it and queues the rest.
func TestParseWebhookBatchKeepsKnownEvents(t *testing.T) {
	evs, err := halo.ParseWebhook([]byte(`[{"id":"a","event":"Ticket Updated","object_id":1},{"id":"b","event":"Asset Created","object_id":2}]`))
	if !errors.Is(err, halo.ErrUnknownEvent) || !platform.OnlyIrrelevant(err) {
		t.Fatalf("error %v, want one that only says an event is not needed", err)
	}
	if len(evs) != 1 || evs[0].TicketID != "1" || evs[0].Type != platform.EventTicketUpdated {
		t.Fatalf("events %+v, want the ticket update", evs)
	}
	if _, err := halo.ParseWebhook([]byte(`{"id":"x","event":"Invoice Paid","object_id":1}`)); !platform.OnlyIrrelevant(err) {
		t.Fatalf("single unknown event: %v", err)
	}
}
