// Package halosim is an in-process HaloPSA / HaloITSM API for tests and the
// local runner: an httptest.Server that answers the Halo API v2 the way the
// vendor documents it, so the same client code works here and against a real
// instance.
//
// It follows:
//   - the Halo API v2 swagger (covenanttechnologysolutions/halopsa-rest
//     generator/spec/swagger.json): /auth/token client-credentials grant with
//     scope=all and an optional ?tenant=, Bearer access tokens, paths under
//     /api matched case-insensitively, POST of a JSON array to create or
//     (with id) update Tickets, Actions and Attachment, GET
//     /api/Actions?ticket_id=, GET /api/Attachment?ticket_id= answering
//     {"record_count","attachments"}, GET /api/Attachment/{id} answering the
//     file bytes, picklists at /api/Status, /api/Priority (one row per SLA and
//     priority, keyed by priorityid), /api/TicketType, /api/Team,
//     /api/Category?type_id=, /api/Outcome and /api/FieldInfo, webhooks at
//     /api/Webhook, and /api/Agent/me;
//   - pagination as pageinate=true&page_size=&page_no= answering
//     {"page_no","page_size","record_count","tickets"};
//   - error shapes: 400 with a field-keyed JSON object or plain text, 401 with
//     WWW-Authenticate: Bearer and no body, OAuth2 {"error":"invalid_client"}
//     from the token endpoint;
//   - webhooks as documented at https://haloitsm.com/guides/article/?kbid=838
//     and https://usehalo.com/guide/webhook-integration/: a POST of the full
//     object payload (id, webhook_id, notification_id, escmsg_id, event,
//     message, object_id, agent_id, timestamp, ticket, action) with Basic
//     authentication and no signature. The keys are those captured from a
//     live tenant in homotechsual/dotMARC
//     test/DotMarc.Tests/Notifications/HaloWebhookEndpointTests.cs; what
//     the envelope's agent_id means is documented nowhere, so the simulator
//     fills it with the ticket's assigned agent (the Faults agent_id), the
//     reading that breaks an integration treating it as "who acted". The
//     actor is the action's who_agentid (Actions schema of the swagger),
//     present only when the change is an action;
//   - external links (swagger: Faults.new_external_link on a posted ticket,
//     GET /api/ExternalLink?third_party_id=&third_party_type=&halo_id=, schema
//     ExternalLink_List), the record Halo keeps of a ticket's id in another
//     system; the swagger documents no answer body for the list, so a bare
//     JSON array is assumed (UNCERTAIN);
//   - faults (simfault) on every route, writes included: a write applied and
//     then answered 500 or with a dropped connection, or refused as invalid
//     with a field-keyed 400.
//
// Action ids are numbered per ticket, as in Halo, which is why action reads
// take ticket_id.
package halosim
