// Package zendesk is Tandem's Zendesk Support client: credentials (OAuth
// authorization code with PKCE and rotating refresh tokens, or an email
// with an API token while Zendesk still accepts them), tickets, comments
// (notes), attachments, picklists, webhook registration, and verification
// and parsing of the ticket-event webhooks.
//
// Sources for the platform facts used here:
//   - Zendesk Support API OpenAPI document (developer.zendesk.com/zendesk/
//     oas.yaml, mirrored in botbrains-io/python-zendesk openapi-src.yaml and
//     api-evangelist/zendesk): tickets, comments, uploads, attachments,
//     groups, ticket fields, custom statuses, users/me, webhooks and their
//     signing secret, and the OAuth grant-type token endpoint.
//   - developer.zendesk.com: authentication (Basic {email}/token:{token}),
//     OAuth with PKCE (S256), refresh tokens (each refresh returns a new
//     pair and invalidates the previous one), cursor pagination
//     (page[size], page[after], meta.has_more, meta.after_cursor), rate
//     limits (429 with Retry-After; Update Ticket: 30 updates per 10 minutes
//     per user per ticket), webhook signature verification
//     (base64(HMAC-SHA256(secret, timestamp + body))) and the ticket event
//     types.
//   - support.zendesk.com 10212201463962: expiring OAuth tokens (access 30
//     minutes, refresh 30 days by default).
//   - developer.zendesk.com/documentation/api-basics/authentication/
//     oauth-migration: API tokens are retired (no new tokens from
//     2026-10-27, all deactivated 2027-04-30).
//   - dust-tt/dust front/lib/triggers/built-in-webhooks/zendesk/schemas:
//     ticket-event payloads carry string ids, upper-case enums and
//     via.channel web_service.
//   - Public test stubs: 422 {"error":"RecordInvalid",…"Status: closed
//     prevents ticket update"} on a closed ticket; aaronellington/zendesk-go
//     test_files for the 429 body and comment lists.
package zendesk
