// Package graph connects Tandem to a Microsoft 365 support mailbox through
// Microsoft Graph, using app-only (client credentials) access.
//
// Mail is not a ticketing system, so the mapping is deliberately small:
//
//   - A ticket is a mail conversation. Ticket.ID is the immutable id of the
//     conversation's first message (requests send Prefer: IdType="ImmutableId"
//     so ids survive folder moves); Summary is its subject and Description its
//     plain-text body.
//   - Status is an Outlook category of the mailbox (its master category list
//     is the status picklist); a ticket carries at most one. Priority is the
//     message importance (low, normal, high). Closing completes the message's
//     follow-up flag.
//   - Notes are the other messages of the conversation, all public. Adding a
//     public note replies to the first message; mail has no private notes, so
//     adding one is refused with ReasonInvalid rather than silently mailed.
//   - CreateTicket sends a new mail from the mailbox, to the address in the
//     "to" custom field or, without one, to the mailbox itself so the new
//     conversation lands in the support inbox where agents work.
//   - Webhooks are Graph change-notification subscriptions on the inbox; they
//     carry no actor, so echo suppression relies on Tandem's own writes going
//     to Sent Items rather than the subscribed inbox.
//
// Sources: learn.microsoft.com/graph (auth-v2-service, message-get,
// message-reply, message-createreply, user-sendmail, outlook-large-attachments,
// outlook-immutable-id, change-notifications-delivery-webhooks,
// change-notifications-lifecycle-events, subscription resource and its
// lifetime table, throttling-limits) and the Microsoft Entra AADSTS error
// code reference.
package graph
