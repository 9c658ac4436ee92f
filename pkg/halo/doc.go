// Package halo is Tandem's HaloPSA / HaloITSM client: credential validation,
// the OAuth2 client-credentials flow, tickets, actions (notes), attachments,
// picklists, webhook registration, and verification and parsing of webhook
// deliveries.
//
// Sources for the platform facts used here:
//   - Halo API v2 swagger ("Halo API", OpenAPI 3.0.1, servers /api), as
//     published in covenanttechnologysolutions/halopsa-rest
//     generator/spec/swagger.json and the modules generated from it
//     (ActionsAPI, AgentAPI, AttachmentAPI, CategoryAPI, FieldInfoAPI,
//     OutcomeAPI, WebhookAPI, InstanceInfoAPI) and its component schemas
//     (Actions, TOutcome, TStatus, Policy, Webhook, UnameNotification).
//   - Halo guides on webhooks: https://haloitsm.com/guides/article/?kbid=838,
//     https://usehalo.com/guide/webhook-integration/ (payload keys, Basic
//     authentication, payload types, no outbound signature).
//   - Halo guide "Ticket sync between Halo instances" (tenant id at
//     /api/instanceinfo, copying the Client ID outside edit mode, BadRequest
//     messages returned as text).
//   - homotechsual/HaloAPI (PowerShell) Get-HaloAttachment: GET
//     /api/attachment/{id} returns the file bytes with Content-Disposition;
//     the list answers {"attachments": [...]}.
//   - n8n HaloPSA node: token URL, scope=all, pagination with pageinate,
//     page_size, page_no and record_count; update is POST of an array with id.
package halo
