// Package zendesksim is an in-process Zendesk Support account for tests and
// the local runner: an httptest.Server answering the Support API v2 the way
// Zendesk documents it, so the same client code works here and against a
// real account. Each behaviour and its source:
//
//   - Paths under /api/v2, answers wrapped in the resource name ({"ticket":…},
//     {"comments":…}), ".json" suffixes accepted — Zendesk Support OAS
//     (developer.zendesk.com/zendesk/oas.yaml; botbrains-io/python-zendesk).
//   - Authentication: Basic {email}/token:{api token}, or Bearer OAuth
//     tokens; 401 {"error":"Couldn't authenticate you"} otherwise —
//     developer.zendesk.com/api-reference/introduction/security-and-auth.
//   - OAuth: /oauth/authorizations/new (response_type=code, state,
//     code_challenge with S256) redirects back with code and state as if the
//     integration user consented; POST /oauth/tokens takes a JSON body; codes
//     are single use and valid 120 seconds; refresh_token grants return a new
//     pair and invalidate the previous access and refresh tokens; access
//     tokens expire after expires_in (30 minutes by default) — Zendesk OAS
//     CreateTokenForGrantType, developer.zendesk.com/documentation/
//     api-basics/authentication/refresh-token, support.zendesk.com
//     10212201463962; invalid_grant text from support.zendesk.com 115012709368.
//   - Tickets: create with comment as the description, PUT updates of
//     status, custom_status_id, priority, type, group and custom_fields, a
//     comment with an explicit or defaulted (true) public flag, audits whose
//     Comment event carries the new comment id; external_id filter on List
//     Tickets — Tickets API reference and OAS TicketUpdateResponseExample.
//   - A closed ticket refuses updates with 422 RecordInvalid "Status: closed
//     prevents ticket update" — public client test stubs (research note F8).
//   - Rate limits: 429 with Retry-After; Update Ticket allows 30 updates
//     per 10 minutes per user per ticket — developer.zendesk.com/
//     api-reference/introduction/rate-limits. The 429 body of the per-ticket
//     limit is not documented (UNCERTAIN); the account limit's body is
//     aaronellington/zendesk-go's api_rate_limit_exceeded_429.json.
//   - Cursor pagination: page[size] (≤100), page[after], meta.has_more,
//     meta.after_cursor, links.next — developer.zendesk.com/api-reference/
//     introduction/pagination; aaronellington/zendesk-go list_200.json.
//   - Uploads: POST /api/v2/uploads?filename= with the raw bytes answers a
//     token, attached by a comment's uploads; content_url on another host
//     that needs no credentials (zdusercontent.com in real life) — Zendesk
//     OAS AttachmentUploadResponseExample, Attachments API. 50 MB limit.
//   - Picklists: custom statuses (403 when the feature is off, an
//     assumption), groups, ticket fields with the system fields listed —
//     Custom Ticket Statuses, Groups and Ticket Fields API references.
//   - Webhooks: POST /api/v2/webhooks with subscriptions to ticket events
//     (admins only), GET …/signing_secret, DELETE; deliveries signed
//     base64(HMAC-SHA256(secret, timestamp + body)) with
//     X-Zendesk-Webhook-Signature(-Timestamp) — developer.zendesk.com/
//     documentation/webhooks/verifying; payloads in the event
//     representation (string ids, UPPER-CASE enums, via.channel
//     web_service, detail.actor_id) — developer.zendesk.com/api-reference/
//     webhooks/event-types/ticket-events and the captured payloads in
//     ../testdata (event-*.src).
//   - Faults (simfault) on every route, writes included: a write applied and
//     then answered 500 or with a dropped connection, throttling, and
//     validation refusals in Zendesk's RecordInvalid shape.
package zendesksim
