package api_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/tandemsync/tandem/pkg/api"
	"github.com/tandemsync/tandem/pkg/api/apitest"
	"github.com/tandemsync/tandem/pkg/clock"
	"github.com/tandemsync/tandem/pkg/connection"
	"github.com/tandemsync/tandem/pkg/connection/connectiontest"
	"github.com/tandemsync/tandem/pkg/relay"
	"github.com/tandemsync/tandem/pkg/relay/relaytest"
)

type fixedKey []byte

func (k fixedKey) CursorKey(context.Context) ([]byte, error) { return k, nil }

type logHarness struct {
	t         *testing.T
	h         api.Handler
	acmeMSP   string // connection acme (source) ↔ msp (target)
	acmeOther string // connection acme (source) ↔ other (target)
}

// newLogHarness holds two connections of acme, one of them with msp, and a
// log written by the sync engine's side of things.
func newLogHarness(t *testing.T) *logHarness {
	t.Helper()
	ctx := context.Background()
	clk := clock.NewManual(time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC))
	conns := connection.NewService(connectiontest.NewMemStore(), clk, nil)
	connect := func(partner string) string {
		created, err := conns.Create(ctx, connection.Caller{OrgID: "acme", OrgName: "Acme"}, connection.Source, "Support "+partner)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := conns.Accept(ctx, connection.Caller{OrgID: partner, OrgName: partner}, created.VerificationCode); err != nil {
			t.Fatal(err)
		}
		return created.ID
	}
	lh := &logHarness{t: t, acmeMSP: connect("msp"), acmeOther: connect("other")}
	store := relaytest.NewMemStore()
	t0 := time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)
	for i, e := range []relay.LogEntry{
		{ConnectionID: lh.acmeMSP, Org: "msp", Ticket: "acme#T1", TargetTicket: "M1", Outcome: relay.Applied, What: "create ticket"},
		{ConnectionID: lh.acmeMSP, Org: "msp", Ticket: "acme#T1", Outcome: relay.Skipped, What: `status "7"`, Reason: "unmapped"},
		{ConnectionID: lh.acmeOther, Org: "other", Ticket: "acme#T5", Outcome: relay.Applied, What: "create ticket"},
		{ConnectionID: lh.acmeMSP, Org: "acme", Ticket: "acme#T1", Outcome: relay.Failed, What: "add note", Reason: "refused"},
		{ConnectionID: lh.acmeMSP, Org: "msp", Ticket: "acme#T2", Outcome: relay.Applied, What: "create ticket"},
		{ConnectionID: lh.acmeMSP, Org: "acme", Ticket: "acme#T1", Outcome: relay.Applied, What: "update ticket"},
	} {
		e.At = t0.Add(time.Duration(i) * time.Hour)
		if err := store.AppendLog(ctx, e); err != nil {
			t.Fatal(err)
		}
	}
	rt := api.NewRouter(api.Auth{DevBearer: true}, nil)
	api.LogRoutes(rt, conns, store, fixedKey("0123456789abcdef0123456789abcdef"))
	lh.h = apitest.Lambda(t, rt.Handler())
	return lh
}

type logReply struct {
	Status  int
	Entries []struct {
		What      string `json:"what"`
		Direction string `json:"direction"`
		Ticket    string `json:"ticket"`
	} `json:"entries"`
	Next  string `json:"next"`
	Error struct {
		Code string `json:"code"`
	} `json:"error"`
}

func (r logReply) whats() []string {
	var out []string
	for _, e := range r.Entries {
		out = append(out, e.What)
	}
	return out
}

func (lh *logHarness) get(org, path string, q url.Values) logReply {
	lh.t.Helper()
	params := map[string]string{}
	for k, v := range q {
		params[k] = v[0]
	}
	resp, err := lh.h(context.Background(), events.APIGatewayV2HTTPRequest{
		RawPath: path, RawQueryString: q.Encode(), QueryStringParameters: params,
		Headers: map[string]string{"authorization": "Bearer dev:" + org},
		RequestContext: events.APIGatewayV2HTTPRequestContext{
			RequestID: "req-log", HTTP: events.APIGatewayV2HTTPRequestContextHTTPDescription{Method: http.MethodGet, Path: path},
		},
	})
	if err != nil {
		lh.t.Fatal(err)
	}
	r := logReply{Status: resp.StatusCode}
	if err := json.Unmarshal([]byte(resp.Body), &r); err != nil {
		lh.t.Fatalf("GET %s: %v in %q", path, err, resp.Body)
	}
	return r
}

func TestLogFilters(t *testing.T) {
	lh := newLogHarness(t)
	conn := "/v1/connections/" + lh.acmeMSP + "/log"
	for _, tc := range []struct {
		name, org, path string
		q               url.Values
		want            []string
	}{
		{"acme sees the whole connection", "acme", conn, nil, []string{"update ticket", "create ticket", "add note", `status "7"`, "create ticket"}},
		{"msp sees the same entries", "msp", conn, nil, []string{"update ticket", "create ticket", "add note", `status "7"`, "create ticket"}},
		{"by ticket id", "acme", conn, url.Values{"ticket": {"T1"}}, []string{"update ticket", "add note", `status "7"`, "create ticket"}},
		{"by the partner's ticket id", "msp", conn, url.Values{"ticket": {"M1"}}, []string{"create ticket"}},
		{"by outcome", "acme", conn, url.Values{"outcome": {"failed"}}, []string{"add note"}},
		{"inbound for acme", "acme", conn, url.Values{"direction": {"inbound"}}, []string{"update ticket", "add note"}},
		{"inbound for msp", "msp", conn, url.Values{"direction": {"inbound"}}, []string{"create ticket", `status "7"`, "create ticket"}},
		{"period", "acme", conn, url.Values{"from": {"2026-11-25T10:00:00Z"}, "to": {"2026-11-25T13:00:00Z"}}, []string{"add note", `status "7"`}},
		{"combined", "acme", conn, url.Values{"ticket": {"T1"}, "outcome": {"applied"}, "direction": {"outbound"}}, []string{"create ticket"}},
		{"all of acme's connections", "acme", "/v1/log", nil, []string{"update ticket", "create ticket", "add note", "create ticket", `status "7"`, "create ticket"}},
		{"all of msp's: not acme's other partner", "msp", "/v1/log", nil, []string{"update ticket", "create ticket", "add note", `status "7"`, "create ticket"}},
		{"all of other's", "other", "/v1/log", url.Values{"outcome": {"applied"}}, []string{"create ticket"}},
		{"an organisation with no connection", "nobody", "/v1/log", nil, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := lh.get(tc.org, tc.path, tc.q)
			if r.Status != http.StatusOK || !slices.Equal(r.whats(), tc.want) || r.Next != "" {
				t.Fatalf("%d %q next %q, want %q", r.Status, r.whats(), r.Next, tc.want)
			}
		})
	}
	if r := lh.get("acme", conn, url.Values{"direction": {"inbound"}}); r.Entries[0].Direction != "inbound" {
		t.Fatalf("direction %q", r.Entries[0].Direction)
	}
	if r := lh.get("msp", conn, url.Values{"ticket": {"T2"}}); len(r.Entries) != 1 || r.Entries[0].Direction != "inbound" {
		t.Fatalf("msp's view of a write to its platform: %+v", r.Entries)
	}
}

func TestLogRefusals(t *testing.T) {
	lh := newLogHarness(t)
	conn := "/v1/connections/" + lh.acmeMSP + "/log"
	for _, tc := range []struct {
		name, org, path string
		q               url.Values
		status          int
		code            string
	}{
		{"another organisation's connection", "other", conn, nil, 404, "not_found"},
		{"unknown outcome", "acme", conn, url.Values{"outcome": {"lost"}}, 400, "invalid_filter"},
		{"unknown direction", "acme", "/v1/log", url.Values{"direction": {"sideways"}}, 400, "invalid_filter"},
		{"not a time", "acme", conn, url.Values{"from": {"yesterday"}}, 400, "invalid_filter"},
		{"empty period", "acme", conn, url.Values{"from": {"2026-11-25T10:00:00Z"}, "to": {"2026-11-25T10:00:00Z"}}, 400, "invalid_filter"},
		{"long ticket", "acme", conn, url.Values{"ticket": {strings.Repeat("x", 257)}}, 400, "invalid_filter"},
		{"limit", "acme", conn, url.Values{"limit": {"0"}}, 400, "invalid_limit"},
		{"garbage cursor", "acme", conn, url.Values{"cursor": {"not-a-cursor"}}, 400, "invalid_cursor"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if r := lh.get(tc.org, tc.path, tc.q); r.Status != tc.status || r.Error.Code != tc.code {
				t.Fatalf("%d %q, want %d %q", r.Status, r.Error.Code, tc.status, tc.code)
			}
		})
	}
}

func TestLogPagesWithASignedCursor(t *testing.T) {
	lh := newLogHarness(t)
	var got []string
	q := url.Values{"limit": {"2"}}
	var cursors []string
	for range 10 {
		r := lh.get("acme", "/v1/log", q)
		if r.Status != http.StatusOK {
			t.Fatalf("%d %s", r.Status, r.Error.Code)
		}
		got = append(got, r.whats()...)
		if r.Next == "" {
			break
		}
		cursors = append(cursors, r.Next)
		q.Set("cursor", r.Next)
	}
	if want := []string{"update ticket", "create ticket", "add note", "create ticket", `status "7"`, "create ticket"}; !slices.Equal(got, want) {
		t.Fatalf("pages %q, want %q", got, want)
	}
	if len(cursors) != 2 {
		t.Fatalf("cursors %q: want two, the third page being the last", cursors)
	}
	c := cursors[0]
	pos, mac, _ := strings.Cut(c, ".")
	tampered := string(rune(pos[0]^1)) + pos[1:] + "." + mac
	for _, tc := range []struct {
		name, org, path string
		q               url.Values
	}{
		{"position changed", "acme", "/v1/log", url.Values{"limit": {"2"}, "cursor": {tampered}}},
		{"signature changed", "acme", "/v1/log", url.Values{"limit": {"2"}, "cursor": {pos + ".AAAA"}}},
		{"another filter", "acme", "/v1/log", url.Values{"limit": {"2"}, "outcome": {"applied"}, "cursor": {c}}},
		{"one connection's listing", "acme", "/v1/connections/" + lh.acmeMSP + "/log", url.Values{"limit": {"2"}, "cursor": {c}}},
		{"another organisation", "msp", "/v1/log", url.Values{"limit": {"2"}, "cursor": {c}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if r := lh.get(tc.org, tc.path, tc.q); r.Status != 400 || r.Error.Code != "invalid_cursor" {
				t.Fatalf("%d %q, want 400 invalid_cursor", r.Status, r.Error.Code)
			}
		})
	}
	// The limit is not bound: a reader may change the page size midway.
	if r := lh.get("acme", "/v1/log", url.Values{"limit": {"10"}, "cursor": {c}}); r.Status != 200 || len(r.Entries) != 4 {
		t.Fatalf("bigger page after the first: %d %q", r.Status, r.whats())
	}
}
