package api_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"github.com/tandemsync/tandem/pkg/api"
	"github.com/tandemsync/tandem/pkg/connection"
	"github.com/tandemsync/tandem/pkg/platform"
	"github.com/tandemsync/tandem/pkg/webhook"
)

func TestPendingCapAnswers409(t *testing.T) {
	hs := newHarness(t)
	for range connection.MaxPending {
		hs.create("acme", "source")
	}
	r := hs.do("acme", "POST", "/v1/connections", `{"role":"source","contractName":"One too many"}`)
	if r.Status != http.StatusConflict || r.errCode() != "too_many_pending" {
		t.Fatalf("create past the cap: %d %s", r.Status, r.Raw)
	}
	if n := hs.conns.Len(); n != connection.MaxPending {
		t.Fatalf("%d connections stored, want %d", n, connection.MaxPending)
	}
}

// Path ids are checked before any store is asked: an id past DynamoDB's key
// limit would otherwise come back as a 500.
func TestMalformedPathIDsNeverReachTheStore(t *testing.T) {
	ids := []string{strings.Repeat("c", 129), strings.Repeat("c", 3000), "conn_%00", "conn_\u202e", "a%2Fb", "conn*", "conn_'or'1'='1"}
	routes := []struct{ method, path, body string }{
		{"GET", "/v1/connections/{id}/config", ""},
		{"PUT", "/v1/connections/{id}/config", `{"version":0}`},
		{"POST", "/v1/connections/{id}/code", ""},
		{"DELETE", "/v1/connections/{id}", ""},
		{"GET", "/v1/connections/{id}/options/{id}", ""},
	}
	for _, rt := range routes {
		for _, id := range ids {
			name := rt.method + " " + rt.path + " " + id
			if len(name) > 60 {
				name = name[:60]
			}
			t.Run(name, func(t *testing.T) {
				hs := newHarness(t)
				before := hs.conns.Calls
				r := hs.do("acme", rt.method, strings.ReplaceAll(rt.path, "{id}", id), rt.body)
				if r.Status != http.StatusNotFound || r.errCode() != "not_found" {
					t.Fatalf("status %d: %s", r.Status, r.Raw)
				}
				if hs.conns.Calls != before {
					t.Fatalf("the store was asked %d times", hs.conns.Calls-before)
				}
			})
		}
	}
	t.Run("an id of 128 ordinary characters is routed", func(t *testing.T) {
		hs := newHarness(t)
		before := hs.conns.Calls
		r := hs.do("acme", "DELETE", "/v1/connections/"+strings.Repeat("c", 128), "")
		if r.Status != http.StatusNotFound || hs.conns.Calls == before {
			t.Fatalf("status %d, store calls %d: the route should have looked the id up", r.Status, hs.conns.Calls-before)
		}
	})
}

type countingReceiver struct{ calls int }

func (c *countingReceiver) Receive(context.Context, string, string, platform.WebhookRequest) webhook.Response {
	c.calls++
	return webhook.Response{Status: http.StatusAccepted, ContentType: "application/json", Body: "{}"}
}

func TestMalformedWebhookPathsNeverReachTheReceiver(t *testing.T) {
	for _, path := range []string{
		"/webhooks/halo/" + strings.Repeat("w", 3000),
		"/webhooks/" + strings.Repeat("h", 200) + "/wh_AAAA",
		"/webhooks/halo/wh_%00",
		"/webhooks/halo/wh_AAAA\n",
	} {
		rcv := &countingReceiver{}
		h := api.WebhookHandler(rcv)
		req := events.APIGatewayV2HTTPRequest{RawPath: path, Body: `{}`}
		req.RequestContext.HTTP.Method = http.MethodPost
		resp, err := h(context.Background(), req)
		if err != nil {
			t.Fatal(err)
		}
		if resp.StatusCode != http.StatusNotFound || rcv.calls != 0 {
			t.Errorf("%.60q: status %d, receiver called %d times", path, resp.StatusCode, rcv.calls)
		}
	}
	rcv := &countingReceiver{}
	req := events.APIGatewayV2HTTPRequest{RawPath: "/webhooks/halo/wh_AAAAAAAAAAAAAAAAAAAAAA", Body: `{}`}
	req.RequestContext.HTTP.Method = http.MethodPost
	if resp, _ := api.WebhookHandler(rcv)(context.Background(), req); resp.StatusCode != http.StatusAccepted || rcv.calls != 1 {
		t.Fatalf("a well-formed path: status %d, receiver called %d times", resp.StatusCode, rcv.calls)
	}
}
