// Package autotask is Tandem's client for the Autotask PSA (Datto/Kaseya)
// REST API: credential validation, the platform.Client operations on tickets,
// notes, attachments and picklists, webhook registration, and verification
// and parsing of webhook deliveries.
//
// Vendor references (Autotask developer help, under
// https://ww1.autotask.net/help/DeveloperHelp/Content/APIs/):
//   - REST/General_Topics/REST_Thresholds_Limits.htm: 10,000 requests per hour,
//     attachments of 6 to 7 MB each.
//   - General/ThreadLimiting.htm: 3 concurrent threads per endpoint.
//   - REST/Entities/TicketNotesEntity.htm and the "Using notes" help page: notes
//     published to All Autotask Users are visible to customers.
//   - REST/API_Calls/REST_Attachments.htm: attachments are base64 child entities.
//   - Webhooks/REST_WebhooksEntity.htm, Webhooks/Webhooks_Creating.htm,
//     Webhooks/REST_WebhookFieldsEntity.htm,
//     Webhooks/SecretKeyPayloadVerification.htm: webhook entities and the
//     X-Hook-Signature HMAC-SHA1 check.
package autotask
