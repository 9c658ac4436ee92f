package connectwise

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tandemsync/tandem/pkg/egress"
	"github.com/tandemsync/tandem/pkg/platform"
)

// sampleDelivery is shaped like ConnectWise's published callback samples.
func sampleDelivery(t testing.TB, edit func(map[string]any)) []byte {
	t.Helper()
	entity, _ := json.Marshal(map[string]any{
		"id": 4711, "summary": "Printer jams", "board": map[string]any{"id": 1, "name": "Help Desk"},
		"status": map[string]any{"id": 2, "name": "In Progress"}, "priority": map[string]any{"id": 3},
		"closedFlag": false, "_info": map[string]any{"lastUpdated": "2026-06-09T21:59:49Z", "updatedBy": "jsmith"},
	})
	d := map[string]any{
		"MessageId": "6dd82302-5e46-47c0-8c84-702868125b76", "FromUrl": "api-na.myconnectwise.net", "CompanyId": "contoso",
		"MemberId": "jsmith", "Action": "updated", "Type": "ticket", "ID": 4711, "ProductInstanceId": "639c96cab2eb560001dd1324",
		"PartnerId": "61ddc2817bcddc0001c74208", "Entity": string(entity), "CallbackObjectRecId": 26604,
		"Metadata": map[string]any{"key_url": "https://na.myconnectwise.net/v2025_1//system/callbackkey/index.rails?companyName=contoso&id=e17e6674-42f6-4105-9cff-4cd6cb4e62e8"},
	}
	if edit != nil {
		edit(d)
	}
	b, err := json.Marshal(d)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// entityWith is the sample's Entity string after edit.
func entityWith(t *testing.T, edit func(map[string]any)) string {
	t.Helper()
	var d map[string]any
	if err := json.Unmarshal(sampleDelivery(t, nil), &d); err != nil {
		t.Fatal(err)
	}
	var e map[string]any
	if err := json.Unmarshal([]byte(d["Entity"].(string)), &e); err != nil {
		t.Fatal(err)
	}
	edit(e)
	b, err := json.Marshal(e)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestParseWebhook(t *testing.T) {
	updated := time.Date(2026, 6, 9, 21, 59, 49, 0, time.UTC)
	// The sample's Entity is a whole ticket: it is the read, ordered by its
	// lastUpdated to the second, and without customFields they are unknown.
	carried := &platform.Ticket{ID: "4711", Number: "4711", Summary: "Printer jams", Status: "2", Priority: "3", Queue: "1", UpdatedAt: updated}
	fields := map[string]string{"summary": "Printer jams", "queue": "1", "status": "2", "priority": "3", "closed": "false"}
	withCustom := *carried
	withCustom.Custom = map[string]string{"Region": "EMEA"}
	cases := []struct {
		name    string
		edit    func(map[string]any)
		want    platform.Event
		wantErr error
	}{
		{"entity as JSON string", nil, platform.Event{Platform: platform.ConnectWise, Type: platform.EventTicketUpdated, TicketID: "4711",
			ActorID: "jsmith", OccurredAt: updated, DeliveryID: "6dd82302-5e46-47c0-8c84-702868125b76",
			Fields: fields, Ticket: carried, Sequence: updated.Unix(), NoCustom: true}, nil},
		{"entity as object, id as string, Added", func(d map[string]any) {
			d["Entity"] = map[string]any{"id": 4711, "summary": "New one"}
			d["ID"] = "4711"
			d["Action"] = "Added"
		}, platform.Event{Platform: platform.ConnectWise, Type: platform.EventTicketCreated, TicketID: "4711",
			DeliveryID: "6dd82302-5e46-47c0-8c84-702868125b76", Fields: map[string]string{"summary": "New one"}}, nil},
		{"deleted with null entity", func(d map[string]any) { d["Action"] = "deleted"; d["Entity"] = nil },
			platform.Event{Platform: platform.ConnectWise, Type: platform.EventTicketDeleted, TicketID: "4711",
				DeliveryID: "6dd82302-5e46-47c0-8c84-702868125b76"}, nil},
		{"unreadable entity is ignored", func(d map[string]any) { d["Entity"] = "{not json" },
			platform.Event{Platform: platform.ConnectWise, Type: platform.EventTicketUpdated, TicketID: "4711",
				DeliveryID: "6dd82302-5e46-47c0-8c84-702868125b76"}, nil},
		{"actor from entity when MemberId missing", func(d map[string]any) { delete(d, "MemberId") },
			platform.Event{Platform: platform.ConnectWise, Type: platform.EventTicketUpdated, TicketID: "4711", ActorID: "jsmith",
				OccurredAt: updated, DeliveryID: "6dd82302-5e46-47c0-8c84-702868125b76",
				Fields: fields, Ticket: carried, Sequence: updated.Unix(), NoCustom: true}, nil},
		{"ticket id from entity", func(d map[string]any) { delete(d, "ID"); d["Entity"] = `{"id":"77"}` },
			platform.Event{Platform: platform.ConnectWise, Type: platform.EventTicketUpdated, TicketID: "77",
				DeliveryID: "6dd82302-5e46-47c0-8c84-702868125b76"}, nil},
		{"actor is the member on the entity, not MemberId", func(d map[string]any) { d["MemberId"] = "tandem-api" },
			platform.Event{Platform: platform.ConnectWise, Type: platform.EventTicketUpdated, TicketID: "4711", ActorID: "jsmith",
				OccurredAt: updated, DeliveryID: "6dd82302-5e46-47c0-8c84-702868125b76",
				Fields: fields, Ticket: carried, Sequence: updated.Unix(), NoCustom: true}, nil},
		{"entity with customFields carries them", func(d map[string]any) {
			d["Entity"] = entityWith(t, func(e map[string]any) {
				e["customFields"] = []map[string]any{{"id": 7, "caption": "Region", "type": "Text", "value": "EMEA"}, {"id": 8, "caption": "Unset", "type": "Text"}}
			})
		}, platform.Event{Platform: platform.ConnectWise, Type: platform.EventTicketUpdated, TicketID: "4711", ActorID: "jsmith",
			OccurredAt: updated, DeliveryID: "6dd82302-5e46-47c0-8c84-702868125b76",
			Fields: fields, Ticket: &withCustom, Sequence: updated.Unix()}, nil},
		{"entity of another ticket is not the read", func(d map[string]any) { d["ID"] = 4712 },
			platform.Event{Platform: platform.ConnectWise, Type: platform.EventTicketUpdated, TicketID: "4712", ActorID: "jsmith",
				OccurredAt: updated, DeliveryID: "6dd82302-5e46-47c0-8c84-702868125b76", Fields: fields}, nil},
		{"entity without a status is not the read", func(d map[string]any) {
			d["Entity"] = entityWith(t, func(e map[string]any) { delete(e, "status") })
		}, platform.Event{Platform: platform.ConnectWise, Type: platform.EventTicketUpdated, TicketID: "4711", ActorID: "jsmith",
			OccurredAt: updated, DeliveryID: "6dd82302-5e46-47c0-8c84-702868125b76",
			Fields: map[string]string{"summary": "Printer jams", "queue": "1", "priority": "3", "closed": "false"}}, nil},
		{"entity without lastUpdated is not the read", func(d map[string]any) {
			d["Entity"] = entityWith(t, func(e map[string]any) { e["_info"] = map[string]any{"updatedBy": "jsmith"} })
		}, platform.Event{Platform: platform.ConnectWise, Type: platform.EventTicketUpdated, TicketID: "4711", ActorID: "jsmith",
			DeliveryID: "6dd82302-5e46-47c0-8c84-702868125b76", Fields: fields}, nil},
		{"contact callback", func(d map[string]any) { d["Type"] = "contact" }, platform.Event{}, ErrUnknownEvent},
		{"unknown action", func(d map[string]any) { d["Action"] = "merged" }, platform.Event{}, ErrUnknownEvent},
		{"no action", func(d map[string]any) { delete(d, "Action") }, platform.Event{}, ErrUnknownEvent},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			evs, err := ParseWebhook(sampleDelivery(t, c.edit))
			if c.wantErr != nil {
				if !errors.Is(err, c.wantErr) {
					t.Fatalf("err = %v, want %v", err, c.wantErr)
				}
				return
			}
			if err != nil || len(evs) != 1 {
				t.Fatalf("ParseWebhook = %v, %v", evs, err)
			}
			got, _ := json.Marshal(evs[0])
			want, _ := json.Marshal(c.want)
			if string(got) != string(want) {
				t.Fatalf("event = %s\nwant    %s", got, want)
			}
		})
	}
}

func TestParseWebhookDeliveryIDWithoutMessageID(t *testing.T) {
	body := sampleDelivery(t, func(d map[string]any) { delete(d, "MessageId") })
	a, err := ParseWebhook(body)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := ParseWebhook(append([]byte(nil), body...))
	other, _ := ParseWebhook(sampleDelivery(t, func(d map[string]any) { delete(d, "MessageId"); d["ID"] = 4712 }))
	if a[0].DeliveryID != b[0].DeliveryID || !strings.HasPrefix(a[0].DeliveryID, "sha256:") || a[0].DeliveryID == other[0].DeliveryID {
		t.Fatalf("delivery ids %q %q %q", a[0].DeliveryID, b[0].DeliveryID, other[0].DeliveryID)
	}
}

func TestParseWebhookMalformed(t *testing.T) {
	for _, body := range []string{"", "null", "[]", `{"Action":"updated","Type":"ticket"}`, `{"Action":"updated","Type":"ticket","ID":-3}`, "{"} {
		if evs, err := ParseWebhook([]byte(body)); err == nil {
			t.Fatalf("ParseWebhook(%q) = %v, want an error", body, evs)
		}
	}
}

func signedRequest(body []byte, key string) platform.WebhookRequest {
	h := http.Header{}
	h.Set(SignatureHeader, base64.StdEncoding.EncodeToString(sign(body, key)))
	return platform.WebhookRequest{Header: h, Body: body}
}

func TestVerifyWebhook(t *testing.T) {
	const key = "7Gx9pQ2mZk4Lr8Vt"
	body := sampleDelivery(t, nil)
	cases := []struct {
		name string
		req  func() platform.WebhookRequest
		key  string
		ok   bool
	}{
		{"correctly signed", func() platform.WebhookRequest { return signedRequest(body, key) }, key, true},
		{"lower-case header from API Gateway", func() platform.WebhookRequest {
			r := signedRequest(body, key)
			return platform.WebhookRequest{Header: http.Header{"x-content-signature": r.Header.Values(SignatureHeader)}, Body: body}
		}, key, true},
		{"tampered body", func() platform.WebhookRequest {
			r := signedRequest(body, key)
			r.Body = []byte(strings.Replace(string(body), "jsmith", "tandem", 1))
			return r
		}, key, false},
		{"wrong secret", func() platform.WebhookRequest { return signedRequest(body, "another-key") }, key, false},
		{"raw key used as HMAC key", func() platform.WebhookRequest {
			// ConnectWise hashes the key first; a plain HMAC must not pass.
			return platform.WebhookRequest{Header: http.Header{SignatureHeader: {plainHMAC(body, key)}}, Body: body}
		}, key, false},
		{"missing header", func() platform.WebhookRequest { return platform.WebhookRequest{Header: http.Header{}, Body: body} }, key, false},
		{"not base64", func() platform.WebhookRequest {
			return platform.WebhookRequest{Header: http.Header{SignatureHeader: {"%%%"}}, Body: body}
		}, key, false},
		{"no key known", func() platform.WebhookRequest { return signedRequest(body, "") }, "", false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := VerifyWebhook(c.req(), c.key)
			if c.ok != (err == nil) {
				t.Fatalf("VerifyWebhook = %v, want ok=%v", err, c.ok)
			}
			if err != nil && !errors.Is(err, ErrBadSignature) {
				t.Fatalf("error %v does not wrap ErrBadSignature", err)
			}
		})
	}
}

func plainHMAC(body []byte, key string) string {
	m := hmac.New(sha256.New, []byte(key))
	m.Write(body)
	return base64.StdEncoding.EncodeToString(m.Sum(nil))
}

// TestSignKnownAnswer pins the algorithm to a value computed independently
// (python3: base64(hmac(sha256(key).digest(), body, sha256).digest())).
func TestSignKnownAnswer(t *testing.T) {
	got := base64.StdEncoding.EncodeToString(sign([]byte(`{"ID":1}`), "secret"))
	if got != knownSignature {
		t.Fatalf("sign = %s, want %s", got, knownSignature)
	}
}

const knownSignature = "P4fzi2Mk/ZJ26ddnC2+RyR0XCiyXwhehKIQEAZpEp8k="

func TestTrustedKeyURL(t *testing.T) {
	onPrem := NewVerifier(Credentials{Site: "https://cw.example.com"}, Options{})
	cases := []struct {
		url string
		ok  bool
	}{
		{"https://sandbox-na.myconnectwise.net/v2025_1//system/callbackkey/index.rails?companyName=Cobalt&id=e17e", true},
		{"https://api-eu.myconnectwise.net/v4_6_release/system/callbackkey/index.rails?id=1", true},
		{"https://cw.example.com/v4_6_release/system/callbackkey/index.rails?id=1", true},
		{"https://cw.example.com:8443/key", false},
		{"http://na.myconnectwise.net/key", false},
		{"https://na.myconnectwise.net:8443/key", false},
		{"https://myconnectwise.net.evil.example/key", false},
		{"https://evilmyconnectwise.net/key", false},
		{"https://user@na.myconnectwise.net/key", false},
		{"https://169.254.169.254/latest/meta-data", false},
		{"/relative/key", false},
	}
	for _, c := range cases {
		t.Run(c.url, func(t *testing.T) {
			_, err := onPrem.trustedKeyURL(c.url)
			if c.ok != (err == nil) {
				t.Fatalf("trusted = %v, want %v (%v)", err == nil, c.ok, err)
			}
			if err != nil && !errors.Is(err, ErrBadSignature) {
				t.Fatalf("refusal does not wrap ErrBadSignature: %v", err)
			}
		})
	}
}

func TestVerifierRefusals(t *testing.T) {
	var fetches atomic.Int64
	keySrv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fetches.Add(1)
		switch r.URL.Query().Get("id") {
		case "good":
			_, _ = w.Write([]byte(`{"signing_key":"k-123"}`))
		case "busy":
			w.Header().Set("Retry-After", "60")
			w.WriteHeader(http.StatusServiceUnavailable)
		default:
			w.WriteHeader(http.StatusNotFound)
		}
	}))
	t.Cleanup(keySrv.Close)
	v := NewVerifier(Credentials{Site: keySrv.URL}, Options{AllowPrivate: true, HTTP: egress.New(egress.Options{AllowPrivate: true, MaxAttempts: 1})})
	body := func(keyURL string) []byte {
		return sampleDelivery(t, func(d map[string]any) { d["Metadata"] = map[string]any{"key_url": keyURL} })
	}
	cases := []struct {
		name      string
		req       platform.WebhookRequest
		bad       bool // wraps ErrBadSignature
		temporary bool
		fetches   int64
	}{
		{"genuine", signedRequest(body(keySrv.URL+"/key?id=good"), "k-123"), false, false, 1},
		{"foreign key host", signedRequest(body("https://attacker.example/key"), "k-123"), true, false, 0},
		{"no key_url", signedRequest(sampleDelivery(t, func(d map[string]any) { delete(d, "Metadata") }), "k-123"), true, false, 0},
		{"missing header", platform.WebhookRequest{Header: http.Header{}, Body: body(keySrv.URL + "/key?id=good")}, true, false, 0},
		{"unknown key id", signedRequest(body(keySrv.URL+"/key?id=forged"), "k-123"), true, false, 1},
		{"key service busy", signedRequest(body(keySrv.URL+"/key?id=busy"), "k-123"), false, true, 1},
		{"wrong key", signedRequest(body(keySrv.URL+"/key?id=good"), "guess"), true, false, 1},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			before := fetches.Load()
			err := v.Verify(testCtx(t), c.req)
			if c.bad != errors.Is(err, ErrBadSignature) || c.temporary != platform.IsTemporary(err) {
				t.Fatalf("Verify = %v (bad=%v temporary=%v)", err, errors.Is(err, ErrBadSignature), platform.IsTemporary(err))
			}
			if !c.bad && !c.temporary && err != nil {
				t.Fatalf("Verify = %v", err)
			}
			if got := fetches.Load() - before; got != c.fetches {
				t.Fatalf("key fetches = %d, want %d", got, c.fetches)
			}
		})
	}
}

// An Entity missing any part of a whole ticket, or with no usable
// lastUpdated, is not the read: the sync re-reads the ticket.
func TestPartialEntityIsNotTheRead(t *testing.T) {
	edits := map[string]func(map[string]any){
		"no summary":  func(e map[string]any) { delete(e, "summary") },
		"no board":    func(e map[string]any) { delete(e, "board") },
		"no status":   func(e map[string]any) { delete(e, "status") },
		"no priority": func(e map[string]any) { delete(e, "priority") },
		"no _info":    func(e map[string]any) { delete(e, "_info") },
		"lastUpdated at the epoch": func(e map[string]any) {
			e["_info"] = map[string]any{"lastUpdated": "1970-01-01T00:00:00Z", "updatedBy": "jsmith"}
		},
		"lastUpdated unreadable": func(e map[string]any) { e["_info"] = map[string]any{"lastUpdated": "yesterday", "updatedBy": "jsmith"} },
	}
	for name, edit := range edits {
		t.Run(name, func(t *testing.T) {
			evs, err := ParseWebhook(sampleDelivery(t, func(d map[string]any) { d["Entity"] = entityWith(t, edit) }))
			if err != nil || len(evs) != 1 {
				t.Fatalf("ParseWebhook = %v, %v", evs, err)
			}
			if ev := evs[0]; ev.Ticket != nil || ev.Sequence != 0 || ev.NoCustom {
				t.Fatalf("ticket %+v, sequence %d, noCustom %v: want no read from a partial Entity", ev.Ticket, ev.Sequence, ev.NoCustom)
			}
		})
	}
}
