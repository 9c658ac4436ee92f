package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/tandemsync/tandem/pkg/api"
	"github.com/tandemsync/tandem/pkg/api/apitest"
	"github.com/tandemsync/tandem/pkg/clock"
	"github.com/tandemsync/tandem/pkg/configuration"
	"github.com/tandemsync/tandem/pkg/configuration/configurationtest"
	"github.com/tandemsync/tandem/pkg/connection"
	"github.com/tandemsync/tandem/pkg/connection/connectiontest"
	"github.com/tandemsync/tandem/pkg/platform"
	"github.com/tandemsync/tandem/pkg/secretstore/secretstoretest"
	"github.com/tandemsync/tandem/pkg/settings"
	"github.com/tandemsync/tandem/pkg/settings/settingstest"
)

// countingPlatform answers picklists from fixed lists and counts reads.
type countingPlatform struct {
	lists map[platform.PicklistKind][]platform.Option
	mu    sync.Mutex
	reads int
}

func (p *countingPlatform) Picklist(_ context.Context, kind platform.PicklistKind, parent string) ([]platform.Option, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.reads++
	var out []platform.Option
	for _, o := range p.lists[kind] {
		if parent == "" || o.Parent == parent {
			out = append(out, o)
		}
	}
	return out, nil
}

func (p *countingPlatform) Reads() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.reads
}

func option(id, name string) platform.Option {
	return platform.Option{ID: id, Name: name, Active: true}
}

// Acme runs ConnectWise and raises tickets; Bright MSP runs Halo and
// receives them.
func newPlatforms() map[string]*countingPlatform {
	board := func(o platform.Option, b string) platform.Option { o.Parent = b; return o }
	return map[string]*countingPlatform{
		"https://cw.acme.example": {lists: map[platform.PicklistKind][]platform.Option{
			platform.PickQueues:   {option("1", "Help Desk"), option("2", "Projects")},
			platform.PickStatuses: {board(option("11", "New"), "1"), board(option("12", "Working"), "1"), board(option("21", "Planned"), "2")},
			platform.PickActions:  {option("discussion", "Discussion"), option("internal", "Internal")},
		}},
		"https://halo.bright.example": {lists: map[platform.PicklistKind][]platform.Option{
			platform.PickStatuses:    {option("1", "New"), option("2", "In Progress")},
			platform.PickTicketTypes: {option("1", "Incident")},
			platform.PickActions:     {option("1", "Private Note"), option("3", "Public Note")},
		}},
	}
}

type configHarness struct {
	*harness
	platforms map[string]*countingPlatform
	store     *configurationtest.MemStore
}

func newConfigHarness(t *testing.T) *configHarness {
	t.Helper()
	hs := &harness{
		t: t, clock: clock.NewManual(time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)),
		conns: connectiontest.NewMemStore(), accounts: settingstest.NewMemAccounts(),
		secrets: secretstoretest.NewMemory(), logs: &syncBuffer{},
	}
	ch := &configHarness{harness: hs, platforms: newPlatforms(), store: configurationtest.NewMemStore()}
	log := slog.New(slog.NewJSONHandler(hs.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	conns := connection.NewService(hs.conns, hs.clock, log)
	sets := settings.NewService(hs.accounts, hs.secrets, fakePlatforms{}, hs.clock, log)
	clients := func(_ context.Context, _ platform.Kind, creds platform.Credentials) (configuration.Picklister, error) {
		p, ok := ch.platforms[creds["url"]]
		if !ok {
			return nil, fmt.Errorf("no platform at %s", creds["url"])
		}
		return p, nil
	}
	rt := api.NewRouter(api.Auth{DevBearer: true}, log)
	api.SettingsRoutes(rt, sets)
	api.ConnectionRoutes(rt, conns)
	api.ConfigRoutes(rt, configuration.NewService(ch.store, conns, sets, clients, hs.clock, log))
	hs.h = apitest.Lambda(t, rt.Handler())
	for org, acct := range map[string]string{
		"acme":   `{"platform":"connectwise","credentials":{"url":"https://cw.acme.example","secret":"acme-secret-3b9d"}}`,
		"bright": `{"platform":"halo","credentials":{"url":"https://halo.bright.example","secret":"bright-secret-8e21"}}`,
		"nosy":   `{"platform":"halo","credentials":{"url":"https://halo.bright.example","secret":"nosy-secret"}}`,
	} {
		if r := hs.do(org, "PUT", "/v1/settings/platform", acct); r.Status != http.StatusOK {
			t.Fatalf("save %s credentials: %d %s", org, r.Status, r.Raw)
		}
	}
	return ch
}

// connect makes an acme (source) – bright (target) connection.
func (ch *configHarness) connect(status connection.Status) string {
	ch.t.Helper()
	id, code := ch.create("acme", "source")
	if status == connection.Pending {
		return id
	}
	if r := ch.do("bright", "POST", "/v1/connections/accept", fmt.Sprintf(`{"verificationCode":%q}`, code)); r.Status != http.StatusOK {
		ch.t.Fatalf("accept: %d %s", r.Status, r.Raw)
	}
	if status == connection.Ended {
		if r := ch.do("bright", "DELETE", "/v1/connections/"+id, ""); r.Status != http.StatusNoContent {
			ch.t.Fatalf("end: %d %s", r.Status, r.Raw)
		}
	}
	return id
}

// get sends a GET with query parameters, which do cannot.
func (ch *configHarness) get(org, path string, query map[string]string) reply {
	ch.t.Helper()
	req := events.APIGatewayV2HTTPRequest{
		RawPath: path, QueryStringParameters: query,
		Headers: map[string]string{"authorization": "Bearer dev:" + org},
		RequestContext: events.APIGatewayV2HTTPRequestContext{
			RequestID: "req-test", HTTP: events.APIGatewayV2HTTPRequestContextHTTPDescription{Method: "GET", Path: path},
		},
	}
	resp, err := ch.h(context.Background(), req)
	if err != nil {
		ch.t.Fatalf("GET %s: handler error %v", path, err)
	}
	r := reply{Status: resp.StatusCode, Raw: resp.Body}
	if err := json.Unmarshal([]byte(resp.Body), &r.Body); err != nil {
		ch.t.Fatalf("GET %s: body is not JSON: %q", path, resp.Body)
	}
	return r
}

const (
	acmeConfig   = `{"version":%d,"statusMappings":[{"partner":"2","mine":"12"}],"defaultAction":"internal","escalation":{"queues":["1"]}}`
	brightConfig = `{"version":0,"defaultTicketType":"1","defaultStatus":"1","defaultAction":"1"}`
)

func TestConfigRoundTripEachSideItsOwn(t *testing.T) {
	ch := newConfigHarness(t)
	id := ch.connect(connection.Active)
	path := "/v1/connections/" + id + "/config"

	if r := ch.do("acme", "GET", path, ""); r.Status != http.StatusOK || r.Body["version"] != 0.0 {
		t.Fatalf("GET before any save: %d %s", r.Status, r.Raw)
	}
	put := ch.do("acme", "PUT", path, fmt.Sprintf(acmeConfig, 0))
	if put.Status != http.StatusOK || put.Body["version"] != 1.0 {
		t.Fatalf("PUT: %d %s", put.Status, put.Raw)
	}
	if got := ch.do("acme", "GET", path, ""); got.Status != http.StatusOK || got.Raw != put.Raw {
		t.Fatalf("GET after PUT:\n got %s\nwant %s", got.Raw, put.Raw)
	}
	// The partner reads and writes its own side; acme's stays as it was.
	if r := ch.do("bright", "GET", path, ""); r.Status != http.StatusOK || r.Body["version"] != 0.0 || r.Body["statusMappings"] != nil {
		t.Fatalf("bright GET: %d %s", r.Status, r.Raw)
	}
	if r := ch.do("bright", "PUT", path, brightConfig); r.Status != http.StatusOK || r.Body["version"] != 1.0 {
		t.Fatalf("bright PUT: %d %s", r.Status, r.Raw)
	}
	if got := ch.do("acme", "GET", path, ""); got.Raw != put.Raw {
		t.Fatalf("acme's side changed after bright's save: %s", got.Raw)
	}
}

func TestConfigStaleWriteIsRefused(t *testing.T) {
	ch := newConfigHarness(t)
	id := ch.connect(connection.Active)
	path := "/v1/connections/" + id + "/config"
	first := ch.do("acme", "PUT", path, fmt.Sprintf(acmeConfig, 0))
	if first.Status != http.StatusOK {
		t.Fatalf("first PUT: %d %s", first.Status, first.Raw)
	}
	// A second page loaded version 0 too and saves a different edit.
	second := ch.do("acme", "PUT", path, `{"version":0,"defaultAction":"discussion","escalation":{"queues":["2"]}}`)
	if second.Status != http.StatusConflict || second.errCode() != "version_conflict" || !strings.Contains(second.Raw, "reload") {
		t.Fatalf("stale PUT: %d %s", second.Status, second.Raw)
	}
	if got := ch.do("acme", "GET", path, ""); got.Raw != first.Raw {
		t.Fatalf("the stale write changed the document: %s", got.Raw)
	}
}

func TestConfigRefusals(t *testing.T) {
	ch := newConfigHarness(t)
	active, pending, ended := ch.connect(connection.Active), ch.connect(connection.Pending), ch.connect(connection.Ended)
	for _, tc := range []struct {
		name, org, method, path string
		query                   map[string]string
		body                    string
		status                  int
		code                    string
	}{
		{"stranger reads config", "nosy", "GET", "/v1/connections/" + active + "/config", nil, "", 404, "not_found"},
		{"stranger writes config", "nosy", "PUT", "/v1/connections/" + active + "/config", nil, brightConfig, 404, "not_found"},
		{"stranger reads options", "nosy", "GET", "/v1/connections/" + active + "/options/statuses", nil, "", 404, "not_found"},
		{"stranger reads partner options", "nosy", "GET", "/v1/connections/" + active + "/options/statuses", map[string]string{"side": "partner"}, "", 404, "not_found"},
		{"pending: config", "acme", "GET", "/v1/connections/" + pending + "/config", nil, "", 409, "not_active"},
		{"pending: options", "acme", "GET", "/v1/connections/" + pending + "/options/statuses", nil, "", 409, "not_active"},
		{"ended: save", "bright", "PUT", "/v1/connections/" + ended + "/config", nil, brightConfig, 409, "not_active"},
		{"ended: options", "acme", "GET", "/v1/connections/" + ended + "/options/statuses", nil, "", 409, "not_active"},
		{"unknown picklist", "acme", "GET", "/v1/connections/" + active + "/options/tickets", nil, "", 400, "unknown_picklist"},
		{"unknown side", "acme", "GET", "/v1/connections/" + active + "/options/statuses", map[string]string{"side": "theirs"}, "", 400, "invalid_request"},
		{"oversized board", "acme", "GET", "/v1/connections/" + active + "/options/statuses", map[string]string{"board": strings.Repeat("9", 65)}, "", 400, "invalid_request"},
		{"a body cannot name another organisation", "bright", "PUT", "/v1/connections/" + active + "/config", nil, `{"version":0,"org":"acme"}`, 400, "invalid_json"},
		{"invalid configuration", "acme", "PUT", "/v1/connections/" + active + "/config", nil,
			`{"version":0,"statusMappings":[{"partner":"2","mine":"12"},{"partner":"1","mine":"99"}],"defaultAction":"internal","escalation":{"queues":["1"]}}`, 422, "invalid_configuration"},
	} {
		var r reply
		if tc.method == "GET" {
			r = ch.get(tc.org, tc.path, tc.query)
		} else {
			r = ch.do(tc.org, tc.method, tc.path, tc.body)
		}
		if r.Status != tc.status || r.errCode() != tc.code {
			t.Errorf("%s: %d %s, want %d %s", tc.name, r.Status, r.Raw, tc.status, tc.code)
		}
	}
	if r := ch.do("acme", "PUT", "/v1/connections/"+active+"/config", `{"version":0,"statusMappings":[{"partner":"2","mine":"12"},{"partner":"1","mine":"99"}],"defaultAction":"internal","escalation":{"queues":["1"]}}`); !strings.Contains(r.Raw, "statusMappings[1]") {
		t.Fatalf("422 does not name the row: %s", r.Raw)
	}
	if n := ch.store.Len(); n != 0 {
		t.Fatalf("%d documents stored by refused requests", n)
	}
}

func TestOptionsOverHTTP(t *testing.T) {
	ch := newConfigHarness(t)
	id := ch.connect(connection.Active)
	path := "/v1/connections/" + id + "/options/statuses"
	cw, halo := ch.platforms["https://cw.acme.example"], ch.platforms["https://halo.bright.example"]

	board := ch.get("acme", path, map[string]string{"board": "2"})
	if board.Status != http.StatusOK || board.Body["platform"] != "connectwise" || board.Body["parent"] != "2" {
		t.Fatalf("board statuses: %d %s", board.Status, board.Raw)
	}
	if opts := board.Body["options"].([]any); len(opts) != 1 || opts[0].(map[string]any)["id"] != "21" {
		t.Fatalf("board 2 statuses = %v, want only Planned", opts)
	}
	again := ch.get("acme", path, map[string]string{"board": "2"})
	if again.Raw != board.Raw || cw.Reads() != 1 {
		t.Fatalf("second read within the window: %d platform reads, body %s", cw.Reads(), again.Raw)
	}
	ch.clock.Advance(configuration.CacheTTL)
	ch.get("acme", path, map[string]string{"board": "2"})
	if cw.Reads() != 2 {
		t.Fatalf("read after the window: %d platform reads, want 2", cw.Reads())
	}

	partner := ch.get("acme", path, map[string]string{"side": "partner"})
	if partner.Status != http.StatusOK || partner.Body["platform"] != "halo" || len(partner.Body["options"].([]any)) != 2 || halo.Reads() != 1 {
		t.Fatalf("partner statuses: %d %s (%d Halo reads)", partner.Status, partner.Raw, halo.Reads())
	}
	for _, secret := range []string{"bright-secret-8e21", "halo.bright.example", "acme-secret-3b9d"} {
		if strings.Contains(partner.Raw, secret) {
			t.Fatalf("partner options carry %q: %s", secret, partner.Raw)
		}
	}
	// bright's own page reuses what acme's read fetched.
	if own := ch.get("bright", path, nil); own.Status != http.StatusOK || halo.Reads() != 1 {
		t.Fatalf("bright's own statuses: %d %s (%d Halo reads)", own.Status, own.Raw, halo.Reads())
	}
	// An empty list is [], not null.
	if r := ch.get("bright", "/v1/connections/"+id+"/options/queues", nil); r.Status != http.StatusOK || !strings.Contains(r.Raw, `"options":[]`) {
		t.Fatalf("empty list: %d %s", r.Status, r.Raw)
	}
}

func TestPartnerWithoutCredentials(t *testing.T) {
	ch := newConfigHarness(t)
	id := ch.connect(connection.Active)
	if r := ch.do("bright", "DELETE", "/v1/settings/platform", ""); r.Status != http.StatusNoContent {
		t.Fatalf("delete bright's settings: %d %s", r.Status, r.Raw)
	}
	for name, r := range map[string]reply{
		"options": ch.get("acme", "/v1/connections/"+id+"/options/statuses", map[string]string{"side": "partner"}),
		"save":    ch.do("acme", "PUT", "/v1/connections/"+id+"/config", fmt.Sprintf(acmeConfig, 0)),
	} {
		if r.Status != http.StatusConflict || r.errCode() != "partner_not_configured" {
			t.Errorf("%s: %d %s", name, r.Status, r.Raw)
		}
	}
	// bright itself is told to save credentials, as on every other route.
	if r := ch.get("bright", "/v1/connections/"+id+"/options/statuses", nil); r.Status != http.StatusNotFound || r.errCode() != "not_configured" {
		t.Fatalf("own options without credentials: %d %s", r.Status, r.Raw)
	}
}
