// Package graphsim simulates the parts of Microsoft Graph and the Microsoft
// identity platform that Tandem's graph package uses, for tests and the
// local runner. It follows the public documentation, not Tandem's client:
//
//   - client credentials token endpoint and its AADSTS error responses
//     (learn.microsoft.com/entra/identity-platform/v2-oauth2-client-creds-grant-flow,
//     reference-error-codes: AADSTS7000215, AADSTS700016, AADSTS90002);
//   - /v1.0/users/{id|upn}/... messages: get, list with $filter on
//     conversationId, $select, $top/$skip and @odata.nextLink, update,
//     create draft, send, reply, createReply, sendMail
//     (api-reference/v1.0/api/message-*.md, user-sendmail.md);
//   - request bodies compressed with gzip, as Microsoft's SDKs send them,
//     and 415 for any other Content-Encoding (encoding.go); action
//     parameters matched in any case, entity properties exactly (wire.go);
//   - attachments under 3 MB inline (also inside a message given to create,
//     sendMail, reply and createReply), their raw bytes at .../$value,
//     and 3–150 MB through upload sessions
//     whose pre-authorised URL, on a host of its own (UploadURL, as
//     outlook.office.com is to graph.microsoft.com), refuses an
//     Authorization header (graph/outlook-large-attachments);
//   - single-value extended properties created with a draft and selected
//     with $filter=singleValueExtendedProperties/Any(ep: ep/id eq '…' and
//     ep/value eq '…'), across the mailbox or under
//     /mailFolders/{sentitems|drafts|inbox}/messages
//     (singlevaluelegacyextendedproperty-post-singlevalueextendedproperties.md,
//     singlevaluelegacyextendedproperty-get.md, message-list.md); a copy
//     delivered to another simulated mailbox does not carry them;
//   - outlook/masterCategories (outlookuser-list-mastercategories.md);
//   - subscriptions with the validation handshake, clientState, the 4,230
//     minute lifetime for Outlook messages, change and lifecycle
//     notifications (change-notifications-delivery-webhooks.md,
//     change-notifications-lifecycle-events.md, subscription resource);
//   - the validation handshake done synchronously inside POST
//     /subscriptions, for notificationUrl and, when set,
//     lifecycleNotificationUrl: a POST of ?validationToken=<url-encoded>
//     with Content-Type text/plain that must be answered within 10 seconds
//     with 200, Content-Type text/plain and the decoded token as the body,
//     or the subscription is refused with 400 InvalidRequest
//     (concepts/includes/change-notifications-delivery-notificationurl-validation.md:
//     "Microsoft Graph doesn't create the subscription" otherwise; error
//     texts as reported in microsoftgraph/nodejs-webhooks-sample issues #158
//     and #350). So an endpoint must exist before the subscription does;
//   - mail arriving from outside the tenant (Receive): To and Cc, an HTML
//     body, internet message headers returned under
//     $select=internetMessageHeaders, the MAPI message class under
//     $expand=singleValueExtendedProperties($filter=id eq 'String 0x001A')
//     (message-get.md, singlevaluelegacyextendedproperty-get.md);
//     $filter=from/emailAddress/address eq '…' and receivedDateTime ge …
//     (message-list.md); replies with toRecipients and ccRecipients set
//     through createReply's message parameter (message-createreply.md);
//   - the inbox delta query, page by page with @odata.nextLink and ending
//     with an @odata.deltaLink that returns only later changes
//     (message-delta.md, delta-query-messages.md), and notifications Graph
//     drops before a missed lifecycle notification (MissNotifications);
//   - application permissions: a token's roles claim lists those granted
//     (SetPermissions), and a call needing one it lacks is answered 403
//     ErrorAccessDenied: Mail.Send to send, Mail.ReadWrite to write, any
//     mail permission to read (the permissions tables of message-send.md,
//     message-update.md, message-get.md);
//   - the {"error":{"code","message","innerError"}} error envelope, 400 for a
//     request Graph refuses, 429 with Retry-After (graph/throttling,
//     graph/errors);
//   - faults (simfault) on every API route, writes included (create draft,
//     send, createReply, attachments, updates): a write applied and then
//     answered 500 or with a dropped connection, or refused as invalid.
//
// Departures, for test convenience: access tokens are JWT-shaped but
// unsigned, carrying only the claims Tandem reads; ids use one format whether or not Prefer: IdType="ImmutableId"
// is sent; notification URLs may be plain http on loopback hosts; message
// times have second precision like Graph's, and each new message is stamped
// at least a second after the previous one so conversation order is exact.
package graphsim
