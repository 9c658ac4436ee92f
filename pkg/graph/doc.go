// Package graph connects Tandem to a Microsoft 365 support mailbox through
// Microsoft Graph, using app-only (client credentials) access.
//
// Mail is not a ticketing system, so the mapping is deliberately small:
//
//   - A ticket is a mail conversation. Ticket.ID is the immutable id of the
//     conversation's first message (requests send Prefer: IdType="ImmutableId"
//     so ids survive folder moves); Summary is its subject and Description its
//     body as text (HTMLToText). Mail received in the inbox is in the queue
//     InboxQueue, and its sender is the custom field "from".
//   - The organisation's categories and service types (its support mail
//     settings, Desk) are Category and Type, chosen per mail by its rules
//     and kept as Outlook categories on the mail; any other Outlook category
//     of the mailbox's master list is the status. Priority is the message
//     importance (low, normal, high). Closing completes the message's
//     follow-up flag and sends the closing reply, once.
//   - Notes are the other messages of the conversation, all public: "mail"
//     received, "reply" sent from the mailbox. Adding a public note replies
//     to the requester and those copied, never to the mailbox; a private
//     note is withheld (Withholds), since every reply reaches the requester.
//   - Noise never becomes a ticket or a note (Screen): automatic replies,
//     bounces, the mailbox's own mail, a sender over the hourly limit.
//   - CreateTicket sends a new mail from the mailbox, to the address in the
//     "to" custom field or, without one, to the mailbox itself so the new
//     conversation lands in the support inbox where agents work.
//   - Webhooks are Graph change-notification subscriptions on the inbox;
//     they carry no actor, so echo suppression relies on Tandem's own writes
//     going to Sent Items rather than the subscribed inbox, and on Screen.
//     ChangesSince is the inbox delta query a missed notification is caught
//     up with.
//
// Sources: learn.microsoft.com/graph (auth-v2-service, message-get,
// message-reply, message-createreply, user-sendmail, outlook-large-attachments,
// outlook-immutable-id, change-notifications-delivery-webhooks,
// change-notifications-lifecycle-events, subscription resource and its
// lifetime table, throttling-limits, message-delta, delta-query-messages) and the Microsoft Entra AADSTS error
// code reference.
package graph
